import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, refreshTokens, users, webSessions } from '../src/db/schema/index.js';
import { sha256Hex } from '../src/lib/hash.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/factories.js';
import { errorSummary, fieldError, h1Of, inputValue, textOf, WebClient } from './helpers/web.js';

// A person's own account: their name and language, their password, and the language they read in
// while signed in (preference, then the switcher, kept with the session).

let t: TestApp;
let addresses = 0;
const browser = (headers: Record<string, string> = {}) =>
  new WebClient(() => t.app, headers, `10.32.${++addresses >> 8}.${addresses & 255}`);

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

async function signedIn(person: TestUser, headers: Record<string, string> = {}) {
  const client = browser(headers);
  const form = await client.get('/sign-in');
  const res = await client.post('/sign-in', { email: person.email, password: person.password }, { csrfFrom: form });
  expect(res.statusCode).toBe(303);
  return client;
}

describe('the account page', () => {
  it('asks a visitor to sign in first, and brings them back', async () => {
    const client = browser();
    const res = await client.get('/account');
    expect(res.statusCode).toBe(303);
    const page = await client.get(res.headers.location as string);
    expect(textOf(page.body)).toContain('Sign in to see this page.');
    expect(page.body).toContain('<input type="hidden" name="next" value="/account">');
  });

  it('has one CSRF token for its three forms, each of which works', async () => {
    const person = await createUser(t, { role: 'secretariat', name: 'Three Forms' });
    const client = await signedIn(person);
    const page = await client.get('/account');
    const tokens = [...page.body.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]);
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
    expect(page.body).toContain('<button class="button" type="submit">Save details</button>');
    expect(page.body).toContain('<button class="button" type="submit">Change password</button>');
    expect(page.body).toContain('<button class="button button-secondary" type="submit">Sign out</button>');
    const saved = await client.post(
      '/account/details',
      { name: 'Three Forms', language: 'browser' },
      { csrfFrom: page },
    );
    expect(saved.statusCode).toBe(303);
    const out = await client.post('/sign-out', {}, { csrfFrom: page });
    expect(out.statusCode).toBe(303);
  });
});

