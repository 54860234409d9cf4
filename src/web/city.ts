import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { endorsementLanguages, progressStages } from '../db/schema/index.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import { languages, type MessageKey, type Translator } from '../lib/i18n.js';
import { endorsementCertificatePdf } from '../modules/certificates/index.js';
import { findCityById } from '../modules/cities/index.js';
import type { ServiceContext } from '../modules/context.js';
import {
  addProgress,
  amendEndorsement,
  amendSchema,
  createEndorsement,
  createEndorsementSchema,
  downloadMandate,
  type EndorseDeps,
  getEndorsement,
  isLive,
  listEndorsements,
  MAX_MANDATE_BYTES,
  progressInputSchema,
  reconfirmEndorsement,
  sniffMediaType,
  uploadMandate,
  withdrawEndorsement,
  withdrawSchema,
} from '../modules/endorsements/index.js';
import { diffVersion, findPledge, findPublishedVersion, getVersion, slugSchema } from '../modules/pledges/index.js';
import { listPublishedPledges, publicPledge } from '../modules/public/index.js';
import { keptValues } from './forms.js';
import type { FormError } from './render.js';

// The city official's pages: their city's endorsements, endorsing a pledge (whole or by area, with
// the mandate document), and one endorsement's page with its history, its certificate, and what
// can be done with it (change its areas, confirm a newer version, withdraw, report progress). The
// services decide everything (whose endorsement, which change its status allows, which area keys
// exist); these pages ask, and say the services' refusals in words.

type Detail = Awaited<ReturnType<typeof getEndorsement>>;
type Area = Awaited<ReturnType<typeof getVersion>>['version']['areas'][number];

const idParams = z.object({ id: z.uuid() });
const slugParams = z.object({ slug: slugSchema });

/** The megabytes a person reads in the mandate upload's hint and errors ("10 MB"). */
const mandateSize = (t: Translator) =>
  new Intl.NumberFormat(t.lang, { style: 'unit', unit: 'megabyte', unitDisplay: 'short' }).format(
    MAX_MANDATE_BYTES / (1024 * 1024),
  );

/** Notices a page shows after a redirect (post/redirect/get), named in its query string. */
const notices: Record<string, MessageKey> = {
  submitted: 'city.notice.submitted',
  'submitted-no-mandate': 'city.notice.submittedNoMandate',
  amended: 'city.notice.amended',
  withdrawn: 'city.notice.withdrawn',
  progress: 'city.notice.progress',
  reconfirmed: 'city.notice.reconfirmed',
  mandate: 'city.notice.mandate',
};

function noticeOf(request: FastifyRequest, t: Translator): string | undefined {
  const key = (request.query as Record<string, unknown>).notice;
  return typeof key === 'string' && Object.hasOwn(notices, key) ? t.t(notices[key]!) : undefined;
}

/** What the services said no to, in words: their message names no field a person could fix. */
function refusal(err: unknown, t: Translator): string | undefined {
  if (!(err instanceof AppError)) return undefined;
  if (err.code === 'invalid_state') return t.t('city.error.state');
  if (err.code === 'conflict') return t.t('city.error.conflict');
  return undefined;
}

/** An uploaded file as the multipart parser below leaves it in the body. */
interface Upload {
  data: Buffer;
  truncated: boolean;
  filename: string;
}

const isUpload = (value: unknown): value is Upload =>
  typeof value === 'object' && value !== null && Buffer.isBuffer((value as Upload).data);

/** A form value that may come once or many times (checkboxes): always a list of strings. */
function list(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string');
}

/** The first problem of each field, from a service schema's issues, in the words of `messages`. */
function fieldErrors(
  issues: z.core.$ZodIssue[],
  fieldOf: (path: PropertyKey[]) => string,
  messages: Record<string, MessageKey>,
  order: string[],
  t: Translator,
  params: Record<string, string | number> = {},
): FormError[] {
  const errors: FormError[] = [];
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (errors.some((e) => e.field === field)) continue;
    errors.push({ field, message: t.t(messages[field] ?? 'form.error.invalid', params) });
  }
  return errors.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
}

const statusKeys = {
  submitted: 'city.status.submitted',
  verified: 'city.status.verified',
  rejected: 'city.status.rejected',
  withdrawn: 'city.status.withdrawn',
} as const satisfies Record<Detail['status'], MessageKey>;

const stageKeys = {
  planning: 'city.stage.planning',
  in_progress: 'city.stage.in_progress',
  fulfilled: 'city.stage.fulfilled',
  dropped: 'city.stage.dropped',
} as const satisfies Record<(typeof progressStages)[number], MessageKey>;

const actionKeys: Record<string, MessageKey> = {
  submitted: 'city.action.submitted',
  submitted_on_behalf: 'city.action.submitted_on_behalf',
  verified: 'city.action.verified',
  rejected: 'city.action.rejected',
  amended: 'city.action.amended',
  reconfirmed: 'city.action.reconfirmed',
  withdrawn: 'city.action.withdrawn',
};

