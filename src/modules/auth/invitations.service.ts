import type { Role } from '../../db/schema/index.js';
import { withTx } from '../../db/tx.js';
import type { ServiceContext } from '../../lib/actor.js';
import { requireSecretariat } from '../../lib/authorize.js';
import {
  ConflictError,
  InvalidStateError,
  isUniqueViolation,
  NotFoundError,
  ValidationError,
} from '../../lib/errors.js';
import { randomToken, sha256Hex } from '../../lib/hash.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../../lib/passwords.js';
import { actorFromUser } from '../../plugins/auth.js';
import { recordAudit } from '../audit/audit.service.js';
import { enqueueMail } from '../mail/outbox.js';
import * as users from '../users/users.repository.js';
import { assertRoleScope } from '../users/users.service.js';
import * as repo from './auth.repository.js';
import { type AuthDeps, issueSession, type Session } from './auth.service.js';
import { invitationMail } from './invitation.mail.js';

export interface InvitationInput {
  email: string;
  name: string;
  role: Role;
  cityId?: string | null;
  networkId?: string | null;
}

export async function createInvitation(ctx: ServiceContext, deps: AuthDeps, input: InvitationInput) {
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
      expiresAt: new Date(Date.now() + deps.config.auth.invitationTtlDays * 86_400_000),
      createdBy: 'userId' in tx.actor ? tx.actor.userId : null,
    });
    await enqueueMail(tx, {
      ...invitationMail({
        name: input.name,
        role: input.role,
        token: acceptToken,
        expiresAt: invitation.expiresAt,
        baseUrl: deps.config.publicBaseUrl,
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

export async function acceptInvitation(
  ctx: ServiceContext,
  deps: AuthDeps,
  input: { token: string; password: string; name?: string },
): Promise<Session> {
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`The password must have at least ${MIN_PASSWORD_LENGTH} characters.`, [
      { path: 'password', message: `must have at least ${MIN_PASSWORD_LENGTH} characters` },
    ]);
  }
  const invitation = await repo.findInvitationByHash(ctx.db, sha256Hex(input.token));
  if (!invitation) throw new NotFoundError('Invitation');
  if (invitation.acceptedAt) throw new InvalidStateError('This invitation has already been used.');
  if (invitation.expiresAt.getTime() <= Date.now())
    throw new InvalidStateError('This invitation has expired; ask the secretariat for a new one.');
  const passwordHash = await hashPassword(input.password);
  return withTx(ctx, async (tx) => {
    let user: users.UserRow;
    try {
      user = await users.insertUser(tx.db, {
        email: invitation.email,
        name: input.name ?? invitation.name,
        role: invitation.role,
        cityId: invitation.cityId,
        networkId: invitation.networkId,
        passwordHash,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A user with e-mail ${invitation.email} already exists.`);
      throw err;
    }
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
    return issueSession(tx.db, deps, user);
  });
}
