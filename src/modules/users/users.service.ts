import { z } from 'zod';
import type { Role } from '../../db/schema/index.js';
import { withTx } from '../../db/tx.js';
import { actorUserId } from '../../lib/actor.js';
import { nowOf, type ServiceContext } from '../context.js';
import { requireSecretariat, requireSignedIn } from '../../lib/authorize.js';
import { ConflictError, isUniqueViolation, NotFoundError, ValidationError } from '../../lib/errors.js';
import { decodeCursor, toPage } from '../../lib/pagination.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../../lib/passwords.js';
import { recordAudit } from '../audit/index.js';
import { findCityById } from '../cities/index.js';
import { findNetworkById } from '../networks/index.js';
import * as repo from './users.repository.js';
import type { UserPatch } from './users.schemas.js';
import type { Language } from '../../lib/countries.js';

export type PublicUser = Omit<repo.UserRow, 'passwordHash'>;

export function toPublicUser({ passwordHash: _hidden, ...user }: repo.UserRow): PublicUser {
  return user;
}

export function toMe(user: repo.UserRow) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    cityId: user.cityId,
    networkId: user.networkId,
  };
}

export interface NewUser {
  email: string;
  name: string;
  password: string | HashedPassword;
  role: Role;
  cityId?: string | null;
  networkId?: string | null;
  /** The language they read the portal in; null or absent: their browser's. */
  language?: Language | null;
}

/** Checks that a role comes with exactly the scope it needs, and that the scope exists. */
export async function assertRoleScope(
  ctx: ServiceContext,
  role: Role,
  cityId: string | null | undefined,
  networkId: string | null | undefined,
): Promise<{ cityId: string | null; networkId: string | null }> {
  if (role === 'city_official') {
    if (!cityId)
      throw new ValidationError('A city official needs a city.', [
        { path: 'cityId', message: 'is required for city_official' },
      ]);
    if (!(await findCityById(ctx.db, cityId)))
      throw new ValidationError('Unknown city.', [{ path: 'cityId', message: 'no such city' }]);
    return { cityId, networkId: null };
  }
  if (role === 'network_reviewer') {
    if (!networkId)
      throw new ValidationError('A network reviewer needs a network.', [
        { path: 'networkId', message: 'is required for network_reviewer' },
      ]);
    if (!(await findNetworkById(ctx.db, networkId)))
      throw new ValidationError('Unknown network.', [{ path: 'networkId', message: 'no such network' }]);
    return { cityId: null, networkId };
  }
  return { cityId: null, networkId: null };
}

/** A password checked against the rules and hashed: slow on purpose, so best done before a transaction. */
export interface HashedPassword {
  readonly hash: string;
}

export async function hashNewPassword(password: string): Promise<HashedPassword> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`The password must have at least ${MIN_PASSWORD_LENGTH} characters.`, [
      { path: 'password', message: `must have at least ${MIN_PASSWORD_LENGTH} characters` },
    ]);
  }
  return { hash: await hashPassword(password) };
}

