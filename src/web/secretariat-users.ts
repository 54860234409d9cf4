import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { roles, type Role } from '../db/schema/index.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import { type MessageKey, type Translator } from '../lib/i18n.js';
import { createInvitation, createInvitationSchema, listPendingInvitations } from '../modules/auth/index.js';
import { findCitiesByIds, listCities } from '../modules/cities/index.js';
import type { ServiceContext } from '../modules/context.js';
import { listNetworks } from '../modules/networks/index.js';
import { getUser, listUsers, updateUser } from '../modules/users/index.js';
import { fieldErrors } from './city-common.js';
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

// The secretariat's users and invitations: who has an account (filtered by role, name or email),
// inviting someone (the invitation service of POST /invitations: the same rules, audit event and
// mail in the invitation's language), the invitations waiting to be accepted, and deactivating or
// reactivating an account after a confirmation (the users service ends a deactivated person's
// sessions, and refuses to deactivate oneself).

export const roleNames = {
  secretariat: 'secretariat.users.role.secretariat',
  network_reviewer: 'secretariat.users.role.network_reviewer',
  city_official: 'secretariat.users.role.city_official',
} as const satisfies Record<Role, MessageKey>;

const notices: Record<string, MessageKey> = {
  invited: 'secretariat.users.notice.invited',
  deactivated: 'secretariat.users.notice.deactivated',
  reactivated: 'secretariat.users.notice.reactivated',
};

/** The invitation form: its fields in the order of the page, and each one's problem in words. */
const inviteFields = ['email', 'name', 'role', 'cityId', 'networkId', 'language'];
const inviteMessages: Record<string, MessageKey> = {
  email: 'secretariat.users.error.email',
  name: 'secretariat.users.error.name',
  role: 'secretariat.users.error.role',
  cityId: 'secretariat.users.error.city',
  networkId: 'secretariat.users.error.network',
  language: 'secretariat.users.error.language',
};

const idParams = z.object({ id: z.uuid() });

function userIdOf(request: FastifyRequest): string {
  const parsed = idParams.safeParse(request.params);
  if (!parsed.success) throw new NotFoundError('User');
  return parsed.data.id;
}

