import { withTx } from '../../db/tx.js';
import { actorUserId } from '../../lib/actor.js';
import { requireSignedIn } from '../../lib/authorize.js';
import type { Language } from '../../lib/countries.js';
import { UnauthenticatedError, ValidationError } from '../../lib/errors.js';
import { randomToken, sha256Hex } from '../../lib/hash.js';
import { verifyPassword } from '../../lib/passwords.js';
import { recordAudit } from '../audit/index.js';
import type { ServiceContext } from '../context.js';
import * as users from '../users/index.js';
import { actorFromUser } from '../users/index.js';
import { checkCredentials, type Credentials } from './auth.service.js';
import { assertNotThrottled, registerLoginAttempt, settleSuccessfulLogin } from './throttle.js';
import * as repo from './web-sessions.repository.js';

// The portal's sessions: the browser keeps an opaque random id in an httpOnly cookie, the database
// keeps its SHA-256 with the user, the expiry and the language. The API's bearer tokens are
// separate and unchanged.

export interface WebSessionDeps {
  /** How long a session lasts from sign-in. */
  ttlHours: number;
}

/** What the cookie holds: "ws_" and 256 random bits in base64url. */
const SESSION_ID = /^ws_[A-Za-z0-9_-]{43}$/;

export function isWebSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value);
}

export interface StartedWebSession {
  /** The opaque id for the cookie; only its hash is stored. */
  id: string;
  expiresAt: Date;
}

/** Starts a session for a user whose identity was just established (password, invitation). */
export async function startWebSession(
  ctx: ServiceContext,
  deps: WebSessionDeps,
  user: { id: string },
  language: Language | null,
): Promise<StartedWebSession> {
  const id = randomToken('ws');
  const expiresAt = new Date(Date.now() + deps.ttlHours * 3_600_000);
  // Expired sessions go as new ones come: the table holds live sessions and a few hours of others.
  await repo.deleteExpiredWebSessions(ctx.db);
  await repo.insertWebSession(ctx.db, { idHash: sha256Hex(id), userId: user.id, language, expiresAt });
  return { id, expiresAt };
}

/**
 * Signs in to the portal with the API login's check and throttle; the session's language is the
 * user's preference, else the one they were reading in.
 */
export async function signInToPortal(
  ctx: ServiceContext,
  deps: WebSessionDeps,
  input: Credentials & { language: Language },
): Promise<StartedWebSession & { role: users.UserRow['role'] }> {
  const user = await checkCredentials(ctx, input);
  return withTx({ ...ctx, actor: actorFromUser(user) }, async (tx) => {
    const session = await startWebSession(tx, deps, user, user.language ?? input.language);
    // The caller sends each role to its own first page.
    const role: users.UserRow['role'] = user.role;
    await recordAudit(tx, {
      action: 'auth.login',
      entityType: 'user',
      entityId: user.id,
      summary: { ip: input.ip, via: 'portal' },
    });
    return { ...session, role };
  });
}

export interface WebSession {
  /** The hash the session is stored under. */
  idHash: string;
  user: {
    id: string;
    name: string;
    email: string;
    role: users.UserRow['role'];
    cityId: string | null;
    networkId: string | null;
    language: Language | null;
  };
  /** The language picked with the switcher during this session, if any. */
  language: Language | null;
  expiresAt: Date;
}

/**
 * The live session a cookie's id names, with its user; undefined when the id is malformed,
 * unknown, expired, or its user was deactivated (the row decides, on every request).
 */
export async function findWebSession(ctx: Pick<ServiceContext, 'db'>, id: unknown): Promise<WebSession | undefined> {
  if (!isWebSessionId(id)) return undefined;
  const idHash = sha256Hex(id);
  const row = await repo.findLiveWebSession(ctx.db, idHash);
  if (!row) return undefined;
  return {
    idHash,
    user: {
      id: row.userId,
      name: row.name,
      email: row.email,
      role: row.role,
      cityId: row.cityId,
      networkId: row.networkId,
      language: row.userLanguage,
    },
    language: row.sessionLanguage,
    expiresAt: row.expiresAt,
  };
}

/** Ends a session server-side; an unknown or malformed id changes nothing. */
export async function signOutOfPortal(ctx: ServiceContext, id: unknown): Promise<void> {
  if (!isWebSessionId(id)) return;
  await withTx(ctx, async (tx) => {
    const userId = await repo.deleteWebSession(tx.db, sha256Hex(id));
    if (userId) {
      await recordAudit(tx, {
        action: 'auth.logout',
        entityType: 'user',
        entityId: userId,
        summary: { via: 'portal' },
      });
    }
  });
}

/** The language switcher, for a signed-in person: kept with their session (null: their preference). */
export async function setWebSessionLanguage(ctx: ServiceContext, session: WebSession, language: Language | null) {
  if (session.language !== language) await repo.setWebSessionLanguage(ctx.db, session.idHash, language);
}

/**
 * A signed-in person changes their password: the current one is checked (with the sign-in
 * throttle, so a session left open cannot be used to guess it), the new one must meet the rules.
 * Their other portal sessions and their API sessions end; this one goes on.
 */
export async function changeOwnPassword(
  ctx: ServiceContext,
  session: WebSession,
  input: { currentPassword: string; newPassword: string; ip: string },
): Promise<void> {
  requireSignedIn(ctx.actor);
  const userId = actorUserId(ctx.actor);
  const user = userId === session.user.id ? await users.findUserById(ctx.db, userId) : undefined;
  if (!user || !user.active) throw new UnauthenticatedError('The account is not active.');
  await assertNotThrottled(ctx.db, user.email, input.ip);
  await registerLoginAttempt(ctx.db, user.email, input.ip);
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new ValidationError('The current password is not right.', [
      { path: 'currentPassword', message: 'is not right' },
    ]);
  }
  await settleSuccessfulLogin(ctx.db, user.email, input.ip);
  const password = await users.hashNewPassword(input.newPassword);
  await withTx(ctx, async (tx) => {
    await users.setPassword(tx, user.id, password);
    await repo.deleteOtherWebSessions(tx.db, user.id, session.idHash);
  });
}
