import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { countryCodes, countryName, regionOf, regions } from '../lib/countries.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import { type MessageKey, type Translator } from '../lib/i18n.js';
import {
  type City,
  cityKinds,
  createCity,
  createCitySchema,
  getCity,
  type ImportIssue,
  ImportRefusedError,
  type ImportResult,
  importCities,
  listCities,
  MAX_IMPORT_BYTES,
  updateCity,
} from '../modules/cities/index.js';
import type { ServiceContext } from '../modules/context.js';
import { listNetworks } from '../modules/networks/index.js';
import { fieldErrors, isUpload, list } from './city-common.js';
import { keptValues } from './forms.js';
import type { FormError } from './render.js';
import {
  ADMIN_PAGE_SIZE,
  adminPage,
  languageChoices,
  networkLabel,
  noticeIn,
  pagePosition,
  pager,
  queryText,
  serviceFieldErrors,
} from './secretariat-admin-common.js';
import { signedInSecretariat } from './secretariat-common.js';

// The secretariat's cities: the list (by name, region and network, a page at a time), adding and
// changing a city (the cities service of POST and PATCH /cities: the country's region by default,
// its networks by code, a name unique in its country), and importing a CSV file with the import
// service of POST /cities/import (each line saved or reported; the report as a table).

const notices: Record<string, MessageKey> = {
  created: 'secretariat.cities.notice.created',
  updated: 'secretariat.cities.notice.updated',
};

const cityFields = ['name', 'country', 'kind', 'region', 'population', 'preferredLanguage', 'networks'];
const cityMessages: Record<string, MessageKey> = {
  name: 'secretariat.cities.error.name',
  country: 'secretariat.cities.error.country',
  kind: 'secretariat.cities.error.kind',
  region: 'secretariat.cities.error.region',
  population: 'secretariat.cities.error.population',
  preferredLanguage: 'secretariat.cities.error.language',
  networks: 'secretariat.cities.error.networks',
};

const kindKeys = {
  city: 'secretariat.cities.kind.city',
  municipality: 'secretariat.cities.kind.municipality',
  metropolitan_area: 'secretariat.cities.kind.metropolitan_area',
  region: 'secretariat.cities.kind.region',
} as const satisfies Record<(typeof cityKinds)[number], MessageKey>;

const regionName = (t: Translator, region: string) => t.t(`region.${region}` as MessageKey);

const idParams = z.object({ id: z.uuid() });

function cityIdOf(request: FastifyRequest): string {
  const parsed = idParams.safeParse(request.params);
  if (!parsed.success) throw new NotFoundError('City');
  return parsed.data.id;
}

/** The size a person reads in the upload's hint and error ("5 MB"). */
const importSize = (t: Translator) =>
  new Intl.NumberFormat(t.lang, { style: 'unit', unit: 'megabyte', unitDisplay: 'short' }).format(
    MAX_IMPORT_BYTES / (1024 * 1024),
  );

/** The choices of the city form and the list's filters, in the reader's language. */
async function choices(ctx: ServiceContext, t: Translator) {
  return {
    countries: countryCodes()
      .map((code) => ({ value: code, label: countryName(code, t.lang) }))
      .sort((a, b) => a.label.localeCompare(b.label, t.lang)),
    kinds: cityKinds.map((k) => ({ value: k, label: t.t(kindKeys[k]) })),
    regions: regions
      .map((r) => ({ value: r, label: regionName(t, r) }))
      .sort((a, b) => a.label.localeCompare(b.label, t.lang)),
    languageChoices: languageChoices(t),
    networks: (await listNetworks(ctx)).map((n) => ({ value: n.code, label: networkLabel(n) })),
  };
}

/** A city's form values: as it is, or empty for a new one. */
function cityValues(city?: City): Record<string, string> {
  if (!city) return { name: '', country: '', kind: '', region: '', population: '', preferredLanguage: 'en' };
  // The region is shown as "from the country" unless it was set apart from it.
  const ownRegion = city.region !== regionOf(city.country).region;
  return {
    name: city.name,
    country: city.country,
    kind: city.kind,
    region: ownRegion ? city.region : '',
    population: city.population === null ? '' : String(city.population),
    preferredLanguage: city.preferredLanguage,
  };
}

