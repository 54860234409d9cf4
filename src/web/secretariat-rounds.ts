import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../lib/errors.js';
import type { MessageKey } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import { closeRound, getRound, resolutionSchema, resolveComment, type RoundDeps } from '../modules/rounds/index.js';
import { fieldErrors } from './city-common.js';
import { formValues } from './forms.js';
import type { FormError } from './render.js';
import {
  commentView,
  outcomeKeys,
  resolutionKeys,
  roundIdOf,
  roundRefusal,
  roundText,
  timeLeft,
  verdictText,
} from './rounds-common.js';
import { consoleMenu, signedInSecretariat } from './secretariat-common.js';

// The secretariat's round board: each invited network's verdict and summary, every comment with the
// secretariat's answer (through the service the API's resolution route calls), and closing the
// round. Closing while some networks are silent is the API's `force`: the board asks first, on a
// page of its own that names them and wants a ticked confirmation.

const notices: Record<string, MessageKey> = {
  answered: 'secretariat.round.notice.answered',
  closed: 'secretariat.round.notice.closed',
  'already-closed': 'secretariat.round.notice.alreadyClosed',
};

const commentParams = z.object({ id: z.uuid(), commentId: z.uuid() });

interface BoardForm {
  /** The comment whose answer form came back, its problems and what was typed. */
  commentId: string;
  errors: FormError[];
  values: Record<string, string>;
}

export async function roundBoardPages(app: FastifyInstance) {
  const deps: RoundDeps = { publicBaseUrl: app.config.publicBaseUrl };
  const board = (id: string) => `/secretariat/rounds/${id}`;

  async function boardPage(request: FastifyRequest, reply: FastifyReply, ctx: ServiceContext, form?: BoardForm) {
    const { t } = request.web;
    const round = await getRound(ctx, roundIdOf(request));
    const { pledgeTitle, areaTitle } = await roundText(ctx, round, t);
    const silent = round.networks.filter((n) => n.verdict === null).map((n) => n.code);
    const query = (request.query ?? {}) as Record<string, unknown>;
    return reply.page(
      'secretariat-round',
      {
        title: t.t('secretariat.round.title', { number: round.versionNumber }),
        consoleMenu: consoleMenu(request),
        pledgeTitle,
        pledgeSlug: round.pledgeSlug,
        round: {
          id: round.id,
          open: round.status === 'open',
          deadline: round.deadline,
          timeLeft: timeLeft(round, t),
          closedAt: round.closedAt,
          outcome: round.outcome && t.t(outcomeKeys[round.outcome]),
          forced: round.forced,
        },
        silent: silent.length ? t.list(silent) : undefined,
        networks: round.networks.map((n) => ({
          code: n.code,
          name: n.name,
          answered: n.verdict !== null,
          verdict: verdictText(n.verdict, t),
          summary: n.summary,
          late: n.late,
          decidedAt: n.decidedAt,
        })),
        comments: round.comments.map((c) => {
          const kept = form?.commentId === c.id ? form.values : undefined;
          return {
            ...commentView(c, areaTitle, t),
            response: kept ? kept.response : (c.resolution?.response ?? ''),
            status: kept ? kept.status : (c.resolution?.status ?? ''),
          };
        }),
        decisions: Object.entries(resolutionKeys).map(([value, key]) => ({ value, label: t.t(key) })),
        errors: form?.errors ?? [],
        notice: typeof query.notice === 'string' && Object.hasOwn(notices, query.notice) && t.t(notices[query.notice]!),
      },
      form ? 400 : 200,
    );
  }

  app.get('/secretariat/rounds/:id', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return boardPage(request, reply, ctx);
  });

  // ——— Answering a comment ———

  app.post(
    '/secretariat/rounds/:id/comments/:commentId/answer',
    { preValidation: app.csrfProtection },
    async (request, reply) => {
      const ctx = signedInSecretariat(request, reply);
      if (!ctx) return reply;
      const { t } = request.web;
      const params = commentParams.safeParse(request.params);
      if (!params.success) throw new NotFoundError('Comment');
      const { id, commentId } = params.data;
      // Each comment's form names its fields after the comment, so that the page's ids stay unique.
      const fields = { response: `response-${commentId}`, status: `status-${commentId}` };
      const sent = formValues(request.body, [fields.response, fields.status]);
      const values = { response: sent[fields.response]!, status: sent[fields.status]! };
      const parsed = resolutionSchema.safeParse({ status: values.status || undefined, response: values.response });
      if (!parsed.success) {
        const messages: Record<string, MessageKey> = {
          [fields.response]: 'secretariat.round.error.answer',
          [fields.status]: 'secretariat.round.error.decision',
        };
        const fieldOf = (path: PropertyKey[]) => (path[0] === 'status' ? fields.status : fields.response);
        const order = [fields.response, fields.status];
        const errors = fieldErrors(parsed.error.issues, fieldOf, messages, order, t);
        return boardPage(request, reply, ctx, { commentId, errors, values });
      }
      await resolveComment(ctx, id, commentId, parsed.data);
      return reply.redirect(`${board(id)}?notice=answered#comment-${commentId}`, 303);
    },
  );

  // ——— Closing, and closing over silence ———

  async function confirmPage(request: FastifyRequest, reply: FastifyReply, ctx: ServiceContext, error?: string) {
    const { t } = request.web;
    const round = await getRound(ctx, roundIdOf(request));
    const silent = round.networks.filter((n) => n.verdict === null);
    // Nothing to confirm: a closed round, or every network has answered meanwhile.
    if (round.status !== 'open' || silent.length === 0) return reply.redirect(board(round.id), 303);
    const { pledgeTitle } = await roundText(ctx, round, t);
    return reply.page(
      'secretariat-round-close',
      {
        title: t.t('secretariat.round.close.title'),
        consoleMenu: consoleMenu(request),
        pledgeTitle,
        versionNumber: round.versionNumber,
        id: round.id,
        silent: silent.map((n) => ({ code: n.code, name: n.name })),
        silentList: t.list(silent.map((n) => n.code)),
        answered: round.networks.filter((n) => n.verdict !== null).length,
        total: round.networks.length,
        errors: error ? [{ field: 'confirm', message: error }] : [],
      },
      error ? 400 : 200,
    );
  }

  app.get('/secretariat/rounds/:id/close', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return confirmPage(request, reply, ctx);
  });

  app.post('/secretariat/rounds/:id/close', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const id = roundIdOf(request);
    const { force, confirm } = formValues(request.body, ['force', 'confirm']);
    if (force === 'yes' && confirm !== 'yes')
      return confirmPage(request, reply, ctx, t.t('secretariat.round.error.confirm'));
    const round = await getRound(ctx, id);
    // The service refuses silence without force; the board asks before it sends force.
    if (force !== 'yes' && round.status === 'open' && round.networks.some((n) => n.verdict === null))
      return reply.redirect(`${board(id)}/close`, 303);
    try {
      await closeRound(ctx, deps, id, force === 'yes');
    } catch (err) {
      if (!roundRefusal(err, t)) throw err;
      return reply.redirect(`${board(id)}?notice=already-closed`, 303);
    }
    return reply.redirect(`${board(id)}?notice=closed`, 303);
  });
}
