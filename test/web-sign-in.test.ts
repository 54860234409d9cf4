import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webSessions } from '../src/db/schema/index.js';
import { sha256Hex } from '../src/lib/hash.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createSecretariat, createUser, type TestUser } from './helpers/factories.js';
import { errorSummary, fieldError, h1Of, inputValue, textOf, WebClient } from './helpers/web.js';

// Signing in to the portal and out of it: the API's password check and throttle, a session in the
// database behind an httpOnly SameSite=Lax cookie, ended by signing out or by a deactivation.

let t: TestApp;
let secretariat: TestUser;
let official: TestUser;
let cityName: string;
let addresses = 0;
/** A browser from an address of its own, so that the throttle counts each test apart. */
const browser = (headers: Record<string, string> = {}) =>
  new WebClient(() => t.app, headers, `10.31.${++addresses >> 8}.${addresses & 255}`);

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  const city = await createCity(t, { country: 'EC' });
  cityName = city.name;
  official = await createUser(t, { role: 'city_official', cityId: city.id, name: 'Ana Ruiz' });
});
afterAll(async () => t.close());

async function signIn(client: WebClient, email: string, password: string, next?: string) {
  const form = await client.get(next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in');
  return client.post('/sign-in', { email, password, ...(next ? { next } : {}) }, { csrfFrom: form });
}

describe('the sign-in page', () => {
  it('has the fields Email and Password and the button Sign in', async () => {
    const page = await browser().get('/sign-in');
    expect(h1Of(page.body)).toBe('Sign in');
    expect(page.body).toContain('<label class="label" for="email">Email</label>');
    expect(page.body).toMatch(
      /<input class="input" id="email" name="email" type="email" value="" autocomplete="email"/,
    );
    expect(page.body).toContain('<label class="label" for="password">Password</label>');
    expect(page.body).toMatch(/id="password" name="password" type="password" autocomplete="current-password"/);
    expect(page.body).toContain('<button class="button" type="submit">Sign in</button>');
  });

  it('lists what is missing, beside each field and in the summary, in the order of the form', async () => {
    const client = browser();
    const res = await client.post('/sign-in', { email: '', password: '' });
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([
      ['email', 'Enter your email address'],
      ['password', 'Enter your password'],
    ]);
    const malformed = await client.post('/sign-in', { email: 'ana at example', password: 'x' });
    expect(fieldError(malformed.body, 'email')).toBe(
      'Enter an email address in the right format, like name@example.org',
    );
    expect(inputValue(malformed.body, 'email')).toBe('ana at example');
  });

  it('refuses a wrong password, keeping the email and not the password, then signs in with the right one', async () => {
    const client = browser();
    const wrong = await signIn(client, official.email, 'not the password at all');
    expect(wrong.statusCode).toBe(400);
    expect(errorSummary(wrong.body)).toEqual([['email', 'The email address or the password is not right']]);
    expect(inputValue(wrong.body, 'email')).toBe(official.email);
    expect(wrong.body).not.toContain('not the password at all');
    expect(client.cookies.has('ap_session')).toBe(false);

    const right = await signIn(client, official.email, official.password);
    expect(right.statusCode).toBe(303);
    // A city official lands on their city's page.
    expect(right.headers.location).toBe('/city');
    const account = await client.get('/account');
    expect(h1Of(account.body)).toBe('Your account');
    expect(textOf(account.body)).toContain(
      `Name Ana Ruiz Email ${official.email} Role city official City or region ${cityName}`,
    );
    expect(textOf(account.body)).toContain('Signed in as Ana Ruiz');
  });

  it('keeps a hash of the session id only, in an httpOnly SameSite=Lax cookie lasting the session’s time', async () => {
    const client = browser();
    const res = await signIn(client, official.email, official.password);
    const cookie = (res.cookies as Array<Record<string, unknown>>).find((c) => c.name === 'ap_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeFalsy();
    const id = cookie.value as string;
    expect(id).toMatch(/^ws_[A-Za-z0-9_-]{43}$/);
    const [row] = await t.db
      .select()
      .from(webSessions)
      .where(eq(webSessions.idHash, sha256Hex(id)));
    expect(row).toMatchObject({ userId: official.id, language: 'en' });
    const hours = (row!.expiresAt.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    expect((cookie.expires as Date).getTime()).toBe(Math.floor(row!.expiresAt.getTime() / 1000) * 1000);
    const stored = await t.db.select({ idHash: webSessions.idHash }).from(webSessions);
    expect(stored.map((s) => s.idHash)).not.toContain(id);
  });

  it('returns to the page asked for, and never to another site', async () => {
    const back = await signIn(browser(), official.email, official.password, '/verify?serial=AP');
    expect(back.headers.location).toBe('/verify?serial=AP');
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const res = await signIn(browser(), official.email, official.password, next);
      expect(res.headers.location, next).toBe('/city');
    }
  });

  it('starts a new session id on every sign-in and ends the one held before', async () => {
    const client = browser();
    await signIn(client, official.email, official.password);
    const first = client.cookies.get('ap_session')!;
    // Signed in, the sign-in page leads to the role's own page; a sign-in form sent from elsewhere
    // still counts.
    const page = await client.get('/sign-in');
    expect(page.headers.location).toBe('/city');
    const account = await client.get('/account');
    await client.post('/sign-in', { email: secretariat.email, password: secretariat.password }, { csrfFrom: account });
    const second = client.cookies.get('ap_session')!;
    expect(second).not.toBe(first);
    const rows = await t.db
      .select()
      .from(webSessions)
      .where(eq(webSessions.idHash, sha256Hex(first)));
    expect(rows).toEqual([]);
  });
});

describe('too many wrong passwords', () => {
  it('are stopped by the sign-in throttle, which says how long to wait, in the reader’s language', async () => {
    const victim = await createUser(t, { role: 'secretariat' });
    const client = browser({ 'accept-language': 'es' });
    for (let i = 0; i < 5; i++) {
      const res = await signIn(client, victim.email, `wrong password number ${i}`);
      expect(res.statusCode).toBe(400);
    }
    const locked = await signIn(client, victim.email, victim.password);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    expect(errorSummary(locked.body)).toEqual([
      ['email', 'Hubo demasiados intentos fallidos. Inténtelo de nuevo dentro de 15 minutos.'],
    ]);
    expect(client.cookies.has('ap_session')).toBe(false);
  });
});

describe('signing out', () => {
  it('ends the session on the server, so the old cookie no longer signs anyone in', async () => {
    const client = browser();
    await signIn(client, official.email, official.password);
    const id = client.cookies.get('ap_session')!;
    const account = await client.get('/account');
    const out = await client.post('/sign-out', {}, { csrfFrom: account });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/sign-in?notice=signed-out');
    expect(client.cookies.has('ap_session')).toBe(false);
    expect(
      await t.db
        .select()
        .from(webSessions)
        .where(eq(webSessions.idHash, sha256Hex(id))),
    ).toEqual([]);
    const notice = await client.get(out.headers.location as string);
    expect(textOf(notice.body)).toContain('You have signed out.');

    const replayed = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: `ap_session=${id}` } });
    expect(replayed.statusCode).toBe(303);
    expect(replayed.headers.location).toBe('/sign-in?notice=sign-in-needed&next=%2Faccount');
  });

  it('is refused without the CSRF token, and the session goes on', async () => {
    const client = browser();
    await signIn(client, official.email, official.password);
    const res = await client.post('/sign-out', {}, { csrf: false });
    expect(res.statusCode).toBe(403);
    expect((await client.get('/account')).statusCode).toBe(200);
  });
});