describe('your details', () => {
  it('change the name and the language, which the pages then speak, and are recorded', async () => {
    const person = await createUser(t, { role: 'secretariat', name: 'Before Name' });
    const client = await signedIn(person, { 'accept-language': 'en' });
    const page = await client.get('/account');
    expect(page.body).toMatch(/<input type="radio" name="language" value="browser" id="language-browser" checked>/);
    const res = await client.post(
      '/account/details',
      { name: '  Élodie Martin  ', language: 'fr' },
      { csrfFrom: page },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account?notice=saved');
    const after = await client.get('/account?notice=saved');
    expect(h1Of(after.body)).toBe('Votre compte');
    expect(textOf(after.body)).toContain('Vos informations ont été enregistrées.');
    expect(textOf(after.body)).toContain('Nom Élodie Martin');
    expect(after.body).toMatch(/value="fr" id="language-fr" checked>/);
    const [row] = await t.db.select().from(users).where(eq(users.id, person.id));
    expect(row).toMatchObject({ name: 'Élodie Martin', language: 'fr' });
    const events = await t.db.select().from(auditEvents).where(eq(auditEvents.entityId, person.id));
    expect(events.map((e) => e.action)).toContain('user.updated');
  });

  it('say what is wrong, keeping what was typed', async () => {
    const person = await createUser(t, { role: 'secretariat', name: 'Kept Name' });
    const client = await signedIn(person);
    const page = await client.get('/account');
    const res = await client.post('/account/details', { name: '   ', language: 'de' }, { csrfFrom: page });
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([
      ['name', 'Enter your name'],
      ['language', 'Choose a language'],
    ]);
    expect(fieldError(res.body, 'language')).toBe('Choose a language');
    const long = await client.post('/account/details', { name: 'x'.repeat(201), language: 'es' }, { csrfFrom: page });
    expect(errorSummary(long.body)).toEqual([['name', 'The name must have at most 200 characters']]);
    expect(inputValue(long.body, 'name')).toBe('x'.repeat(201));
    expect(long.body).toMatch(/value="es" id="language-es" checked>/);
  });
});

describe('the language while signed in', () => {
  it('is the preference, until the switcher picks another for this session', async () => {
    const person = await createUser(t, { role: 'secretariat' });
    await t.db.update(users).set({ language: 'es' }).where(eq(users.id, person.id));
    const client = await signedIn(person, { 'accept-language': 'fr' });
    expect(h1Of((await client.get('/account')).body)).toBe('Su cuenta');
    await client.get('/verify?lang=fr');
    const [session] = await t.db
      .select()
      .from(webSessions)
      .where(eq(webSessions.idHash, sha256Hex(client.cookies.get('ap_session')!)));
    expect(session!.language).toBe('fr');
    expect(h1Of((await client.get('/account')).body)).toBe('Votre compte');
  });
});

describe('changing the password', () => {
  const fields = (current: string, next: string, confirm = next) => ({
    currentPassword: current,
    newPassword: next,
    confirmPassword: confirm,
  });

  it('says what is wrong with each field', async () => {
    const person = await createUser(t, { role: 'secretariat' });
    const client = await signedIn(person);
    const page = await client.get('/account');
    const empty = await client.post('/account/password', fields('', 'short'), { csrfFrom: page });
    expect(errorSummary(empty.body)).toEqual([
      ['currentPassword', 'Enter your current password'],
      ['newPassword', 'The password must have at least 12 characters'],
    ]);
    const mismatch = await client.post(
      '/account/password',
      fields(person.password, 'a brand new passphrase', 'other'),
      {
        csrfFrom: page,
      },
    );
    expect(errorSummary(mismatch.body)).toEqual([['confirmPassword', 'The two passwords are not the same']]);
    const wrong = await client.post('/account/password', fields('not my password', 'a brand new passphrase'), {
      csrfFrom: page,
    });
    expect(wrong.statusCode).toBe(400);
    expect(errorSummary(wrong.body)).toEqual([['currentPassword', 'The current password is not right']]);
    expect(wrong.body).not.toContain('a brand new passphrase');
  });

  it('changes it, signs out the other browsers and the API’s sessions, and keeps this one', async () => {
    const person = await createUser(t, { role: 'secretariat' });
    const elsewhere = await signedIn(person);
    const apiLogin = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: person.email, password: person.password },
      remoteAddress: '10.32.250.1',
    });
    expect(apiLogin.statusCode).toBe(200);
    const client = await signedIn(person);
    const page = await client.get('/account');
    const res = await client.post('/account/password', fields(person.password, 'a brand new passphrase'), {
      csrfFrom: page,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account?notice=password-changed');
    expect(textOf((await client.get(res.headers.location as string)).body)).toContain(
      'Your password has been changed. You have been signed out everywhere else.',
    );
    expect((await elsewhere.get('/account')).statusCode).toBe(303);
    const tokens = await t.db.select().from(refreshTokens).where(eq(refreshTokens.userId, person.id));
    expect(tokens.every((r) => r.revokedAt !== null)).toBe(true);

    const fresh = browser();
    const form = await fresh.get('/sign-in');
    const old = await fresh.post('/sign-in', { email: person.email, password: person.password }, { csrfFrom: form });
    expect(old.statusCode).toBe(400);
    const now = await fresh.post(
      '/sign-in',
      { email: person.email, password: 'a brand new passphrase' },
      { csrfFrom: form },
    );
    expect(now.statusCode).toBe(303);
    const events = await t.db.select().from(auditEvents).where(eq(auditEvents.entityId, person.id));
    expect(events.map((e) => e.action)).toContain('user.password_changed');
  });
});
