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

export async function recordLoginFailure(db: Db, email: string, ip: string): Promise<void> {
  const p = loginThrottlePolicy;
  await repo.recordThrottleFailure(db, accountKey(email), p.accountFailures, p.windowSeconds, p.lockSeconds);
  await repo.recordThrottleFailure(db, addressKey(ip), p.addressFailures, p.windowSeconds, p.lockSeconds);
}

export async function clearAccountFailures(db: Db, email: string): Promise<void> {
  await repo.clearThrottle(db, accountKey(email));
}