/**
 * The form's answers as the cities service takes them. An empty population is none (cleared on an
 * edit); digits only make a number, anything else stays text for the schema to refuse.
 */
function cityInput(values: Record<string, string>, networks: string[], editing: boolean) {
  const population = values.population!.replace(/[\s.,_\u202f\u00a0]/g, '');
  return {
    name: values.name,
    country: values.country,
    kind: values.kind,
    ...(values.region ? { region: values.region } : {}),
    ...(population ? { population: /^\d+$/.test(population) ? Number(population) : population } : {}),
    ...(!population && editing ? { population: null } : {}),
    preferredLanguage: values.preferredLanguage,
    networks,
  };
}

/** One row of the import's report per problem of a line, in words. */
function reportRows(result: ImportResult, t: Translator) {
  const problem = (issue: ImportIssue): string => {
    switch (issue.problem) {
      case 'invalid':
        return t.t(`secretariat.cities.import.problem.${issue.column}` as MessageKey, { value: issue.value });
      case 'exists':
        return t.t('secretariat.cities.import.problem.exists', { value: issue.value });
      case 'unreadable':
        return t.t('secretariat.cities.import.problem.unreadable');
      case 'cell_count':
        return t.t('secretariat.cities.import.problem.cellCount', { expected: issue.expected, found: issue.found });
      case 'not_saved':
        return t.t('secretariat.cities.import.problem.notSaved');
    }
  };
  return result.errors.flatMap((e) =>
    e.issues.map((issue) => ({ line: e.line, column: issue.column, problem: problem(issue) })),
  );
}

