import type { Db } from '../../db/client.js';
import { clientAddressBlock } from '../../lib/client-address.js';
import { RateLimitedError } from '../../lib/errors.js';
import * as repo from './auth.repository.js';

/**
 * Login throttling, per account at one address and per address. The first stops one client
 * guessing one account's password; the second stops one client trying many accounts. Neither
 * counts an account on its own: then anyone who knows an address (the secretariat's is public)
 * could keep its owner locked out. Failures from one address lock that address, or that account
 * from that address, and the owner still signs in from theirs.
 */
export const loginThrottlePolicy = {
  /** Failures for one account from one address. */
  accountAtAddressFailures: 5,
  /** Failures from one address, whatever the accounts. */
  addressFailures: 20,
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
};

// An address never holds a space, so the address and the e-mail cannot run into each other.
export const addressKey = (ip: string) => `ip:${clientAddressBlock(ip)}`;
export const accountAtAddressKey = (email: string, ip: string) =>
  `account-at-ip:${clientAddressBlock(ip)} ${email.toLowerCase()}`;

const tooMany = (retryAfterSeconds: number) =>
  new RateLimitedError(retryAfterSeconds, 'Too many failed sign-in attempts; try again later.');

export async function assertNotThrottled(db: Db, email: string, ip: string): Promise<void> {
  const locks = await repo.findThrottleLocks(db, [accountAtAddressKey(email, ip), addressKey(ip)]);
  if (locks.length > 0) throw tooMany(Math.max(...locks.map((l) => l.retryAfterSeconds)));
}

/**
 * Counts an attempt before its password is checked, atomically: of many attempts sent at once,
 * only those within the limits get to the check; the rest are refused. A successful attempt is
 * taken back by `settleSuccessfulLogin`.
 */
export async function registerLoginAttempt(db: Db, email: string, ip: string): Promise<void> {
  const p = loginThrottlePolicy;
  const accountAtAddress = await repo.recordThrottleFailure(
    db,
    accountAtAddressKey(email, ip),
    p.accountAtAddressFailures,
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
  if (accountAtAddress > p.accountAtAddressFailures || address > p.addressFailures) throw tooMany(p.lockSeconds);
}

/** A good password: the account starts afresh at this address, and the address gets its attempt back. */
export async function settleSuccessfulLogin(db: Db, email: string, ip: string): Promise<void> {
  await repo.clearThrottle(db, accountAtAddressKey(email, ip));
  await repo.forgiveThrottleAttempt(db, addressKey(ip), loginThrottlePolicy.addressFailures);
}
