import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { countryName } from '../lib/countries.js';
import { AppError, ConflictError } from '../lib/errors.js';
import type { MessageKey, Translator } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import { decideEndorsement, decisionSchema, downloadMandate, getEndorsement } from '../modules/endorsements/index.js';
import { findPledge } from '../modules/pledges/index.js';
import { fieldErrors } from './city-common.js';
import {
  areasOfVersion,
  type Detail,
  endorsementDeps,
  historyView,
  idOf,
  mandateFileName,
  mandateView,
  statusKeys,
} from './endorsement-common.js';
import { keptValues, noticeFrom } from './forms.js';
import type { FormError } from './render.js';
import { consoleMenu, signedInSecretariat } from './secretariat-common.js';

// One endorsement as the secretariat checks it: what the city endorsed, its mandate document shown
// in the page, its history, and the decision ("Verify", or "Reject" with a note for the city),
// taken by the same service as the API's POST /endorsements/:id/decision (same rules, audit
// event, mail to the city, certificate). The form names the revision it showed: a change by the
// city meanwhile is not decided unseen.

const notices: Record<string, MessageKey> = {
  verified: 'secretariat.endorsement.notice.verified',
  rejected: 'secretariat.endorsement.notice.rejected',
};

/**
 * The mandate document is the city's upload: it is shown in the page but kept in a sandbox of its
 * own (no script, no form, no same-origin access), never sniffed into another type.
 */
const MANDATE_POLICY =
  "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'";

const revisionField = z.object({ revision: z.coerce.number().int().min(1).max(2_147_483_647) });

/** The note's problems in words (the service's own rule: required to reject, 2,000 characters at most). */
const noteMessages: Record<string, MessageKey> = { note: 'secretariat.endorsement.error.note' };

async function endorsementView(ctx: ServiceContext, detail: Detail, t: Translator) {
  const pledge = (await findPledge(ctx.db, detail.pledgeId))!;
  const areas = await areasOfVersion(ctx, detail.pledgeSlug, detail.versionNumber, t);
  const titleOf = (key: string) => areas.get(key)?.title ?? { text: key, lang: 'en' as const };
  const mandate = mandateView(detail);
  return {
    id: detail.id,
    revision: detail.revision,
    pledge: { slug: detail.pledgeSlug, title: t.pick(pledge.title) },
    city: detail.city.name,
    country: countryName(detail.city.country, t.lang),
    region: t.t(`region.${detail.city.region}` as MessageKey),
    status: detail.status,
    statusText: t.t(statusKeys[detail.status]),
    note: detail.decisionNote,
    versionNumber: detail.versionNumber,
    contentHash: detail.contentHash,
    whole: detail.scope === 'whole',
    areas: detail.areaKeys.map(titleOf),
    signatory: detail.signatory,
    language: detail.language,
    statement: detail.statement,
    onBehalf: detail.onBehalf,
    submittedAt: detail.submittedAt,
    verifiedAt: detail.verifiedAt,
    mandate: mandate && { ...mandate, href: `/secretariat/endorsements/${detail.id}/mandate` },
    mandateRequired: pledge.requireMandateDocument,
    certificate: detail.certificate?.status === 'valid' ? detail.certificate.serial : undefined,
    history: historyView(detail, titleOf, t),
  };
}

export default async function secretariatEndorsement(app: FastifyInstance) {
  const deps = endorsementDeps(app);

  async function endorsementPage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    id: string,
    problem: { errors: FormError[]; status: number; note?: string } = { errors: [], status: 200 },
  ) {
    const { t } = request.web;
    const e = await endorsementView(ctx, await getEndorsement(ctx, id), t);
    return reply.page(
      'secretariat-endorsement',
      {
        title: t.t('city.endorsement.title', { city: e.city }),
        consoleMenu: consoleMenu(request),
        e,
        errors: problem.errors,
        values: { note: problem.note ?? '' },
        notice: noticeFrom(request, t, notices),
      },
      problem.status,
    );
  }

  /**
   * A decision the service refused, in words, from where the endorsement stands now: decided by
   * someone else, changed by the city since the page was read, or waiting for its mandate.
   */
  async function refusalOf(err: unknown, ctx: ServiceContext, id: string, read: number | undefined, t: Translator) {
    if (!(err instanceof AppError) || !['invalid_state', 'conflict'].includes(err.code)) return undefined;
    const now = await getEndorsement(ctx, id);
    if (now.status !== 'submitted') {
      return {
        field: 'status',
        message: t.t('secretariat.endorsement.error.decided', { status: t.t(statusKeys[now.status]) }),
      };
    }
    if (read !== now.revision) return { field: 'status', message: t.t('secretariat.endorsement.error.changed') };
    if (!now.mandate) return { field: 'mandate', message: t.t('secretariat.endorsement.error.mandateRequired') };
    return { field: 'status', message: t.t('secretariat.endorsement.error.changed') };
  }

  app.get('/secretariat/endorsements/:id', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return endorsementPage(request, reply, ctx, idOf(request));
  });

  app.get('/secretariat/endorsements/:id/mandate', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const id = idOf(request);
    const doc = await downloadMandate(ctx, id);
    return reply
      .type(doc.mediaType)
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `inline; filename="${mandateFileName(id, doc.mediaType)}"`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', MANDATE_POLICY)
      .send(doc.content);
  });

  /**
   * Decides on the revision the form showed, and redirects with a notice; a refusal is said on the
   * endorsement's page (with the note kept).
   */
  async function decide(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    id: string,
    decision: { decision: 'verified' | 'rejected'; note?: string },
  ) {
    const revision = revisionField.safeParse(request.body ?? {}).data?.revision;
    try {
      // A form without the revision it showed cannot say what it decides on.
      if (revision === undefined) throw new ConflictError('The form names no revision.');
      await decideEndorsement(ctx, deps, id, { ...decision, revision });
    } catch (err) {
      const refusal = await refusalOf(err, ctx, id, revision, request.web.t);
      if (!refusal) throw err;
      return endorsementPage(request, reply, ctx, id, { errors: [refusal], status: 409, note: decision.note });
    }
    return reply.redirect(`/secretariat/endorsements/${id}?notice=${decision.decision}`, 303);
  }

  app.post('/secretariat/endorsements/:id/verify', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return decide(request, reply, ctx, idOf(request), { decision: 'verified' });
  });

  app.post('/secretariat/endorsements/:id/reject', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const id = idOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const input = decisionSchema.safeParse({
      decision: 'rejected',
      note: typeof body.note === 'string' ? body.note : '',
    });
    if (!input.success) {
      const errors = fieldErrors(input.error.issues, () => 'note', noteMessages, ['note'], request.web.t);
      return endorsementPage(request, reply, ctx, id, { errors, status: 400, note: keptValues(body, ['note']).note });
    }
    return decide(request, reply, ctx, id, { decision: 'rejected', note: input.data.note });
  });
}
