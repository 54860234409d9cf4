import { z } from 'zod';
import type { Role } from '../../db/schema/index.js';
import { withTx } from '../../db/tx.js';
import { actorUserId } from '../../lib/actor.js';
import type { ServiceContext } from '../context.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { ConflictError, InvalidStateError, NotFoundError } from '../../lib/errors.js';
import type { Language } from '../../lib/i18n.js';
import { randomToken, sha256Hex } from '../../lib/hash.js';
import { decodeCursor, toPage } from '../../lib/pagination.js';
import { recordAudit } from '../audit/index.js';
import { enqueueMail } from '../mail/index.js';
import * as users from '../users/index.js';
import { actorFromUser, assertRoleScope, createUser, hashNewPassword } from '../users/index.js';
import * as repo from './auth.repository.js';
import { type AuthDeps, issueSession, type Session } from './auth.service.js';
import { invitationMail } from './invitation.mail.js';

export interface InvitationInput {
  email: string;
  name: string;
  role: Role;
  cityId?: string | null;
  networkId?: string | null;
  /**
   * The language of the invitation mail (English when not chosen), and the account's preference
   * once accepted (when not chosen, the portal follows the person's browser).
   */
  language?: Language;
}

export async function createInvitation(ctx: ServiceContext, deps: Pick<AuthDeps, 'config'>, input: InvitationInput) {
  requireSecretariat(ctx.actor);
  const acceptToken = randomToken('inv');
  return withTx(ctx, async (tx) => {
    const scope = await assertRoleScope(tx, input.role, input.cityId, input.networkId);
    if (await users.findUserByEmail(tx.db, input.email))
      throw new ConflictError(`A user with e-mail ${input.email} already exists.`);
    const invitation = await repo.insertInvitation(tx.db, {
      email: input.email,
      name: input.name,
      role: input.role,
      ...scope,
      tokenHash: sha256Hex(acceptToken),
      language: input.language ?? null,
      expiresAt: new Date(Date.now() + deps.config.auth.invitationTtlDays * 86_400_000),
      createdBy: actorUserId(tx.actor),
    });
    await enqueueMail(tx, {
      ...invitationMail({
        name: input.name,
        role: input.role,
        token: acceptToken,
        expiresAt: invitation.expiresAt,
        baseUrl: deps.config.publicBaseUrl,
        language: input.language ?? 'en',
      }),
      to: input.email,
      dedupeKey: `invitation:${invitation.id}`,
      sensitive: true,
    });
    await recordAudit(tx, {
      action: 'invitation.created',
      entityType: 'invitation',
      entityId: invitation.id,
      summary: {
        after: {
          email: invitation.email,
          role: invitation.role,
          cityId: invitation.cityId,
          networkId: invitation.networkId,
          expiresAt: invitation.expiresAt,
          language: invitation.language,
        },
      },
    });
    return {
      id: invitation.id,
      email: invitation.email,
      role: invitation.role,
      expiresAt: invitation.expiresAt,
      acceptToken,
    };
  });
}

/**
 * The invitations waiting to be accepted (their link still works), newest first, for the
 * secretariat: who, as what, in which language, until when. Never the token, which only its mail holds.
 */
export async function listPendingInvitations(ctx: ServiceContext, q: { limit: number; cursor?: string }) {
  requireSecretariat(ctx.actor);
  const position = decodeCursor(q.cursor, z.tuple([z.iso.datetime(), z.uuid()])) as [string, string] | undefined;
  const rows = await repo.listPendingInvitations(ctx.db, {
    now: new Date(),
    before: position && [new Date(position[0]), position[1]],
    limit: q.limit,
  });
  return toPage(
    rows,
    q.limit,
    (i) => ({
      id: i.id,
      email: i.email,
      name: i.name,
      role: i.role,
      cityId: i.cityId,
      networkId: i.networkId,
      language: i.language,
      expiresAt: i.expiresAt,
      createdAt: i.createdAt,
    }),
    (i) => [i.createdAt.toISOString(), i.id],
  );
}

/**
 * What an invitation link leads to, for the page that accepts it: who is invited, as what, and
 * whether it can still be used. Undefined for a token that matches no invitation.
 */
export async function findInvitation(ctx: ServiceContext, token: string) {
  const invitation = await repo.findInvitationByHash(ctx.db, sha256Hex(token));
  if (!invitation) return undefined;
  const state: 'open' | 'used' | 'expired' = invitation.acceptedAt
    ? 'used'
    : invitation.expiresAt.getTime() <= Date.now()
      ? 'expired'
      : 'open';
  return {
    email: invitation.email,
    name: invitation.name,
    role: invitation.role,
    cityId: invitation.cityId,
    networkId: invitation.networkId,
    expiresAt: invitation.expiresAt,
    language: invitation.language,
    state,
  };
}

/**
 * Makes the invited person's account and signs them in, in one transaction: `signIn` starts their
 * session (the API's tokens, or a portal session). NotFound for an unknown token; InvalidState for
 * a used or expired invitation.
 */
export async function acceptInvitationAccount<T>(
  ctx: ServiceContext,
  input: { token: string; password: string; name?: string },
  signIn: (tx: ServiceContext, user: users.UserRow) => Promise<T>,
): Promise<T> {
  const invitation = await repo.findInvitationByHash(ctx.db, sha256Hex(input.token));
  if (!invitation) throw new NotFoundError('Invitation');
  if (invitation.acceptedAt) throw new InvalidStateError('This invitation has already been used.');
  if (invitation.expiresAt.getTime() <= Date.now())
    throw new InvalidStateError('This invitation has expired; ask the secretariat for a new one.');
  const password = await hashNewPassword(input.password);
  return withTx(ctx, async (tx) => {
    // The account is made as every account is: the password's rules, the role's scope, the audit event.
    const user = await createUser(tx, {
      email: invitation.email,
      name: input.name ?? invitation.name,
      role: invitation.role,
      cityId: invitation.cityId,
      networkId: invitation.networkId,
      // The language chosen when inviting becomes the account's preference (changeable on /account).
      language: invitation.language,
      password,
    });
    if (!(await repo.markInvitationAccepted(tx.db, invitation.id, user.id))) {
      throw new InvalidStateError('This invitation has already been used.');
    }
    const asUser = { ...tx, actor: actorFromUser(user) };
    await recordAudit(asUser, {
      action: 'invitation.accepted',
      entityType: 'invitation',
      entityId: invitation.id,
      summary: { userId: user.id, email: user.email, role: user.role },
    });
    return signIn(asUser, user);
  });
}

export async function acceptInvitation(
  ctx: ServiceContext,
  deps: AuthDeps,
  input: { token: string; password: string; name?: string },
): Promise<Session> {
  return acceptInvitationAccount(ctx, input, (tx, user) => issueSession(tx.db, deps, user));
}
