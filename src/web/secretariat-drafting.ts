import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, NotFoundError, ValidationError } from '../lib/errors.js';
import { languages, type MessageKey, type Translator } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import {
  addArea,
  deleteArea,
  getPledge,
  getVersion,
  isEditable,
  updateArea,
  updateVersion,
  updateVersionSchema,
} from '../modules/pledges/index.js';
import { fieldErrors } from './city-common.js';
import type { FormError } from './render.js';
import {
  type AreaForm,
  areaChanges,
  areaConflict,
  areaFormLabels,
  areaFormOf,
  newAreaInput,
  readAreaForm,
} from './secretariat-area-form.js';
import { consoleMenu, signedInSecretariat } from './secretariat-common.js';
import { showPledge } from './secretariat-pledge-page.js';
import {
  areaOf,
  basesIn,
  pledgePath,
  type TheirText,
  theirTexts,
  versionOf,
  versionPath,
} from './secretariat-pledge-common.js';

// Editing a draft version: its preamble (a form of the pledge page) and its action areas (add,
// edit, move up or down, remove). Every form carries the version's ETag and the services refuse
// it once stale: the form comes back saying so, with the other person's text beside the person's
// own, and the current ETag, so that saving again replaces theirs knowingly.

const isCode = (err: unknown, code: string) => err instanceof AppError && err.code === code;
const stale = (err: unknown) => isCode(err, 'precondition_failed');
const notDraft = (err: unknown) => isCode(err, 'invalid_state');

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

const textIn = (body: Record<string, unknown>, name: string): string => {
  const value = body[name];
  return typeof value === 'string' ? value : '';
};

/** The problem a stale edit shows: at the first field the other person changed, or at `fallback`. */
function staleError(conflict: Record<string, TheirText>, order: string[], fallback: string, t: Translator): FormError {
  const field = order.find((name) => conflict[name]);
  const message: MessageKey = field ? 'secretariat.pledge.error.stale' : 'secretariat.pledge.error.staleElsewhere';
  return { field: field ?? fallback, message: t.t(message) };
}

