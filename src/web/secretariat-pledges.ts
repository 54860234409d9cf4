import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';
import type { MessageKey } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import { createPledge, createPledgeSchema, listPledges } from '../modules/pledges/index.js';
import { listPledgeRounds } from '../modules/rounds/index.js';
import { fieldErrors } from './city-common.js';
import { keptValues } from './forms.js';
import type { FormError } from './render.js';
import { consoleMenu, signedInSecretariat } from './secretariat-common.js';
import { draftingPages } from './secretariat-drafting.js';
import { labelsIn, pledgePath, versionStatusKeys } from './secretariat-pledge-common.js';
import { pledgePage } from './secretariat-pledge-page.js';
import { publishingPages } from './secretariat-publishing.js';

// The secretariat's pledges: every pledge with where its text stands, and "Create a pledge";
// then one pledge's page (secretariat-pledge-page.ts), the draft's editing (secretariat-drafting.ts)
// and its way to publication (secretariat-publishing.ts). All of it through the pledges and rounds
// services the API uses, which decide who may do what and when.

const createFields = ['slug', 'title-en', 'title-es', 'title-fr', 'requireMandateDocument'];

const createMessages: Record<string, MessageKey> = {
  slug: 'secretariat.pledges.error.slug',
  'title-en': 'secretariat.pledges.error.titleEn',
  'title-es': 'secretariat.pledges.error.title',
  'title-fr': 'secretariat.pledges.error.title',
};

async function listPage(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServiceContext,
  errors: FormError[] = [],
  values: Record<string, string> = {},
  status = 400,
) {
  const { t } = request.web;
  const pledges = await listPledges(ctx);
  const rows = await Promise.all(
    pledges.map(async (p) => {
      const latest = p.versions.at(-1);
      const open = (await listPledgeRounds(ctx, p.slug)).find((r) => r.status === 'open');
      return {
        href: pledgePath(p.slug),
        slug: p.slug,
        title: t.pick(p.title),
        published: p.publishedVersion,
        latest:
          latest &&
          t.t('secretariat.pledges.latest', {
            number: latest.number,
            status: t.t(versionStatusKeys[latest.status]),
          }),
        round: open && {
          href: `/secretariat/rounds/${open.id}`,
          text: t.t('secretariat.pledges.openRound', { number: open.versionNumber, date: t.date(open.deadline) }),
        },
      };
    }),
  );
  return reply.page(
    'secretariat-pledges',
    {
      title: t.t('secretariat.pledges.title'),
      consoleMenu: consoleMenu(request),
      pledges: rows,
      titleLabels: labelsIn(t, 'secretariat.pledges.titleField'),
      values: { slug: '', 'title-en': '', 'title-es': '', 'title-fr': '', requireMandateDocument: '', ...values },
      errors,
    },
    errors.length ? status : 200,
  );
}

export async function pledgePages(app: FastifyInstance) {
  app.get('/secretariat/pledges', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return listPage(request, reply, ctx);
  });

  app.post('/secretariat/pledges', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const values = keptValues(request.body, createFields);
    const parsed = createPledgeSchema.safeParse({
      slug: values.slug,
      title: { en: values['title-en'], es: values['title-es'], fr: values['title-fr'] },
      requireMandateDocument: values.requireMandateDocument === 'yes',
    });
    if (!parsed.success) {
      const fieldOf = (path: PropertyKey[]) => (path[0] === 'title' ? `title-${String(path[1] ?? 'en')}` : 'slug');
      const errors = fieldErrors(parsed.error.issues, fieldOf, createMessages, createFields, t);
      return listPage(request, reply, ctx, errors, values);
    }
    try {
      await createPledge(ctx, parsed.data);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'conflict')) throw err;
      return listPage(
        request,
        reply,
        ctx,
        [{ field: 'slug', message: t.t('secretariat.pledges.error.slugTaken') }],
        values,
        409,
      );
    }
    return reply.redirect(`${pledgePath(parsed.data.slug)}?notice=created`, 303);
  });

  pledgePage(app);
  draftingPages(app);
  publishingPages(app);
}
