import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { countryName } from '../lib/countries.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import type { MessageKey } from '../lib/i18n.js';
import { getCity, listCities, updateCity } from '../modules/cities/index.js';
import type { ServiceContext } from '../modules/context.js';
import { createNetwork, createNetworkSchema, listNetworks, networkCodeSchema } from '../modules/networks/index.js';
import { fieldErrors } from './city-common.js';
import { keptValues } from './forms.js';
import type { FormError } from './render.js';
import {
  ADMIN_PAGE_SIZE,
  adminPage,
  networkLabel,
  noticeIn,
  pagePosition,
  pager,
  queryText,
} from './secretariat-admin-common.js';
import { signedInSecretariat } from './secretariat-common.js';

// The partner networks and their member cities: adding a network (the networks service of POST
// /networks), and a city joining or leaving one, which is a change of the city's networks through
// the cities service (PATCH /cities/:id): the same rules and audit event as the API's.

/** How many members each network shows on the list before "every member". */
const MEMBERS_SHOWN = 20;
/** How many cities a search for a new member lists. */
const CANDIDATES_SHOWN = 20;

const notices: Record<string, MessageKey> = {
  created: 'secretariat.networks.notice.created',
  added: 'secretariat.networks.notice.added',
  removed: 'secretariat.networks.notice.removed',
};

const networkFields = ['code', 'name'];
const networkMessages: Record<string, MessageKey> = {
  code: 'secretariat.networks.error.code',
  name: 'secretariat.networks.error.name',
};

const codeParams = z.object({ code: networkCodeSchema });
const memberForm = z.object({ cityId: z.uuid() });

/** The network named in the address (its code, in any case); the 404 page when there is none. */
async function networkOf(request: FastifyRequest, ctx: ServiceContext) {
  const parsed = codeParams.safeParse(request.params);
  const code = parsed.success ? parsed.data.code.toLowerCase() : undefined;
  const network = (await listNetworks(ctx)).find((n) => n.code.toLowerCase() === code);
  if (!network) throw new NotFoundError('Network');
  return network;
}

export function networkPages(app: FastifyInstance) {
  // ——— The networks, each with its first members; adding one ———

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    errors: FormError[] = [],
    values: Record<string, string> = {},
    status = 400,
  ) {
    const { t } = request.web;
    const networks = [];
    for (const n of await listNetworks(ctx)) {
      const members = await listCities(ctx, { limit: MEMBERS_SHOWN, network: n.code });
      networks.push({
        code: n.code,
        name: n.name,
        members: members.items.map((c) => `${c.name} (${c.country})`),
        more: members.nextCursor !== null,
      });
    }
    return reply.page(
      'secretariat-networks',
      {
        ...adminPage(request),
        title: t.t('secretariat.networks.title'),
        notice: noticeIn(request, t, notices),
        errors,
        values: { code: '', name: '', ...values },
        networks,
      },
      errors.length ? status : 200,
    );
  }

  app.get('/secretariat/networks', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return listPage(request, reply, ctx);
  });

  app.post('/secretariat/networks', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const values = keptValues(request.body, networkFields);
    const parsed = createNetworkSchema.safeParse(values);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues, (p) => String(p[0]), networkMessages, networkFields, t);
      return listPage(request, reply, ctx, errors, values);
    }
    try {
      await createNetwork(ctx, parsed.data);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'conflict') throw err;
      const taken = [{ field: 'code', message: t.t('secretariat.networks.error.taken') }];
      return listPage(request, reply, ctx, taken, values, 409);
    }
    return reply.redirect(`/secretariat/networks/${encodeURIComponent(parsed.data.code)}?notice=created`, 303);
  });

  // ——— One network: its members, a search for a city to add ———

  app.get('/secretariat/networks/:code', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const network = await networkOf(request, ctx);
    const position = pagePosition(request);
    const members = await listCities(ctx, { limit: ADMIN_PAGE_SIZE, cursor: position.cursor, network: network.code });
    const q = queryText(request, 'q').slice(0, 200);
    const candidates = q ? await listCities(ctx, { limit: CANDIDATES_SHOWN, q }) : undefined;
    const base = `/secretariat/networks/${encodeURIComponent(network.code)}`;
    const city = (c: { id: string; name: string; country: string }) => ({
      id: c.id,
      name: c.name,
      country: countryName(c.country, t.lang),
    });
    return reply.page('secretariat-network', {
      ...adminPage(request),
      title: networkLabel(network),
      notice: noticeIn(request, t, notices),
      base,
      members: members.items.map(city),
      pages: pager(base, {}, position, members.items.length, members.nextCursor),
      q,
      candidates: candidates?.items.map((c) => ({ ...city(c), member: c.networks.includes(network.code) })),
      moreCandidates: candidates?.nextCursor != null,
    });
  });

  /** A city joins or leaves the network: its list of networks changed through the cities service. */
  async function changeMembership(request: FastifyRequest, reply: FastifyReply, join: boolean) {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const network = await networkOf(request, ctx);
    const form = memberForm.safeParse(keptValues(request.body, ['cityId']));
    if (!form.success) throw new NotFoundError('City');
    const city = await getCity(ctx, form.data.cityId);
    const others = city.networks.filter((c) => c !== network.code);
    await updateCity(ctx, city.id, { networks: join ? [...others, network.code] : others });
    const base = `/secretariat/networks/${encodeURIComponent(network.code)}`;
    return reply.redirect(`${base}?notice=${join ? 'added' : 'removed'}`, 303);
  }

  app.post('/secretariat/networks/:code/members', { preValidation: app.csrfProtection }, (request, reply) =>
    changeMembership(request, reply, true),
  );

  app.post('/secretariat/networks/:code/members/remove', { preValidation: app.csrfProtection }, (request, reply) =>
    changeMembership(request, reply, false),
  );
}
