import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import { actorUserId } from '../../lib/actor.js';
import type { ServiceContext } from '../context.js';
import { requireSignedIn } from '../../lib/authorize.js';
import { UnauthenticatedError } from '../../lib/errors.js';
import { randomToken, sha256Hex } from '../../lib/hash.js';
import { burnPasswordCheck, verifyPassword } from '../../lib/passwords.js';
import { recordAudit } from '../audit/index.js';
import * as users from '../users/index.js';
import { actorFromUser, toMe } from '../users/index.js';
import * as repo from './auth.repository.js';
import { assertNotThrottled, registerLoginAttempt, settleSuccessfulLogin } from './throttle.js';

export interface AuthDeps {
  config: Config;
  signAccessToken(claims: { sub: string; role: string; sid: string }): string;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: ReturnType<typeof toMe>;
}

const INVALID_CREDENTIALS = 'Wrong e-mail or password.';

/**
 * Starts a new refresh-token family (a login) or continues one (a rotation). The family is the
 * session: its id goes in the access token, which works only as long as the family is not revoked.
 */
export async function issueSession(
  db: Db,
  deps: AuthDeps,
  user: users.UserRow,
  familyId: string = randomUUID(),
): Promise<Session> {
  const refreshToken = randomToken('rt');
  await repo.insertRefreshToken(db, {
    userId: user.id,
    familyId,
    tokenHash: sha256Hex(refreshToken),
    expiresAt: new Date(Date.now() + deps.config.auth.refreshTokenTtlDays * 86_400_000),
  });
  return {
    accessToken: deps.signAccessToken({ sub: user.id, role: user.role, sid: familyId }),
    refreshToken,
    expiresIn: deps.config.auth.accessTokenTtlSeconds,
    user: toMe(user),
  };
}

export interface Credentials {
  email: string;
  password: string;
  /** The client's address, for the throttle. */
  ip: string;
}

/**
 * The password check behind every sign-in (the API's login and the portal's): throttled per
 * account and address (RateLimitedError with the wait), the same answer for an unknown account,
 * a wrong password and a deactivated account (UnauthenticatedError). The active user's row.
 */
export async function checkCredentials(ctx: ServiceContext, input: Credentials): Promise<users.UserRow> {
  const email = input.email.toLowerCase();
  await assertNotThrottled(ctx.db, email, input.ip);
  await registerLoginAttempt(ctx.db, email, input.ip);
  const user = await users.findUserByEmail(ctx.db, email);
  const passwordOk = user
    ? await verifyPassword(user.passwordHash, input.password)
    : (await burnPasswordCheck(input.password), false);
  // A deactivated account gets the same answer as a wrong password: nothing to learn from it.
  if (!user || !passwordOk || !user.active) throw new UnauthenticatedError(INVALID_CREDENTIALS);
  await settleSuccessfulLogin(ctx.db, email, input.ip);
  return user;
}

export async function login(ctx: ServiceContext, deps: AuthDeps, input: Credentials): Promise<Session> {
  const user = await checkCredentials(ctx, input);
  return withTx(ctx, async (tx) => {
    const session = await issueSession(tx.db, deps, user);
    await recordAudit(
      { ...tx, actor: actorFromUser(user) },
      { action: 'auth.login', entityType: 'user', entityId: user.id, summary: { ip: input.ip } },
    );
    return session;
  });
}

/**
 * Rotates a refresh token. A token that was already spent (or revoked) means it leaked or was
 * replayed: the whole family is revoked, which signs out the thief and the owner alike.
 */
export async function refresh(ctx: ServiceContext, deps: AuthDeps, refreshToken: string): Promise<Session> {
  const row = await repo.findRefreshTokenByHash(ctx.db, sha256Hex(refreshToken));
  if (!row) throw new UnauthenticatedError('Unknown refresh token.');
  const user = await users.findUserById(ctx.db, row.userId);
  const outcome = await withTx(ctx, async (tx) => {
    if (row.revokedAt === null && row.usedAt === null && (await repo.markRefreshTokenUsed(tx.db, row.id))) {
      if (row.expiresAt.getTime() <= Date.now()) return { error: 'The refresh token has expired.' } as const;
      if (!user || !user.active) return { error: 'The account is not active.' } as const;
      return { session: await issueSession(tx.db, deps, user, row.familyId) } as const;
    }
    const alreadyRevoked = row.revokedAt !== null && row.usedAt === null;
    await repo.revokeFamily(tx.db, row.familyId);
    if (!alreadyRevoked && user) {
      await recordAudit(
        { ...tx, actor: actorFromUser(user) },
        {
          action: 'auth.refresh_token_reused',
          entityType: 'user',
          entityId: user.id,
          summary: { familyId: row.familyId },
        },
      );
    }
    return { error: 'The refresh token was already used or revoked; sign in again.' } as const;
  });
  if ('error' in outcome) throw new UnauthenticatedError(outcome.error);
  return outcome.session;
}

/** Ends the session the refresh token belongs to; unknown or foreign tokens change nothing. */
export async function logout(ctx: ServiceContext, refreshToken: string): Promise<void> {
  requireSignedIn(ctx.actor);
  const actorId = actorUserId(ctx.actor);
  const row = await repo.findRefreshTokenByHash(ctx.db, sha256Hex(refreshToken));
  if (!row || row.userId !== actorId) return;
  await withTx(ctx, async (tx) => {
    await repo.revokeFamily(tx.db, row.familyId);
    await recordAudit(tx, {
      action: 'auth.logout',
      entityType: 'user',
      entityId: row.userId,
      summary: { familyId: row.familyId },
    });
  });
}

export async function me(ctx: ServiceContext) {
  requireSignedIn(ctx.actor);
  const id = actorUserId(ctx.actor);
  const user = id === null ? undefined : await users.findUserById(ctx.db, id);
  if (!user) throw new UnauthenticatedError();
  return toMe(user);
}