const roleKeys: Record<string, MessageKey> = {
  city_official: 'city.by.city',
  secretariat: 'city.by.secretariat',
  system: 'city.by.system',
};

/** The form that endorses a pledge: its fields in the order of the page. */
const endorseFields = ['scope', 'areaKeys', 'signatoryName', 'signatoryTitle', 'language', 'statement', 'mandate'];

const endorseMessages: Record<string, MessageKey> = {
  scope: 'city.error.scope',
  areaKeys: 'city.error.areas',
  signatoryName: 'city.error.signatoryName',
  signatoryTitle: 'city.error.signatoryTitle',
  language: 'city.error.language',
  statement: 'city.error.statement',
  versionNumber: 'city.error.state',
};

const endorseFieldOf = (path: PropertyKey[]) => {
  const [first, second] = path.map(String);
  if (first === 'signatory') return second === 'title' ? 'signatoryTitle' : 'signatoryName';
  return first ?? 'scope';
};

export default async function cityPages(app: FastifyInstance) {
  const deps: EndorseDeps = { publicBaseUrl: app.config.publicBaseUrl, certSigningKey: app.config.certSigningKey };
  const db = () => app.database.db;

  // The mandate upload: one file, read whole but never past the limit (a larger one is cut and
  // said to be too large, with the rest of the form kept), and the form's few fields.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: MAX_MANDATE_BYTES, files: 1, fields: 250, fieldSize: 20_000, parts: 260 },
    async onFile(part: MultipartFile) {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      const upload: Upload = { data: Buffer.concat(chunks), truncated: part.file.truncated, filename: part.filename };
      (part as MultipartFile & { value?: Upload }).value = upload;
    },
  });

  /**
   * The signed-in person who may use a city page: a city official (and, where `secretariat`, the
   * secretariat). A visitor is sent to sign in and brought back; anyone else finds nothing here.
   */
  function signedInActor(
    request: FastifyRequest,
    reply: FastifyReply,
    secretariat = false,
  ): ServiceContext | undefined {
    const session = request.web.session;
    if (!session) {
      const back = request.method === 'GET' ? request.url.split('?')[0]! : '/city';
      void reply.redirect(`/sign-in?notice=sign-in-needed&next=${encodeURIComponent(back)}`, 303);
      return undefined;
    }
    const role = session.user.role;
    if (role !== 'city_official' && !(secretariat && role === 'secretariat')) throw new NotFoundError('Page');
    return app.ctx(request);
  }

  function idOf(request: FastifyRequest): string {
    const parsed = idParams.safeParse(request.params);
    if (!parsed.success) throw new NotFoundError('Endorsement');
    return parsed.data.id;
  }

  /** Area texts of one version of a pledge, by key, in the reader's language. */
  async function areasOfVersion(ctx: ServiceContext, slug: string, number: number, t: Translator) {
    const { version } = await getVersion(ctx, slug, number);
    return new Map(version.areas.map((a: Area) => [a.key, areaView(a, t)]));
  }

  const areaView = (a: Area, t: Translator) => ({
    key: a.key,
    title: t.pick(a.title),
    description: t.pick(a.description),
  });

  // ——— /city: the city's endorsement of each published pledge ———

  app.get('/city', async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const cityId = request.web.session!.user.cityId!;
    const city = await findCityById(db(), cityId);
    const pledges = await listPublishedPledges(db());
    const { items } = await listEndorsements(ctx, { limit: 500 });
    const rows = [];
    for (const pledge of pledges) {
      const mine = items.filter((e) => e.pledgeSlug === pledge.slug);
      // The live one if any (there is at most one), else the latest that ended.
      const endorsement = mine.find((e) => isLive(e.status)) ?? mine[0];
      const areas = endorsement ? await areasOfVersion(ctx, pledge.slug, endorsement.versionNumber, t) : undefined;
      rows.push({
        slug: pledge.slug,
        title: t.pick(pledge.title),
        versionNumber: pledge.versionNumber,
        canEndorse: !endorsement || !isLive(endorsement.status),
        endorsement: endorsement && {
          id: endorsement.id,
          status: endorsement.status,
          statusText: t.t(statusKeys[endorsement.status]),
          versionNumber: endorsement.versionNumber,
          whole: endorsement.scope === 'whole',
          areas: endorsement.areaKeys.map((k) => areas!.get(k)?.title ?? { text: k, lang: 'en' }),
          note: endorsement.decisionNote,
          submittedAt: endorsement.submittedAt,
          certificate: endorsement.certificate?.status === 'valid' ? endorsement.certificate.serial : undefined,
          newerVersion: isLive(endorsement.status) && pledge.versionNumber > endorsement.versionNumber,
        },
      });
    }
    return reply.page('city-home', {
      title: t.t('city.home.title', { city: city?.name ?? '' }),
      rows,
      certLanguages: languages,
      notice: noticeOf(request, t),
    });
  });

  // ——— Endorsing a pledge ———

  async function endorsePage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    errors: FormError[] = [],
    values: Record<string, string> = {},
    chosen: string[] = [],
    status = 400,
  ) {
    const { t, lang } = request.web;
    const parsed = slugParams.safeParse(request.params);
    if (!parsed.success) throw new NotFoundError('Published pledge');
    const pledge = await publicPledge(db(), parsed.data.slug);
    // A city with a live endorsement changes that one: the page says so and links to it.
    const { items } = await listEndorsements(ctx, { limit: 500, pledge: pledge.slug });
    const live = items.find((e) => isLive(e.status));
    const title = t.pick(pledge.title);
    return reply.page(
      'city-endorse',
      {
        title: t.t('city.endorse.title'),
        pledge: { slug: pledge.slug, title, versionNumber: pledge.version.number },
        live: live && { id: live.id },
        areas: pledge.version.areas.map((a) => ({
          ...areaView(a, t),
          commitments: a.commitments.map((c) => t.pick(c)),
        })),
        errors,
        values: { scope: '', language: lang, signatoryName: '', signatoryTitle: '', statement: '', ...values },
        chosen,
        endorsementLanguages,
        versionNumber: values.versionNumber || String(pledge.version.number),
        maxSize: mandateSize(t),
      },
      errors.length ? status : 200,
    );
  }

  app.get('/city/pledges/:slug/endorse', async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    return endorsePage(request, reply, ctx);
  });

  app.post('/city/pledges/:slug/endorse', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInActor(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const slug = slugParams.safeParse(request.params);
    if (!slug.success) throw new NotFoundError('Published pledge');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = keptValues(body, [
      'scope',
      'signatoryName',
      'signatoryTitle',
      'language',
      'statement',
      'versionNumber',
    ]);
    const chosen = list(body.areaKeys);
    const again = (errors: FormError[], status = 400) =>
      endorsePage(request, reply, ctx, errors, values, chosen, status);

    const statement = values.statement!.trim();
    const input = {
      versionNumber: Number(values.versionNumber),
      scope: values.scope,
      ...(values.scope === 'areas' ? { areaKeys: chosen } : {}),
      signatory: { name: values.signatoryName, title: values.signatoryTitle },
      ...(statement ? { statement } : {}),
      language: values.language,
    };
    const parsed = createEndorsementSchema.safeParse(input);
    const errors = parsed.success
      ? []
      : fieldErrors(parsed.error.issues, endorseFieldOf, endorseMessages, endorseFields, t);
    // "Chosen action areas" with none ticked is said as such (the schema says the list is missing).
    if (values.scope === 'areas' && chosen.length === 0 && !errors.some((e) => e.field === 'areaKeys')) {
      errors.push({ field: 'areaKeys', message: t.t('city.error.areas') });
    }
    // The mandate's type and size are the mandate service's: checked before anything is written,
    // so that a wrong file leaves no endorsement behind.
    const file = isUpload(body.mandate) && body.mandate.data.length > 0 ? body.mandate : undefined;
    if (file?.truncated)
      errors.push({ field: 'mandate', message: t.t('city.error.mandateSize', { size: mandateSize(t) }) });
    else if (file && !sniffMediaType(file.data))
      errors.push({ field: 'mandate', message: t.t('city.error.mandateType') });
    errors.sort((a, b) => endorseFields.indexOf(a.field) - endorseFields.indexOf(b.field));
    if (errors.length > 0 || !parsed.success) return again(errors);

    let id: string;
    try {
      id = (await createEndorsement(ctx, deps, slug.data.slug, parsed.data)).body.id;
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation_failed') {
        return again([{ field: 'areaKeys', message: t.t('city.error.areas') }]);
      }
      const message = refusal(err, t);
      if (!message) throw err;
      return again([{ field: 'scope', message }], 409);
    }
    if (file) {
      try {
        await uploadMandate(ctx, id, file.data);
      } catch (err) {
        // The endorsement stands; its page says that the document did not go with it.
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        return reply.redirect(`/city/endorsements/${id}?notice=submitted-no-mandate`, 303);
      }
    }
    return reply.redirect(`/city/endorsements/${id}?notice=submitted`, 303);
  });

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
      mandate: detail.mandate,
      certificate: detail.certificate?.status === 'valid' ? detail.certificate.serial : undefined,
      history: [...detail.history].reverse().map((h) => ({
        at: h.at,
        action: t.t(actionKeys[h.action] ?? 'city.action.other'),
        by: t.t(roleKeys[h.by.role] ?? 'city.by.system'),
        versionNumber: h.versionNumber,
        whole: h.scope === 'whole',
        areas: t.list(h.areaKeys.map((k) => titleOf(k).text)),
        reason: h.reason,
      })),
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
    const { pdf, serial } = await endorsementCertificatePdf(ctx, app.workers, idOf(request), query.data.lang);
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
      .header('content-disposition', `attachment; filename="mandate-${id}.${doc.mediaType.split('/')[1]}"`)
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
