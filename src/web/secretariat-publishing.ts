import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';
import type { MessageKey } from '../lib/i18n.js';
import {
  createVersion,
  getPledge,
  getVersion,
  isEditable,
  publishSchema,
  publishVersion,
  versionStateMachine,
} from '../modules/pledges/index.js';
import { openRound, openRoundSchema } from '../modules/rounds/index.js';
import { fieldErrors, list } from './city-common.js';
import { signedInSecretariat } from './secretariat-common.js';
import { showPledge } from './secretariat-pledge-page.js';
import { pledgePath, slugOf, versionOf } from './secretariat-pledge-common.js';

// A version's way out of draft, from the pledge page: a new draft copying the latest version,
// a validation round opened with the networks invited and a deadline, and publishing (with the
// reason the API asks for when the networks have not validated the version).

const refused = (err: unknown) => err instanceof AppError && (err.code === 'invalid_state' || err.code === 'conflict');

function fieldsOf(request: FastifyRequest) {
  const body = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  return { text, list: (name: string) => list(body[name]) };
}

/** A day typed in a date field ("2026-05-31") as the end of that day, UTC; undefined when it is no day. */
function endOfDay(day: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T23:59:59.999Z`);
  // "2026-02-31" would roll over into March: a day that does not exist is no answer.
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day ? undefined : date;
}

export function publishingPages(app: FastifyInstance) {
  const deps = { publicBaseUrl: app.config.publicBaseUrl };
  const redirectTo = (slug: string, notice: string) => `${pledgePath(slug)}?notice=${notice}`;

  app.post('/secretariat/pledges/:slug/versions', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const slug = slugOf(request);
    const latest = (await getPledge(ctx, slug)).versions.at(-1);
    // A second click (or a colleague's) finds the draft the first one made: no second draft.
    if (latest && isEditable(latest.status)) return reply.redirect(redirectTo(slug, 'draft-exists'), 303);
    await createVersion(ctx, slug);
    return reply.redirect(redirectTo(slug, 'version-created'), 303);
  });

  app.post(
    '/secretariat/pledges/:slug/versions/:n/rounds',
    { preValidation: app.csrfProtection },
    async (request, reply) => {
      const ctx = signedInSecretariat(request, reply);
      if (!ctx) return reply;
      const { t } = request.web;
      const { slug, n } = versionOf(request);
      const form = fieldsOf(request);
      const deadline = form.text('deadline').trim();
      const networks = form.list('networks');
      const kept = { values: { deadline }, networks };
      const messages: Record<string, MessageKey> = {
        networks: 'secretariat.pledge.error.networks',
        deadline: 'secretariat.pledge.error.deadline',
      };
      const parsed = openRoundSchema.safeParse({ deadline: endOfDay(deadline) ?? 'no day', networks });
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error.issues, (p) => String(p[0]), messages, ['networks', 'deadline'], t);
        return showPledge(request, reply, ctx, slug, { ...kept, errors });
      }
      try {
        await openRound(ctx, deps, slug, n, parsed.data);
      } catch (err) {
        if (refused(err)) return reply.redirect(redirectTo(slug, 'not-draft'), 303);
        // A network removed since the page was shown.
        if (!(err instanceof AppError && err.code === 'validation_failed')) throw err;
        const errors = [{ field: 'networks', message: t.t(messages.networks!) }];
        return showPledge(request, reply, ctx, slug, { ...kept, errors });
      }
      return reply.redirect(redirectTo(slug, 'round-opened'), 303);
    },
  );

  app.post(
    '/secretariat/pledges/:slug/versions/:n/publish',
    { preValidation: app.csrfProtection },
    async (request, reply) => {
      const ctx = signedInSecretariat(request, reply);
      if (!ctx) return reply;
      const { t } = request.web;
      const { slug, n } = versionOf(request);
      const reason = fieldsOf(request).text('reason');
      const { version } = await getVersion(ctx, slug, n);
      // A version the networks validated is published as it is; any other needs the override's reason.
      const validated = versionStateMachine.can('publish', version.status);
      const parsed = publishSchema.safeParse(validated ? {} : { override: { reason } });
      if (!parsed.success) {
        const errors = [{ field: 'reason', message: t.t('secretariat.pledge.error.reason') }];
        return showPledge(request, reply, ctx, slug, { errors, values: { reason } });
      }
      try {
        await publishVersion(ctx, slug, n, parsed.data.override);
      } catch (err) {
        if (refused(err)) return reply.redirect(redirectTo(slug, 'publish-refused'), 303);
        throw err;
      }
      return reply.redirect(redirectTo(slug, 'published'), 303);
    },
  );
}
