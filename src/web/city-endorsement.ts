import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, NotFoundError } from '../lib/errors.js';
import { languages, type MessageKey, type Translator } from '../lib/i18n.js';
import { endorsementCertificatePdf, printerOf } from '../modules/certificates/index.js';
import type { ServiceContext } from '../modules/context.js';
import {
  downloadMandate,
  getEndorsement,
  isLive,
  reconfirmEndorsement,
  uploadMandate,
} from '../modules/endorsements/index.js';
import { diffVersion, findPledge, findPublishedVersion } from '../modules/pledges/index.js';
import type { FormError } from './render.js';
import { isUpload, mandateSize, noticeOf, refusal, signedInActor, stageKeys } from './city-common.js';
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

/** One endorsement: its page, certificate and mandate, and confirming it on a newer version. */
export function endorsementPages(app: FastifyInstance) {
  const deps = endorsementDeps(app);
  const db = () => app.database.db;

  // ——— One endorsement ———

  async function detailView(ctx: ServiceContext, detail: Detail, t: Translator) {
    const pledge = (await findPledge(db(), detail.pledgeId))!;
    const published = await findPublishedVersion(db(), detail.pledgeId);
    const areas = await areasOfVersion(ctx, detail.pledgeSlug, detail.versionNumber, t);
    const titleOf = (key: string) => areas.get(key)?.title ?? { text: key, lang: 'en' as const };
    const live = isLive(detail.status);
    let newer;
    if (live && published && published.number > detail.versionNumber) {
      const diff = await diffVersion(ctx, detail.pledgeSlug, published.number, detail.versionNumber);
      const next = await areasOfVersion(ctx, detail.pledgeSlug, published.number, t);
      const nextTitle = (key: string) => next.get(key)?.title ?? { text: key, lang: 'en' as const };
      const fieldNames = (fields: string[]) => t.list(fields.map((f) => t.t(`city.field.${f}` as MessageKey)));
      newer = {
        number: published.number,
        preambleChanged: diff.preambleChanged,
        added: diff.added.map((k) => ({ title: nextTitle(k), included: detail.scope === 'whole' })),
        removed: diff.removed.map((k) => ({ title: titleOf(k), endorsed: detail.areaKeys.includes(k) })),
        changed: diff.changed.map((c) => ({ title: nextTitle(c.key), fields: fieldNames(c.fields) })),
        // What the endorsement becomes on the new version: its areas mapped by key.
        mapping: detail.areaKeys.map((k) => ({ title: titleOf(k), kept: next.has(k) })),
        nothingLeft: detail.scope === 'areas' && !detail.areaKeys.some((k) => next.has(k)),
      };
    }
    return {
      id: detail.id,
      pledge: { slug: detail.pledgeSlug, title: t.pick(pledge.title) },
      city: detail.city.name,
      status: detail.status,
      statusText: t.t(statusKeys[detail.status]),
      live,
      versionNumber: detail.versionNumber,
      contentHash: detail.contentHash,
      whole: detail.scope === 'whole',
      areas: detail.areaKeys.map((k) => areas.get(k) ?? { key: k, title: titleOf(k), description: titleOf(k) }),
      signatory: detail.signatory,
      statement: detail.statement,
      language: detail.language,
      note: detail.decisionNote,
      submittedAt: detail.submittedAt,
      verifiedAt: detail.verifiedAt,
      withdrawnAt: detail.withdrawnAt,
      mandate: mandateView(detail),
      certificate: detail.certificate?.status === 'valid' ? detail.certificate.serial : undefined,
      history: historyView(detail, titleOf, t),
      progress: detail.progress.map((p) => ({
        key: p.areaKey,
        title: titleOf(p.areaKey),
        stage: p.stage && t.t(stageKeys[p.stage]),
        narrative: p.narrative,
        updatedAt: p.updatedAt,
        stale: p.stale,
      })),
      newer,
    };
  }

  async function endorsementPage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    id: string,
    errors: FormError[] = [],
    status = 400,
  ) {
    const { t } = request.web;
    const detail = await getEndorsement(ctx, id);
    const view = await detailView(ctx, detail, t);
    return reply.page(
      'city-endorsement',
      {
        title: t.t('city.endorsement.title', { city: view.city }),
        e: view,
        official: request.web.session!.user.role === 'city_official',
        maxSize: mandateSize(t),
        certLanguages: languages,
        errors,
        notice: noticeOf(request, t),
      },
      errors.length ? status : 200,
    );
  }

  app.get('/city/endorsements/:id', async (request, reply) => {
    const ctx = signedInActor(request, reply, true);
    if (!ctx) return reply;
    return endorsementPage(request, reply, ctx, idOf(request));
  });

  const certificateQuery = z.object({ lang: z.enum(languages).optional() });

  app.get('/city/endorsements/:id/certificate.pdf', async (request, reply) => {
    const ctx = signedInActor(request, reply, true);
    if (!ctx) return reply;
    const query = certificateQuery.safeParse(request.query);
    if (!query.success) throw new NotFoundError('Certificate');
    const printer = printerOf(app);
    const { pdf, serial } = await endorsementCertificatePdf(ctx, printer, idOf(request), query.data.lang);
    const suffix = query.data.lang ? `-${query.data.lang}` : '';
    return reply
      .type('application/pdf')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="certificate-${serial}${suffix}.pdf"`)
      .send(pdf);
  });

  app.get('/city/endorsements/:id/mandate', async (request, reply) => {
    const ctx = signedInActor(request, reply, true);
    if (!ctx) return reply;
    const id = idOf(request);
    const doc = await downloadMandate(ctx, id);
    return reply
      .type(doc.mediaType)
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${mandateFileName(id, doc.mediaType)}"`)
      .send(doc.content);
  });

  // ——— Sending the mandate document after the endorsement ———

  app.post('/city/endorsements/:id/mandate', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const id = idOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const file = isUpload(body.mandate) && body.mandate.data.length > 0 ? body.mandate : undefined;
    const problem = (key: MessageKey) =>
      endorsementPage(request, reply, ctx, id, [{ field: 'mandate', message: t.t(key, { size: mandateSize(t) }) }]);
    if (!file) return problem('city.error.mandateMissing');
    if (file.truncated) return problem('city.error.mandateSize');
    try {
      await uploadMandate(ctx, id, file.data);
    } catch (err) {
      // The type is read from the bytes by the service; the status must still allow it.
      if (err instanceof AppError && err.status === 415) return problem('city.error.mandateType');
      const message = refusal(err, t);
      if (!message) throw err;
      return endorsementPage(request, reply, ctx, id, [{ field: 'mandate', message }], 409);
    }
    return reply.redirect(`/city/endorsements/${id}?notice=mandate`, 303);
  });

  // ——— Confirming the newer version ———

  const reconfirmForm = z.object({ versionNumber: z.coerce.number().int().min(1).max(2_147_483_647) });

  app.post('/city/endorsements/:id/reconfirm', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const id = idOf(request);
    const form = reconfirmForm.safeParse(request.body ?? {});
    const stale = [{ field: 'reconfirm', message: t.t('city.error.reconfirm') }];
    if (!form.success) return endorsementPage(request, reply, ctx, id, stale);
    try {
      await reconfirmEndorsement(ctx, deps, id, { versionNumber: form.data.versionNumber });
    } catch (err) {
      // Another version published meanwhile, already confirmed, no area left, no longer live.
      if (!(err instanceof AppError) || !['invalid_state', 'conflict'].includes(err.code)) throw err;
      return endorsementPage(request, reply, ctx, id, stale, 409);
    }
    return reply.redirect(`/city/endorsements/${id}?notice=reconfirmed`, 303);
  });
}
