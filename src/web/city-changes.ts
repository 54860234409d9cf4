import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { progressStages } from '../db/schema/index.js';
import { AppError } from '../lib/errors.js';
import { type MessageKey } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import {
  addProgress,
  amendEndorsement,
  amendSchema,
  getEndorsement,
  isLive,
  progressInputSchema,
  withdrawEndorsement,
  withdrawSchema,
} from '../modules/endorsements/index.js';
import { findPledge, getVersion } from '../modules/pledges/index.js';
import { keptValues } from './forms.js';
import type { FormError } from './render.js';
import { fieldErrors, list, refusal, signedInActor, stageKeys } from './city-common.js';
import { areasOfVersion, areaView, endorsementDeps, idOf, statusKeys } from './endorsement-common.js';

/** Changing an endorsement: its areas, withdrawing it, reporting progress on an area. */
export function changePages(app: FastifyInstance) {
  const deps = endorsementDeps(app);
  const db = () => app.database.db;

  // ——— Changing the areas ———

  async function areasPage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    id: string,
    errors: FormError[] = [],
    values?: { scope: string; chosen: string[]; reason: string },
    status = 400,
  ) {
    const { t } = request.web;
    const detail = await getEndorsement(ctx, id);
    const { version } = await getVersion(ctx, detail.pledgeSlug, detail.versionNumber);
    return reply.page(
      'city-areas',
      {
        title: t.t('city.areas.title'),
        id: detail.id,
        city: detail.city.name,
        statusText: t.t(statusKeys[detail.status]),
        verified: detail.status === 'verified',
        live: isLive(detail.status),
        areas: version.areas.map((a) => areaView(a, t)),
        // An endorsement that ended meanwhile: the page says it can no longer change, without a form.
        errors: isLive(detail.status) ? errors : [],
        values: { scope: values?.scope ?? detail.scope, reason: values?.reason ?? '' },
        chosen: values?.chosen ?? (detail.scope === 'areas' ? detail.areaKeys : []),
      },
      errors.length ? status : 200,
    );
  }

  app.get('/city/endorsements/:id/areas', async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    return areasPage(request, reply, ctx, idOf(request));
  });

  app.post('/city/endorsements/:id/areas', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const id = idOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = keptValues(body, ['scope', 'reason']);
    const chosen = list(body.areaKeys);
    const kept = { scope: values.scope!, chosen, reason: values.reason! };
    const reason = values.reason!.trim();
    const parsed = amendSchema.safeParse({
      scope: values.scope,
      ...(values.scope === 'areas' ? { areaKeys: chosen } : {}),
      ...(reason ? { reason } : {}),
    });
    const messages: Record<string, MessageKey> = {
      scope: 'city.error.scope',
      areaKeys: 'city.error.areas',
      reason: 'city.error.amendReason',
    };
    const order = ['scope', 'areaKeys', 'reason'];
    const errors = parsed.success ? [] : fieldErrors(parsed.error.issues, (p) => String(p[0]), messages, order, t);
    if (values.scope === 'areas' && chosen.length === 0 && !errors.some((e) => e.field === 'areaKeys'))
      errors.push({ field: 'areaKeys', message: t.t('city.error.areas') });
    if (errors.length > 0 || !parsed.success) return areasPage(request, reply, ctx, id, errors, kept);
    try {
      await amendEndorsement(ctx, deps, id, parsed.data);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation_failed')
        return areasPage(request, reply, ctx, id, [{ field: 'areaKeys', message: t.t('city.error.areas') }], kept);
      const message = refusal(err, t);
      if (!message) throw err;
      return areasPage(request, reply, ctx, id, [{ field: 'scope', message }], kept, 409);
    }
    return reply.redirect(`/city/endorsements/${id}?notice=amended`, 303);
  });

  // ——— Withdrawing ———

  async function withdrawPage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    id: string,
    errors: FormError[] = [],
    values: Record<string, string> = {},
    status = 400,
  ) {
    const { t } = request.web;
    const detail = await getEndorsement(ctx, id);
    const pledge = (await findPledge(db(), detail.pledgeId))!;
    return reply.page(
      'city-withdraw',
      {
        title: t.t('city.withdraw.title'),
        id: detail.id,
        city: detail.city.name,
        pledge: t.pick(pledge.title),
        live: isLive(detail.status),
        statusText: t.t(statusKeys[detail.status]),
        certificate: detail.certificate?.status === 'valid' ? detail.certificate.serial : undefined,
        errors: isLive(detail.status) ? errors : [],
        values: { reason: '', confirm: '', ...values },
      },
      errors.length ? status : 200,
    );
  }

  app.get('/city/endorsements/:id/withdraw', async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    return withdrawPage(request, reply, ctx, idOf(request));
  });

  app.post('/city/endorsements/:id/withdraw', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const id = idOf(request);
    const values = keptValues(request.body, ['reason', 'confirm']);
    const parsed = withdrawSchema.safeParse({ reason: values.reason });
    const errors: FormError[] = [];
    if (!parsed.success) errors.push({ field: 'reason', message: t.t('city.error.withdrawReason') });
    if (values.confirm !== 'yes') errors.push({ field: 'confirm', message: t.t('city.error.withdrawConfirm') });
    if (errors.length > 0 || !parsed.success) return withdrawPage(request, reply, ctx, id, errors, values);
    try {
      await withdrawEndorsement(ctx, deps, id, parsed.data.reason);
    } catch (err) {
      const message = refusal(err, t);
      if (!message) throw err;
      return withdrawPage(request, reply, ctx, id, [{ field: 'reason', message }], values, 409);
    }
    return reply.redirect(`/city/endorsements/${id}?notice=withdrawn`, 303);
  });

  // ——— Reporting progress on an area ———

  async function progressPage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    id: string,
    errors: FormError[] = [],
    values: Record<string, string> = {},
    status = 400,
  ) {
    const { t } = request.web;
    const detail = await getEndorsement(ctx, id);
    const areas = await areasOfVersion(ctx, detail.pledgeSlug, detail.versionNumber, t);
    const query = (request.query ?? {}) as Record<string, unknown>;
    const picked = values.areaKey ?? (typeof query.area === 'string' ? query.area : '');
    return reply.page(
      'city-progress',
      {
        title: t.t('city.progress.title'),
        id: detail.id,
        city: detail.city.name,
        live: isLive(detail.status),
        statusText: t.t(statusKeys[detail.status]),
        areas: detail.progress.map((p) => ({
          key: p.areaKey,
          title: areas.get(p.areaKey)?.title ?? { text: p.areaKey, lang: 'en' },
          stage: p.stage && t.t(stageKeys[p.stage]),
        })),
        stages: progressStages.map((s) => ({ value: s, label: t.t(stageKeys[s]), hint: t.t(`${stageKeys[s]}Hint`) })),
        errors: isLive(detail.status) ? errors : [],
        values: { areaKey: picked, stage: '', narrative: '', ...values },
      },
      errors.length ? status : 200,
    );
  }

  app.get('/city/endorsements/:id/progress', async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    return progressPage(request, reply, ctx, idOf(request));
  });

  app.post('/city/endorsements/:id/progress', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const id = idOf(request);
    const values = keptValues(request.body, ['areaKey', 'stage', 'narrative']);
    const parsed = progressInputSchema.safeParse(values);
    const messages: Record<string, MessageKey> = {
      areaKey: 'city.error.progressArea',
      stage: 'city.error.stage',
      narrative: 'city.error.narrative',
    };
    const order = ['areaKey', 'stage', 'narrative'];
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues, (p) => String(p[0]), messages, order, t);
      return progressPage(request, reply, ctx, id, errors, values);
    }
    try {
      await addProgress(ctx, id, parsed.data);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation_failed')
        return progressPage(request, reply, ctx, id, [{ field: 'areaKey', message: t.t(messages.areaKey!) }], values);
      const message = refusal(err, t);
      if (!message) throw err;
      return progressPage(request, reply, ctx, id, [{ field: 'areaKey', message }], values, 409);
    }
    return reply.redirect(`/city/endorsements/${id}?notice=progress`, 303);
  });
}
