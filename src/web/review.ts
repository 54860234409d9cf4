import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';
import type { MessageKey } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import { findNetworkById } from '../modules/networks/index.js';
import {
  addComment,
  addCommentSchema,
  getRound,
  listInvitingRounds,
  type RoundDeps,
  setVerdict,
  verdictSchema,
} from '../modules/rounds/index.js';
import { areaText, paragraphs } from './area-text.js';
import { fieldErrors } from './city-common.js';
import { formValues } from './forms.js';
import { signedInAs } from './guard.js';
import type { FormError } from './render.js';
import { reviewEndorsementPages } from './review-endorsements.js';
import {
  commentView,
  diffFromPrevious,
  outcomeKeys,
  roundIdOf,
  roundRefusal,
  roundText,
  timeLeft,
  verdictKeys,
  verdictText,
} from './rounds-common.js';

// The network reviewers' pages: the inbox of the rounds that invite their network, and one round:
// the version under review area by area with the comments beside each area and the secretariat's
// answers, the differences from the version it was copied from, commenting, and their network's
// verdict. The rounds service decides everything (which rounds invite them, whether the round still
// takes comments and verdicts, what is late); a round that does not invite them is the 404 page.

const notices: Record<string, MessageKey> = {
  commented: 'review.notice.commented',
  verdict: 'review.notice.verdict',
};

function signedInReviewer(request: FastifyRequest, reply: FastifyReply): ServiceContext | undefined {
  return signedInAs(request, reply, ['network_reviewer']);
}

/** The comment form's and the verdict form's fields, in the order of the page. */
const commentFields = ['areaKey', 'body'];
const verdictFields = ['verdict', 'summary'];
const messages: Record<string, MessageKey> = {
  areaKey: 'review.error.area',
  body: 'review.error.body',
  verdict: 'review.error.verdict',
  summary: 'review.error.summary',
};

interface RoundForm {
  errors?: FormError[];
  values?: Record<string, string>;
  status?: number;
}

export default async function reviewPages(app: FastifyInstance) {
  const deps: RoundDeps = { publicBaseUrl: app.config.publicBaseUrl };
  const db = () => app.database.db;

  app.get('/review', async (request, reply) => {
    const ctx = signedInReviewer(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const network = await findNetworkById(db(), request.web.session!.user.networkId!);
    const now = new Date();
    const rounds = await listInvitingRounds(ctx);
    return reply.page('review-inbox', {
      title: t.t('review.inbox.title'),
      network: network?.name ?? '',
      rounds: rounds.map((r) => ({
        id: r.id,
        open: r.status === 'open',
        pledge: t.pick(r.pledgeTitle),
        versionNumber: r.versionNumber,
        deadline: r.deadline,
        timeLeft: timeLeft(r, t, now),
        verdict: verdictText(r.verdict, t),
        late: r.late,
        outcome: r.outcome && t.t(outcomeKeys[r.outcome]),
      })),
    });
  });

  async function roundPage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    id: string,
    form: RoundForm = {},
  ) {
    const { t } = request.web;
    const round = await getRound(ctx, id);
    const { pledgeTitle, version, areaTitle } = await roundText(ctx, round, t);
    const diff = await diffFromPrevious(ctx, version, t);
    const network = await findNetworkById(db(), request.web.session!.user.networkId!);
    const mine = round.networks.find((n) => n.code === network?.code);
    const comments = round.comments.map((c) => commentView(c, areaTitle, t));
    const open = round.status === 'open';
    const query = (request.query ?? {}) as Record<string, unknown>;
    const picked = typeof query.area === 'string' && version.areas.some((a) => a.key === query.area) ? query.area : '';
    const errors = open ? (form.errors ?? []) : [];
    return reply.page(
      'review-round',
      {
        title: t.t('review.round.title', { number: round.versionNumber }),
        pledgeTitle,
        round: {
          id: round.id,
          open,
          deadline: round.deadline,
          pastDeadline: round.deadline.getTime() < Date.now(),
          timeLeft: timeLeft(round, t),
          closedAt: round.closedAt,
          outcome: round.outcome && t.t(outcomeKeys[round.outcome]),
        },
        network: mine && {
          code: mine.code,
          name: mine.name,
          verdict: mine.verdict && t.t(verdictKeys[mine.verdict]),
          summary: mine.summary,
          late: mine.late,
          decidedAt: mine.decidedAt,
        },
        networks: t.list(round.networks.map((n) => n.code)),
        preamble: paragraphs(t.pick(version.preamble)),
        areas: version.areas.map((a) => ({
          ...areaText(a, t),
          comments: comments.filter((c) => c.areaKey === a.key),
        })),
        general: comments.filter((c) => c.areaKey === null),
        diff,
        areaChoices: version.areas.map((a) => ({ value: a.key, label: t.pick(a.title) })),
        verdicts: Object.entries(verdictKeys).map(([value, key]) => ({ value, label: t.t(key) })),
        errors,
        values: {
          areaKey: picked,
          body: '',
          verdict: mine?.verdict ?? '',
          summary: mine?.summary ?? '',
          ...form.values,
        },
        notice: typeof query.notice === 'string' && Object.hasOwn(notices, query.notice) && t.t(notices[query.notice]!),
      },
      form.errors?.length ? (form.status ?? 400) : 200,
    );
  }

  app.get('/review/rounds/:id', async (request, reply) => {
    const ctx = signedInReviewer(request, reply);
    if (!ctx) return reply;
    return roundPage(request, reply, ctx, roundIdOf(request));
  });

  app.post('/review/rounds/:id/comments', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInReviewer(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const id = roundIdOf(request);
    // Kept whole to show again: a comment may be long, and the form body's limit bounds it.
    const values = formValues(request.body, commentFields);
    const parsed = addCommentSchema.safeParse({ areaKey: values.areaKey || null, body: values.body });
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues, (p) => String(p[0]), messages, commentFields, t);
      return roundPage(request, reply, ctx, id, { errors, values });
    }
    try {
      await addComment(ctx, id, parsed.data);
    } catch (err) {
      // An area the version under review does not have: the service says so, beside the choice.
      if (err instanceof AppError && err.code === 'validation_failed')
        return roundPage(request, reply, ctx, id, {
          errors: [{ field: 'areaKey', message: t.t(messages.areaKey!) }],
          values,
        });
      const message = roundRefusal(err, t);
      if (!message) throw err;
      return roundPage(request, reply, ctx, id, { errors: [{ field: 'body', message }], values, status: 409 });
    }
    return reply.redirect(`/review/rounds/${id}?notice=commented`, 303);
  });

  app.post('/review/rounds/:id/verdict', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInReviewer(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const id = roundIdOf(request);
    const values = formValues(request.body, verdictFields);
    const parsed = verdictSchema.safeParse({
      verdict: values.verdict || undefined,
      ...(values.summary!.trim() ? { summary: values.summary } : {}),
    });
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues, (p) => String(p[0]), messages, verdictFields, t);
      return roundPage(request, reply, ctx, id, { errors, values });
    }
    const network = await findNetworkById(db(), request.web.session!.user.networkId!);
    try {
      await setVerdict(ctx, deps, id, network?.code ?? '', parsed.data);
    } catch (err) {
      const message = roundRefusal(err, t);
      if (!message) throw err;
      return roundPage(request, reply, ctx, id, { errors: [{ field: 'verdict', message }], values, status: 409 });
    }
    return reply.redirect(`/review/rounds/${id}?notice=verdict`, 303);
  });

  reviewEndorsementPages(app, signedInReviewer);
}