export function draftingPages(app: FastifyInstance) {
  const redirectTo = (reply: FastifyReply, slug: string, notice: string, anchor = '') =>
    reply.redirect(`${pledgePath(slug)}?notice=${notice}${anchor}`, 303);

  // ——— The preamble ———

  app.post(
    '/secretariat/pledges/:slug/versions/:n/preamble',
    { preValidation: app.csrfProtection },
    async (request, reply) => {
      const ctx = signedInSecretariat(request, reply);
      if (!ctx) return reply;
      const { t } = request.web;
      const { slug, n } = versionOf(request);
      const body = bodyOf(request);
      const order = languages.map((lang) => `preamble-${lang}`);
      const values = Object.fromEntries(order.map((name) => [name, textIn(body, name)]));
      const etag = textIn(body, 'etag');
      const bases = basesIn(body, order);
      const parsed = updateVersionSchema.safeParse({
        preamble: { en: values['preamble-en'], es: values['preamble-es'], fr: values['preamble-fr'] },
      });
      if (!parsed.success) {
        const messages: Record<string, MessageKey> = {
          'preamble-en': 'secretariat.pledge.error.preambleEn',
          'preamble-es': 'secretariat.pledge.error.preamble',
          'preamble-fr': 'secretariat.pledge.error.preamble',
        };
        const errors = fieldErrors(parsed.error.issues, (p) => `preamble-${String(p[1] ?? 'en')}`, messages, order, t);
        return showPledge(request, reply, ctx, slug, { errors, values, etag, bases });
      }
      try {
        await updateVersion(ctx, slug, n, parsed.data, etag);
      } catch (err) {
        if (notDraft(err)) return redirectTo(reply, slug, 'not-draft');
        if (!stale(err)) throw err;
        const { version } = await getVersion(ctx, slug, n);
        const theirs = Object.fromEntries(languages.map((lang) => [`preamble-${lang}`, version.preamble[lang] ?? '']));
        const conflict = theirTexts(theirs, values, bases);
        const errors = [staleError(conflict, order, 'preamble-en', t)];
        return showPledge(request, reply, ctx, slug, { errors, values, conflict, status: 409 });
      }
      return redirectTo(reply, slug, 'preamble');
    },
  );

  // ——— An action area: added or edited on a page of its own ———

  interface AreaPage {
    slug: string;
    n: number;
    /** The area edited; absent when adding one. */
    key?: string;
    form?: AreaForm;
    errors?: FormError[];
    conflict?: Record<string, TheirText>;
    status?: number;
  }

  async function areaPage(request: FastifyRequest, reply: FastifyReply, ctx: ServiceContext, page: AreaPage) {
    const { t } = request.web;
    const { slug, n, key } = page;
    const [{ version, etag }, pledge] = await Promise.all([getVersion(ctx, slug, n), getPledge(ctx, slug)]);
    if (!isEditable(version.status)) return redirectTo(reply, slug, 'not-draft');
    const area = key === undefined ? undefined : version.areas.find((a) => a.key === key);
    if (key !== undefined && !area) throw new NotFoundError('Area');
    const current = area ? areaFormOf(area, etag) : { ...readAreaForm({}), etag };
    const form = page.form ?? current;
    // After a stale edit the form takes the version as it is now: saving again replaces it knowingly.
    const base = page.conflict ? current : form;
    const errors = page.errors ?? [];
    return reply.page(
      'secretariat-pledge-area',
      {
        title: t.t(area ? 'secretariat.pledge.area.editTitle' : 'secretariat.pledge.area.addTitle'),
        pledgeTitle: t.pick(pledge.title),
        consoleMenu: consoleMenu(request),
        number: n,
        areaTitle: area && t.pick(area.title),
        areaKey: area?.key,
        adding: !area,
        action: area ? `${versionPath(slug, n)}/areas/${area.key}` : `${versionPath(slug, n)}/areas`,
        back: pledgePath(slug),
        values: form.values,
        gcmChecked: form.gcmObjectives,
        gcrChecked: form.gcrAreas,
        etag: base.etag,
        // A new area has nothing saved to compare with.
        bases: area ? base.bases : {},
        conflict: page.conflict ?? {},
        labels: areaFormLabels(t),
        errors,
      },
      page.status ?? (errors.length ? 400 : 200),
    );
  }

  app.get('/secretariat/pledges/:slug/versions/:n/new-area', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return areaPage(request, reply, ctx, versionOf(request));
  });

  app.post(
    '/secretariat/pledges/:slug/versions/:n/areas',
    { preValidation: app.csrfProtection },
    async (request, reply) => {
      const ctx = signedInSecretariat(request, reply);
      if (!ctx) return reply;
      const { t } = request.web;
      const { slug, n } = versionOf(request);
      const form = readAreaForm(request.body);
      const parsed = newAreaInput(form, t);
      if (!parsed.ok) return areaPage(request, reply, ctx, { slug, n, form, errors: parsed.errors });
      try {
        await addArea(ctx, slug, n, parsed.input, form.etag);
      } catch (err) {
        if (notDraft(err)) return redirectTo(reply, slug, 'not-draft');
        if (isCode(err, 'conflict')) {
          const errors = [{ field: 'key', message: t.t('secretariat.pledge.error.keyTaken') }];
          return areaPage(request, reply, ctx, { slug, n, form, errors, status: 409 });
        }
        if (!stale(err)) throw err;
        // A new area has no earlier text of its own: the page says the version changed, and keeps the form.
        const errors = [staleError({}, [], 'key', t)];
        return areaPage(request, reply, ctx, { slug, n, form, errors, conflict: {}, status: 409 });
      }
      return redirectTo(reply, slug, 'area-added', `#area-${parsed.input.key}`);
    },
  );

  app.get('/secretariat/pledges/:slug/versions/:n/areas/:key', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return areaPage(request, reply, ctx, areaOf(request));
  });

  app.post(
    '/secretariat/pledges/:slug/versions/:n/areas/:key',
    { preValidation: app.csrfProtection },
    async (request, reply) => {
      const ctx = signedInSecretariat(request, reply);
      if (!ctx) return reply;
      const { t } = request.web;
      const { slug, n, key } = areaOf(request);
      const form = readAreaForm(request.body);
      const parsed = areaChanges(form, t);
      if (!parsed.ok) return areaPage(request, reply, ctx, { slug, n, key, form, errors: parsed.errors });
      try {
        await updateArea(ctx, slug, n, key, parsed.input, form.etag);
      } catch (err) {
        if (notDraft(err)) return redirectTo(reply, slug, 'not-draft');
        if (!stale(err)) throw err;
        const { version, etag } = await getVersion(ctx, slug, n);
        const theirs = version.areas.find((a) => a.key === key);
        if (!theirs) return redirectTo(reply, slug, 'area-gone');
        const conflict = areaConflict(areaFormOf(theirs, etag), form, t);
        const errors = [staleError(conflict, Object.keys(conflict), 'title-en', t)];
        return areaPage(request, reply, ctx, { slug, n, key, form, errors, conflict, status: 409 });
      }
      return redirectTo(reply, slug, 'area-saved', `#area-${key}`);
    },
  );

  // ——— Moving an area up or down, and removing one ———

  app.post(
    '/secretariat/pledges/:slug/versions/:n/areas/:key/move',
    { preValidation: app.csrfProtection },
    async (request, reply) => {
      const ctx = signedInSecretariat(request, reply);
      if (!ctx) return reply;
      const { slug, n, key } = areaOf(request);
      const body = bodyOf(request);
      const position = Number(textIn(body, 'position'));
      // The buttons say where to: anything else was not sent by this page.
      if (!Number.isInteger(position) || position < 1 || position > 1_000) throw new ValidationError('position');
      try {
        await updateArea(ctx, slug, n, key, { position }, textIn(body, 'etag'));
      } catch (err) {
        if (notDraft(err)) return redirectTo(reply, slug, 'not-draft');
        if (stale(err)) return redirectTo(reply, slug, 'stale');
        throw err;
      }
      return redirectTo(reply, slug, 'moved', `#area-${key}`);
    },
  );

  async function removePage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    errors: FormError[] = [],
  ) {
    const { t } = request.web;
    const { slug, n, key } = areaOf(request);
    const [{ version, etag }, pledge] = await Promise.all([getVersion(ctx, slug, n), getPledge(ctx, slug)]);
    if (!isEditable(version.status)) return redirectTo(reply, slug, 'not-draft');
    const area = version.areas.find((a) => a.key === key);
    if (!area) {
      // Removed by someone else while this page was open: nothing is left to remove.
      if (errors.length) return redirectTo(reply, slug, 'area-gone');
      throw new NotFoundError('Area');
    }
    return reply.page(
      'secretariat-pledge-area-remove',
      {
        title: t.t('secretariat.pledge.remove.title'),
        pledgeTitle: t.pick(pledge.title),
        consoleMenu: consoleMenu(request),
        number: n,
        key,
        areaTitle: t.pick(area.title),
        description: t.pick(area.description),
        action: `${versionPath(slug, n)}/areas/${key}/remove`,
        back: pledgePath(slug),
        etag,
        errors,
      },
      errors.length ? 409 : 200,
    );
  }

  app.get('/secretariat/pledges/:slug/versions/:n/areas/:key/remove', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return removePage(request, reply, ctx);
  });

  app.post(
    '/secretariat/pledges/:slug/versions/:n/areas/:key/remove',
    { preValidation: app.csrfProtection },
    async (request, reply) => {
      const ctx = signedInSecretariat(request, reply);
      if (!ctx) return reply;
      const { slug, n, key } = areaOf(request);
      try {
        await deleteArea(ctx, slug, n, key, textIn(bodyOf(request), 'etag'));
      } catch (err) {
        if (notDraft(err)) return redirectTo(reply, slug, 'not-draft');
        if (!stale(err)) throw err;
        const message = request.web.t.t('secretariat.pledge.error.staleRemove');
        return removePage(request, reply, ctx, [{ field: 'remove', message }]);
      }
      return redirectTo(reply, slug, 'removed');
    },
  );
}