/** Every city, by name, for the invitation's city choice (read a page of 500 at a time). */
async function everyCity(ctx: ServiceContext) {
  const found: Array<{ value: string; label: string }> = [];
  let cursor: string | undefined;
  do {
    const page = await listCities(ctx, { limit: 500, cursor });
    for (const c of page.items) found.push({ value: c.id, label: `${c.name} (${c.country})` });
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

const roleChoices = (t: Translator) => roles.map((r) => ({ value: r, label: t.t(roleNames[r]) }));

/** The city or network a person acts for, in words ('' for the secretariat). */
async function scopeNames(
  ctx: ServiceContext,
  people: Array<{ cityId: string | null; networkId: string | null }>,
): Promise<(p: { cityId: string | null; networkId: string | null }) => string> {
  const cityIds = [...new Set(people.flatMap((p) => (p.cityId ? [p.cityId] : [])))];
  const cities = new Map((await findCitiesByIds(ctx.db, cityIds)).map((c) => [c.id, `${c.name} (${c.country})`]));
  const networks = new Map((await listNetworks(ctx)).map((n) => [n.id, n.code]));
  return (p) => (p.cityId ? (cities.get(p.cityId) ?? '') : p.networkId ? (networks.get(p.networkId) ?? '') : '');
}

export function userPages(app: FastifyInstance) {
  // ——— The list of accounts, and the invitations waiting ———

  app.get('/secretariat/users', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const errors: FormError[] = [];
    const roleText = queryText(request, 'role');
    const role = roles.find((r) => r === roleText);
    if (roleText && !role) errors.push({ field: 'role', message: t.t('secretariat.users.error.roleFilter') });
    const q = queryText(request, 'q').slice(0, 200);
    const position = pagePosition(request);
    const list = await listUsers(ctx, {
      limit: ADMIN_PAGE_SIZE,
      cursor: position.cursor,
      ...(role ? { role } : {}),
      ...(q ? { q } : {}),
    });
    const invitations = await listPendingInvitations(ctx, { limit: 200 });
    const scopeOf = await scopeNames(ctx, [...list.items, ...invitations.items]);
    const me = request.web.session!.user.id;
    const filters = { role, q };
    return reply.page(
      'secretariat-users',
      {
        ...adminPage(request),
        title: t.t('secretariat.users.title'),
        notice: noticeIn(request, t, notices),
        errors,
        filters: { role: roleText, q },
        filtered: Boolean(role || q),
        roles: roleChoices(t),
        users: list.items.map((u) => ({
          id: u.id,
          name: u.name,
          email: u.email,
          you: u.id === me,
          role: t.t(roleNames[u.role]),
          scope: scopeOf(u),
          active: u.active,
        })),
        pages: pager('/secretariat/users', filters, position, list.items.length, list.nextCursor),
        invitations: invitations.items.map((i) => ({
          email: i.email,
          name: i.name,
          role: t.t(roleNames[i.role]),
          scope: scopeOf(i),
          language: i.language ?? 'en',
          expiresAt: i.expiresAt,
        })),
        moreInvitations: invitations.nextCursor !== null,
      },
      errors.length ? 400 : 200,
    );
  });

  // ——— Inviting someone ———

  async function invitePage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    errors: FormError[] = [],
    values: Record<string, string> = {},
    status = 400,
  ) {
    const { t } = request.web;
    return reply.page(
      'secretariat-invite',
      {
        ...adminPage(request),
        title: t.t('secretariat.users.invite.title'),
        errors,
        values: { email: '', name: '', role: '', cityId: '', networkId: '', language: 'en', ...values },
        roles: roleChoices(t),
        cities: await everyCity(ctx),
        networks: (await listNetworks(ctx)).map((n) => ({ value: n.id, label: networkLabel(n) })),
        languageChoices: languageChoices(t),
      },
      errors.length ? status : 200,
    );
  }

  app.get('/secretariat/users/invite', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return invitePage(request, reply, ctx);
  });

  app.post('/secretariat/users/invite', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const values = keptValues(request.body, inviteFields);
    // The city or the network goes with the role that needs it; the other choice is left aside.
    const input = {
      email: values.email!.trim(),
      name: values.name,
      role: values.role,
      ...(values.role === 'city_official' && values.cityId ? { cityId: values.cityId } : {}),
      ...(values.role === 'network_reviewer' && values.networkId ? { networkId: values.networkId } : {}),
      language: values.language,
    };
    const parsed = createInvitationSchema.safeParse(input);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues, (p) => String(p[0]), inviteMessages, inviteFields, t);
      return invitePage(request, reply, ctx, errors, values);
    }
    try {
      await createInvitation(ctx, { config: app.config }, parsed.data);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // The service's own checks: a role without its city or network (or one that no longer
      // exists), and an address that already has an account.
      if (err.code === 'validation_failed') {
        return invitePage(request, reply, ctx, serviceFieldErrors(err, inviteMessages, t), values);
      }
      if (err.code === 'conflict')
        return invitePage(
          request,
          reply,
          ctx,
          [{ field: 'email', message: t.t('secretariat.users.error.taken') }],
          values,
          409,
        );
      throw err;
    }
    return reply.redirect('/secretariat/users?notice=invited', 303);
  });

  // ——— Deactivating or reactivating an account, after a confirmation ———

  async function activePage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    errors: FormError[] = [],
  ) {
    const { t } = request.web;
    const user = await getUser(ctx, userIdOf(request));
    const scopeOf = await scopeNames(ctx, [user]);
    return reply.page(
      'secretariat-user-active',
      {
        ...adminPage(request),
        title: t.t(user.active ? 'secretariat.users.deactivate.title' : 'secretariat.users.reactivate.title', {
          name: user.name,
        }),
        errors,
        // Not `user`: the layout's name for the person signed in.
        account: {
          id: user.id,
          name: user.name,
          email: user.email,
          role: t.t(roleNames[user.role]),
          scope: scopeOf(user),
          active: user.active,
        },
      },
      errors.length ? 409 : 200,
    );
  }

  app.get('/secretariat/users/:id/active', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return activePage(request, reply, ctx);
  });

  app.post('/secretariat/users/:id/active', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const id = userIdOf(request);
    // The form says what it confirms: a page left open while someone else changed the account
    // does not turn it the other way.
    const active = keptValues(request.body, ['active']).active;
    if (active !== 'true' && active !== 'false') return reply.redirect(`/secretariat/users/${id}/active`, 303);
    try {
      await updateUser(ctx, id, { active: active === 'true' });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'conflict') throw err;
      return activePage(request, reply, ctx, [{ field: 'confirm', message: t.t('secretariat.users.error.self') }]);
    }
    return reply.redirect(`/secretariat/users?notice=${active === 'true' ? 'reactivated' : 'deactivated'}`, 303);
  });
}
