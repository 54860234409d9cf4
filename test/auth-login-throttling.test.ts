import { clientAddressBlock } from '../src/lib/client-address.js';
import { loginThrottlePolicy } from '../src/modules/auth/throttle.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { authRequests, freshIp } from './helpers/auth-api.js';
import { createSecretariat, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const { login } = authRequests(() => t);
const p = loginThrottlePolicy;

/** A 429 problem whose Retry-After is the seconds left of the lock: up to its whole length. */
function expectThrottled(res: Awaited<ReturnType<typeof login>>) {
  expect(res.statusCode).toBe(429);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.json()).toMatchObject({ status: 429, code: 'rate_limited' });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(p.lockSeconds);
}

describe('Repeated failures for one account from one address lock that account there, and only there', () => {
  it('refuses even the right password from that address with 429 and Retry-After', async () => {
    const user = await createSecretariat(t);
    const attacker = freshIp();
    for (let i = 1; i <= p.accountAtAddressFailures; i++) {
      expect((await login(user.email, `wrong password number ${i}`, attacker)).statusCode, `failure ${i}`).toBe(401);
    }
    expectThrottled(await login(user.email, user.password, attacker));
    // Whatever the case of the e-mail.
    expectThrottled(await login(user.email.toUpperCase(), user.password, attacker));
  });

  it('lets the owner sign in from their own address while another address is throttled on their account', async () => {
    const user = await createSecretariat(t);
    const attacker = freshIp();
    const owner = freshIp();
    // More than the account's limit at one address: what used to lock the account for everyone.
    for (let i = 1; i <= p.accountAtAddressFailures + 3; i++) await login(user.email, `guess ${i}`, attacker);
    expectThrottled(await login(user.email, user.password, attacker));
    expect((await login(user.email, user.password, owner)).statusCode).toBe(200);
    // And the owner's sign-in does not lift the lock at the attacker's address.
    expectThrottled(await login(user.email, user.password, attacker));
  });

  it('counts one account at one address: the same failures spread over addresses lock nothing', async () => {
    const user = await createSecretariat(t);
    for (let i = 1; i <= p.accountAtAddressFailures * 2; i++) {
      expect((await login(user.email, `wrong ${i}`, freshIp())).statusCode, `failure ${i}`).toBe(401);
    }
    expect((await login(user.email, user.password, freshIp())).statusCode).toBe(200);
  });

  it('does not throttle other accounts tried from that address below the address limit', async () => {
    const user = await createSecretariat(t);
    const other = await createSecretariat(t);
    const ip = freshIp();
    for (let i = 1; i <= p.accountAtAddressFailures; i++) await login(user.email, `wrong ${i}`, ip);
    expectThrottled(await login(user.email, user.password, ip));
    expect((await login(other.email, other.password, ip)).statusCode).toBe(200);
  });

  it('throttles an unknown e-mail just the same, so the lock tells nothing about which accounts exist', async () => {
    const email = `${unique('ghost-')}@example.org`;
    const ip = freshIp();
    for (let i = 1; i <= p.accountAtAddressFailures; i++)
      expect((await login(email, `guess ${i}`, ip)).statusCode).toBe(401);
    expectThrottled(await login(email, 'guess again', ip));
  });

  it('does not lock one failure short of the limit', async () => {
    const user = await createSecretariat(t);
    const ip = freshIp();
    for (let i = 1; i < p.accountAtAddressFailures; i++) {
      expect((await login(user.email, `wrong ${i}`, ip)).statusCode).toBe(401);
    }
    expect((await login(user.email, user.password, ip)).statusCode).toBe(200);
  });

  it('counts failures with any case of the e-mail against the same account', async () => {
    const user = await createSecretariat(t);
    const ip = freshIp();
    for (let i = 1; i <= p.accountAtAddressFailures; i++) {
      const email = i % 2 === 0 ? user.email.toUpperCase() : user.email;
      expect((await login(email, `wrong ${i}`, ip)).statusCode).toBe(401);
    }
    expectThrottled(await login(user.email, user.password, ip));
  });

  it('starts the count afresh after a successful sign-in from that address', async () => {
    const user = await createSecretariat(t);
    const ip = freshIp();
    for (let i = 1; i < p.accountAtAddressFailures; i++) {
      expect((await login(user.email, `wrong ${i}`, ip)).statusCode).toBe(401);
    }
    expect((await login(user.email, user.password, ip)).statusCode).toBe(200);
    // Without the reset, the first of these would reach the limit and lock the account there.
    for (let i = 1; i < p.accountAtAddressFailures; i++) {
      expect((await login(user.email, `wrong again ${i}`, ip)).statusCode).toBe(401);
    }
    expect((await login(user.email, user.password, ip)).statusCode).toBe(200);
  });
});

describe('One address failing across many accounts is throttled for every account', () => {
  it('locks the address, and only that address, once it reaches the address limit', async () => {
    const ip = freshIp();
    const user = await createSecretariat(t);
    for (let i = 1; i < p.addressFailures; i++) {
      const res = await login(`${unique('probe-')}@example.org`, 'some guessed password', ip);
      expect(res.statusCode, `failure ${i}`).toBe(401);
    }
    // One short of the limit: the address still works (and a success does not reset it).
    expect((await login(user.email, user.password, ip)).statusCode).toBe(200);
    expect((await login(`${unique('probe-')}@example.org`, 'some guessed password', ip)).statusCode).toBe(401);
    expectThrottled(await login(user.email, user.password, ip));
    // A forwarded-for header is not trusted (no proxy configured): it does not escape the lock.
    const spoofed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: user.password },
      remoteAddress: ip,
      headers: { 'x-forwarded-for': freshIp() },
    });
    expect(spoofed.statusCode).toBe(429);
    // The account itself is not locked: from another address it signs in.
    expect((await login(user.email, user.password, freshIp())).statusCode).toBe(200);
  });

  it('counts an IPv6 client by its /64 network, so that a fresh address in it escapes nothing', async () => {
    const user = await createSecretariat(t);
    for (let i = 1; i <= p.addressFailures; i++) {
      const res = await login(`${unique('probe-')}@example.org`, 'some guessed password', `2001:db8:7:1::${i}`);
      expect(res.statusCode, `failure ${i}`).toBe(401);
    }
    expectThrottled(await login(user.email, user.password, '2001:db8:7:1:ffff:ffff:ffff:ffff'));
    // The next /64 is another client.
    expect((await login(user.email, user.password, '2001:db8:7:2::1')).statusCode).toBe(200);
  });

  it('reads the block of an address: IPv4 itself, IPv4-mapped as IPv4, IPv6 as its /64', () => {
    expect(clientAddressBlock('192.0.2.7')).toBe('192.0.2.7');
    expect(clientAddressBlock('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientAddressBlock('2001:db8:7:1::1')).toBe('2001:db8:7:1::/64');
    expect(clientAddressBlock('2001:0DB8:0007:0001:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:7:1::/64');
    expect(clientAddressBlock('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressBlock('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientAddressBlock('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressBlock('64:ff9b::192.0.2.7')).toBe('64:ff9b:0:0::/64');
  });
});
