import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, invitations, users } from '../src/db/schema/index.js';
import { sha256Hex } from '../src/lib/hash.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { errorSummary, h1Of, inputValue, textOf, WebClient } from './helpers/web.js';

// An invited person sets their name and password on the invitation's page and is signed in; the
// same invitation then cannot be used again, and an expired one says so.

let t: TestApp;
let secretariat: TestUser;
let city: { id: string; name: string };
const browser = (headers: Record<string, string> = {}) => new WebClient(() => t.app, headers);

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  city = await createCity(t, { country: 'CO', name: unique('Medellín ') });
});
afterAll(async () => t.close());

async function invite(name = 'Ana Ruiz', language?: 'en' | 'es' | 'fr') {
  const email = `${unique('invitee-')}@example.org`;
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/invitations',
    headers: secretariat.headers,
    payload: { email, name, role: 'city_official', cityId: city.id, ...(language ? { language } : {}) },
  });
  expect(res.statusCode).toBe(201);
  return { email, token: res.json().acceptToken as string };
}

describe("an invitation's page", () => {
  it('says who is invited as what, and asks for a name and a password twice', async () => {
    const { email, token } = await invite();
    const page = await browser().get(`/invitations/${token}`);
    expect(page.statusCode).toBe(200);
    expect(h1Of(page.body)).toBe('Create your account');
    const text = textOf(page.body);
    expect(text).toContain(`You have been invited to the Action Pledge platform as city official for ${city.name}.`);
    expect(text).toContain(`Your account will use the email address ${email}.`);
    expect(inputValue(page.body, 'name')).toBe('Ana Ruiz');
    expect(page.body).toContain('<label class="label" for="password">Password</label>');
    expect(page.body).toContain('<label class="label" for="confirmPassword">Confirm password</label>');
    expect(page.body).toContain('<button class="button" type="submit">Create account</button>');
  });

  it('reads in Spanish', async () => {
    const { token } = await invite();
    const page = await browser({ 'accept-language': 'es-CO' }).get(`/invitations/${token}`);
    expect(h1Of(page.body)).toBe('Cree su cuenta');
    expect(textOf(page.body)).toContain(`como representante de ciudad de ${city.name}`);
  });

  it('speaks the language the person was invited in, unless they choose another', async () => {
    const { token } = await invite('Ana Ruiz', 'es');
    const page = await browser({ 'accept-language': 'en-GB' }).get(`/invitations/${token}`);
    expect(h1Of(page.body)).toBe('Cree su cuenta');
    const chosen = await browser({ 'accept-language': 'en-GB' }).get(`/invitations/${token}?lang=fr`);
    expect(h1Of(chosen.body)).toBe('Créez votre compte');
  });

  it('lists what is wrong, keeping the name and never the passwords', async () => {
    const { token } = await invite();
    const client = browser();
    const form = await client.get(`/invitations/${token}`);
    const short = await client.post(
      `/invitations/${token}`,
      { name: 'Ana María Ruiz', password: 'short', confirmPassword: '' },
      { csrfFrom: form },
    );
    expect(short.statusCode).toBe(400);
    expect(errorSummary(short.body)).toEqual([
      ['password', 'The password must have at least 12 characters'],
      ['confirmPassword', 'Enter the password again to confirm it'],
    ]);
    expect(inputValue(short.body, 'name')).toBe('Ana María Ruiz');
    const mismatch = await client.post(
      `/invitations/${token}`,
      { name: '', password: 'a long enough passphrase', confirmPassword: 'a long enough passphrasE' },
      { csrfFrom: form },
    );
    expect(errorSummary(mismatch.body)).toEqual([
      ['name', 'Enter your name'],
      ['confirmPassword', 'The two passwords are not the same'],
    ]);
    expect(mismatch.body).not.toContain('a long enough passphrase');
  });

  it('creates the account, signs the person in, and cannot be used again', async () => {
    const { email, token } = await invite();
    const client = browser();
    const form = await client.get(`/invitations/${token}`);
    const res = await client.post(
      `/invitations/${token}`,
      { name: 'Ana María Ruiz', password: 'a long enough passphrase', confirmPassword: 'a long enough passphrase' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account?notice=welcome');
    const account = await client.get('/account?notice=welcome');
    const text = textOf(account.body);
    expect(text).toContain('Your account has been created and you are signed in.');
    expect(text).toContain(`Name Ana María Ruiz Email ${email} Role city official City or region ${city.name}`);
    const [user] = await t.db.select().from(users).where(eq(users.email, email));
    const events = await t.db.select().from(auditEvents).where(eq(auditEvents.entityId, user!.id));
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['user.created']));

    const again = await browser().get(`/invitations/${token}`);
    expect(again.statusCode).toBe(410);
    expect(h1Of(again.body)).toBe('This invitation cannot be used');
    expect(textOf(again.body)).toContain('It has already been used to create an account.');
    const resent = await client.post(
      `/invitations/${token}`,
      { name: 'Someone', password: 'another long passphrase', confirmPassword: 'another long passphrase' },
      { csrfFrom: account },
    );
    expect(resent.statusCode).toBe(410);
  });

  it('says when it expired', async () => {
    const { token } = await invite();
    await t.db
      .update(invitations)
      .set({ expiresAt: new Date('2026-01-05T10:00:00Z') })
      .where(eq(invitations.tokenHash, sha256Hex(token)));
    const page = await browser().get(`/invitations/${token}`);
    expect(page.statusCode).toBe(410);
    expect(textOf(page.body)).toContain('It expired on 5 January 2026. Ask the secretariat for a new invitation.');
  });

  it('is the 404 page for a token that names no invitation', async () => {
    for (const token of ['inv_' + 'A'.repeat(43), 'not-a-token']) {
      const page = await browser().get(`/invitations/${token}`);
      expect(page.statusCode).toBe(404);
      expect(h1Of(page.body)).toBe('Page not found');
    }
  });
});