/** Creates an account; used by invitations, `admin:create` and the demo seed. */
export async function createUser(ctx: ServiceContext, input: NewUser): Promise<repo.UserRow> {
  const { hash: passwordHash } =
    typeof input.password === 'string' ? await hashNewPassword(input.password) : input.password;
  return withTx(ctx, async (tx) => {
    const scope = await assertRoleScope(tx, input.role, input.cityId, input.networkId);
    if (await repo.findUserByEmail(tx.db, input.email))
      throw new ConflictError(`A user with e-mail ${input.email} already exists.`);
    let user: repo.UserRow;
    try {
      user = await repo.insertUser(tx.db, {
        email: input.email.toLowerCase(),
        name: input.name,
        role: input.role,
        ...scope,
        passwordHash,
        language: input.language ?? null,
        createdAt: nowOf(tx),
        updatedAt: nowOf(tx),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A user with e-mail ${input.email} already exists.`);
      throw err;
    }
    await recordAudit(tx, {
      action: 'user.created',
      entityType: 'user',
      entityId: user.id,
      summary: { after: { email: user.email, role: user.role, cityId: user.cityId, networkId: user.networkId } },
    });
    return user;
  });
}

export async function listUsers(
  ctx: ServiceContext,
  q: { limit: number; cursor?: string; role?: Role; active?: boolean; q?: string },
) {
  requireSecretariat(ctx.actor);
  const after = decodeCursor(q.cursor, z.tuple([z.string(), z.uuid()])) as [string, string] | undefined;
  const rows = await repo.listUsers(ctx.db, { ...q, after });
  return toPage(rows, q.limit, toPublicUser, (u) => [u.email.toLowerCase(), u.id]);
}

/** One account, for the secretariat (anyone else: not found). */
export async function getUser(ctx: ServiceContext, id: string): Promise<PublicUser> {
  requireSecretariat(ctx.actor);
  const user = await repo.findUserById(ctx.db, id);
  if (!user) throw new NotFoundError('User');
  return toPublicUser(user);
}

export async function updateUser(ctx: ServiceContext, id: string, patch: UserPatch): Promise<PublicUser> {
  requireSecretariat(ctx.actor);
  const actorId = actorUserId(ctx.actor);
  return withTx(ctx, async (tx) => {
    const before = await repo.findUserById(tx.db, id);
    if (!before) throw new NotFoundError('User');
    if (id === actorId && (patch.active === false || (patch.role && patch.role !== 'secretariat'))) {
      throw new ConflictError('You cannot deactivate your own account or give up your own secretariat role.');
    }
    const role = patch.role ?? before.role;
    const scopeChanged = patch.role !== undefined || patch.cityId !== undefined || patch.networkId !== undefined;
    const scope = scopeChanged
      ? await assertRoleScope(
          tx,
          role,
          patch.cityId !== undefined ? patch.cityId : before.cityId,
          patch.networkId !== undefined ? patch.networkId : before.networkId,
        )
      : { cityId: before.cityId, networkId: before.networkId };
    const after = (await repo.updateUser(tx.db, id, {
      role,
      ...scope,
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
    }))!;
    // Deactivation ends every session at once: refresh tokens die here, access tokens at the
    // next request (authentication reads the user's row).
    if (before.active && !after.active) await repo.revokeAllRefreshTokensOfUser(tx.db, id);
    const pick = (u: repo.UserRow) => ({
      name: u.name,
      role: u.role,
      active: u.active,
      cityId: u.cityId,
      networkId: u.networkId,
    });
    await recordAudit(tx, {
      action: before.active && !after.active ? 'user.deactivated' : 'user.updated',
      entityType: 'user',
      entityId: id,
      summary: { before: pick(before), after: pick(after) },
    });
    return toPublicUser(after);
  });
}

/** What a signed-in person may change of their own account (not their e-mail, role or scope). */
export interface OwnAccountChange {
  name: string;
  /** null: follow the browser's language. */
  language: Language | null;
}

export async function updateOwnAccount(ctx: ServiceContext, change: OwnAccountChange): Promise<PublicUser> {
  requireSignedIn(ctx.actor);
  const id = actorUserId(ctx.actor)!;
  return withTx(ctx, async (tx) => {
    const before = await repo.findUserById(tx.db, id);
    if (!before) throw new NotFoundError('User');
    const after = (await repo.updateUser(tx.db, id, { name: change.name, language: change.language }))!;
    await recordAudit(tx, {
      action: 'user.updated',
      entityType: 'user',
      entityId: id,
      summary: {
        before: { name: before.name, language: before.language },
        after: { name: after.name, language: after.language },
      },
    });
    return toPublicUser(after);
  });
}

/**
 * Sets a user's password (already checked and hashed) in the caller's transaction, and ends their
 * API sessions: a changed password signs out whoever else held it.
 */
export async function setPassword(ctx: ServiceContext, userId: string, password: HashedPassword): Promise<void> {
  await repo.updateUser(ctx.db, userId, { passwordHash: password.hash });
  await repo.revokeAllRefreshTokensOfUser(ctx.db, userId);
  await recordAudit(ctx, { action: 'user.password_changed', entityType: 'user', entityId: userId, summary: {} });
}
