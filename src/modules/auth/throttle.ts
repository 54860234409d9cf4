import type { Db } from '../../db/client.js';
import { RateLimitedError } from '../../lib/errors.js';
import * as repo from './auth.repository.js';

/**
 * Login throttling, per account and per client address. The account limit stops guessing one
 * password; the address limit stops one client trying many accounts.
 */
export const loginThrottlePolicy = {
  accountFailures: 5,
  addressFailures: 20,
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
};

export const accountKey = (email: string) => `account:${email.toLowerCase()}`;
export const addressKey = (ip: string) => `ip:${ip}`;

export async function assertNotThrottled(db: Db, email: string, ip: string): Promise<void> {
  const locks = await repo.findThrottleLocks(db, [accountKey(email), addressKey(ip)]);
  if (locks.length > 0) {
    const retryAfter = Math.max(...locks.map((l) => l.retryAfterSeconds));
    throw new RateLimitedError(retryAfter, 'Too many failed sign-in attempts; try again later.');
  }
}

/**
 * Counts an attempt before its password is checked, atomically: of many attempts sent at once,
 * only those within the limits get to the check; the rest are refused. A successful attempt is
 * taken back by `settleSuccessfulLogin`.
 */
export async function registerLoginAttempt(db: Db, email: string, ip: string): Promise<void> {
  const p = loginThrottlePolicy;
  const account = await repo.recordThrottleFailure(
    db,
    accountKey(email),
    p.accountFailures,
    p.windowSeconds,
    p.lockSeconds,
  );
  const address = await repo.recordThrottleFailure(
    db,
    addressKey(ip),
    p.addressFailures,
    p.windowSeconds,
    p.lockSeconds,
  );
  if (account > p.accountFailures || address > p.addressFailures) {
    throw new RateLimitedError(p.lockSeconds, 'Too many failed sign-in attempts; try again later.');
  }
}

/** A good password: the account starts afresh and the address gets its attempt back. */
export async function settleSuccessfulLogin(db: Db, email: string, ip: string): Promise<void> {
  await repo.clearThrottle(db, accountKey(email));
  await repo.forgiveThrottleAttempt(db, addressKey(ip), loginThrottlePolicy.addressFailures);
}