export function cityAdminPages(app: FastifyInstance) {
  // ——— The list ———

  app.get('/secretariat/cities', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const options = await choices(ctx, t);
    const errors: FormError[] = [];
    const q = queryText(request, 'q').slice(0, 200);
    const regionText = queryText(request, 'region');
    const region = regions.find((r) => r === regionText);
    if (regionText && !region) errors.push({ field: 'region', message: t.t('secretariat.cities.error.regionFilter') });
    const networkText = queryText(request, 'network');
    const network = options.networks.find((n) => n.value.toLowerCase() === networkText.toLowerCase())?.value;
    if (networkText && !network)
      errors.push({ field: 'network', message: t.t('secretariat.cities.error.networkFilter') });
    const position = pagePosition(request);
    const page = await listCities(ctx, {
      limit: ADMIN_PAGE_SIZE,
      cursor: position.cursor,
      ...(q ? { q } : {}),
      ...(region ? { region } : {}),
      ...(network ? { network } : {}),
    });
    const filters = { q, region, network };
    return reply.page(
      'secretariat-cities',
      {
        ...adminPage(request),
        title: t.t('secretariat.cities.title'),
        notice: noticeIn(request, t, notices),
        errors,
        filters: { q, region: regionText, network: networkText },
        filtered: Boolean(q || region || network),
        regions: options.regions,
        networks: options.networks,
        cities: page.items.map((c) => ({
          id: c.id,
          name: c.name,
          country: countryName(c.country, t.lang),
          region: regionName(t, c.region),
          kind: t.t(kindKeys[c.kind]),
          networks: c.networks,
        })),
        pages: pager('/secretariat/cities', filters, position, page.items.length, page.nextCursor),
      },
      errors.length ? 400 : 200,
    );
  });

  // ——— Adding and changing a city ———

  async function cityPage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    city: City | undefined,
    form: { errors?: FormError[]; values?: Record<string, string>; networks?: string[]; status?: number } = {},
  ) {
    const { t } = request.web;
    const errors = form.errors ?? [];
    return reply.page(
      'secretariat-city',
      {
        ...adminPage(request),
        title: city ? t.t('secretariat.cities.edit.title', { name: city.name }) : t.t('secretariat.cities.add.title'),
        action: city ? `/secretariat/cities/${city.id}` : '/secretariat/cities/new',
        editing: Boolean(city),
        errors,
        values: form.values ?? cityValues(city),
        chosenNetworks: form.networks ?? city?.networks ?? [],
        ...(await choices(ctx, t)),
      },
      errors.length ? (form.status ?? 400) : 200,
    );
  }

  /** Saves the form through the service (adding or changing), or shows it again with its problems. */
  async function saveCity(request: FastifyRequest, reply: FastifyReply, ctx: ServiceContext, id?: string) {
    const { t } = request.web;
    const before = id ? await getCity(ctx, id) : undefined;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = keptValues(body, cityFields.slice(0, -1));
    const networks = list(body.networks);
    const again = (errors: FormError[], status = 400) =>
      cityPage(request, reply, ctx, before, { errors, values, networks, status });
    const input = cityInput(values, networks, Boolean(before));
    // Every field is on the form, added or changed: the schema of a new city checks them all.
    const parsed = createCitySchema.safeParse(input);
    if (!parsed.success)
      return again(fieldErrors(parsed.error.issues, (p) => String(p[0]), cityMessages, cityFields, t));
    let saved: City;
    try {
      saved = before ? await updateCity(ctx, before.id, parsed.data) : await createCity(ctx, parsed.data);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'conflict')
        return again([{ field: 'name', message: t.t('secretariat.cities.error.exists') }], 409);
      if (err.code === 'validation_failed') {
        return again(serviceFieldErrors(err, cityMessages, t));
      }
      throw err;
    }
    return reply.redirect(
      `/secretariat/cities?q=${encodeURIComponent(saved.name)}&notice=${before ? 'updated' : 'created'}`,
      303,
    );
  }

  app.get('/secretariat/cities/new', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return cityPage(request, reply, ctx, undefined);
  });

  app.post('/secretariat/cities/new', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return saveCity(request, reply, ctx);
  });

  // ——— Importing a CSV file ———

  async function importPage(
    request: FastifyRequest,
    reply: FastifyReply,
    data: { errors?: FormError[]; result?: ImportResult; filename?: string } = {},
  ) {
    const { t } = request.web;
    const errors = data.errors ?? [];
    return reply.page(
      'secretariat-cities-import',
      {
        ...adminPage(request),
        title: t.t('secretariat.cities.import.title'),
        errors,
        maxSize: importSize(t),
        filename: data.filename,
        result: data.result && {
          created: data.result.created,
          updated: data.result.updated,
          failedLines: data.result.errors.length,
          rows: reportRows(data.result, t),
        },
      },
      errors.length ? 400 : 200,
    );
  }

  app.get('/secretariat/cities/import', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return importPage(request, reply);
  });

  // The report is the answer to this upload, shown at once rather than after a redirect: nothing
  // keeps it, and sending the same file again changes nothing more (the import matches each city by
  // its country and name, and updates it).
  app.post('/secretariat/cities/import', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const file = (request.body as Record<string, unknown> | undefined)?.file;
    const problem = (key: MessageKey, params = {}) =>
      importPage(request, reply, { errors: [{ field: 'file', message: t.t(key, params) }] });
    if (!isUpload(file) || file.data.length === 0) return problem('secretariat.cities.import.error.missing');
    if (file.truncated) return problem('secretariat.cities.import.error.size', { size: importSize(t) });
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(file.data);
    } catch {
      return problem('secretariat.cities.import.error.encoding');
    }
    let result: ImportResult;
    try {
      result = await importCities(ctx, text, request.log);
    } catch (err) {
      if (!(err instanceof ImportRefusedError)) throw err;
      const refusal = err.refusal;
      switch (refusal.kind) {
        case 'empty':
          return problem('secretariat.cities.import.error.empty');
        case 'unreadable_header':
          return problem('secretariat.cities.import.error.header');
        case 'too_many_lines':
          return problem('secretariat.cities.import.error.lines', { max: refusal.max });
        case 'unknown_columns':
          return problem('secretariat.cities.import.error.unknownColumns', { columns: t.list(refusal.columns) });
        case 'missing_columns':
          return problem('secretariat.cities.import.error.missingColumns', { columns: t.list(refusal.columns) });
      }
    }
    return importPage(request, reply, { result, filename: file.filename });
  });

  app.get('/secretariat/cities/:id', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return cityPage(request, reply, ctx, await getCity(ctx, cityIdOf(request)));
  });

  app.post('/secretariat/cities/:id', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return saveCity(request, reply, ctx, cityIdOf(request));
  });
}