describe('a deactivated account', () => {
  it('loses its portal session at once', async () => {
    const person = await createUser(t, { role: 'secretariat' });
    const client = browser();
    await signIn(client, person.email, person.password);
    expect((await client.get('/account')).statusCode).toBe(200);
    const off = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${person.id}`,
      headers: secretariat.headers,
      payload: { active: false },
    });
    expect(off.statusCode).toBe(200);
    const after = await client.get('/account');
    expect(after.statusCode).toBe(303);
    expect(client.cookies.has('ap_session')).toBe(false);
    const again = await signIn(client, person.email, person.password);
    expect(errorSummary(again.body)).toEqual([['email', 'The email address or the password is not right']]);
  });
});

describe('over https', () => {
  it('marks the cookies Secure, with the __Host- prefix', async () => {
    const secure = await buildTestApp({ PUBLIC_BASE_URL: 'https://pledge.example.org' });
    try {
      const person = await createUser(secure, { role: 'secretariat' });
      const client = new WebClient(() => secure.app);
      const form = await client.get('/sign-in');
      const csrfCookie = (form.cookies as Array<Record<string, unknown>>).find((c) => c.name === '__Host-ap_csrf');
      expect(csrfCookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
      const res = await client.post('/sign-in', { email: person.email, password: person.password }, { csrfFrom: form });
      expect(res.statusCode).toBe(303);
      const session = (res.cookies as Array<Record<string, unknown>>).find((c) => c.name === '__Host-ap_session');
      expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
    } finally {
      await secure.close();
    }
  });
});
