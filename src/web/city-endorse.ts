import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { endorsementLanguages } from '../db/schema/index.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import { languages } from '../lib/i18n.js';
import { findCityById } from '../modules/cities/index.js';
import type { ServiceContext } from '../modules/context.js';
import {
  createEndorsement,
  createEndorsementSchema,
  isLive,
  listEndorsements,
  sniffMediaType,
  uploadMandate,
} from '../modules/endorsements/index.js';
import { listPublishedPledges, publicPledge } from '../modules/public/index.js';
import { keptValues } from './forms.js';
import type { FormError } from './render.js';
import {
  endorseFieldOf,
  endorseFields,
  endorseMessages,
  fieldErrors,
  isUpload,
  list,
  mandateSize,
  noticeOf,
  refusal,
  signedInActor,
  slugParams,
} from './city-common.js';
import { areasOfVersion, areaView, endorsementDeps, statusKeys } from './endorsement-common.js';

/** The city's endorsements of the published pledges, and endorsing one. */
export function endorsePages(app: FastifyInstance) {
  const deps = endorsementDeps(app);
  const db = () => app.database.db;

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
}
