import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginThrottlePolicy } from '../src/modules/auth/throttle.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

describe('login throttling under parallel attempts', () => {
  it('lets at most the allowed number of passwords be tried, however many arrive at once', async () => {
    const user = await createSecretariat(t);
    const attempts = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: `10.9.${i}.1`,
          payload: { email: user.email, password: `wrong-password-${i}` },
        }),
      ),
    );
    const statuses = attempts.map((r) => r.statusCode);
    // The rule is a ceiling: how many of the parallel attempts get in before the lock depends on
    // how they interleave, so only the bound is known.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(loginThrottlePolicy.accountFailures);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(30 - loginThrottlePolicy.accountFailures);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });

  it('gives a successful sign-in its address attempt back', async () => {
    const user = await createSecretariat(t);
    const ip = '10.8.0.1';
    for (let i = 0; i < loginThrottlePolicy.addressFailures + 3; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: ip,
        payload: { email: user.email, password: user.password },
      });
      expect(res.statusCode, `attempt ${i + 1}`).toBe(200);
    }
  });
});
