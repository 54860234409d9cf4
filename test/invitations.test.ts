import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitations, mailOutbox, users } from '../src/db/schema/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  createUser,
  networkId,
  type TestUser,
  unique,
} from './helpers/factories.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const GOOD_PASSWORD = 'a long enough passphrase';

interface Created {
  id: string;
  email: string;
  role: string;
  expiresAt: string;
  acceptToken: string;
}

const freshEmail = () => `${unique('invitee-')}@example.org`;

function invite(payload: Record<string, unknown>, as: TestUser = admin) {
  return t.app.inject({ method: 'POST', url: '/api/v1/invitations', headers: as.headers, payload });
}

async function created(payload: Record<string, unknown>): Promise<Created> {
  const res = await invite(payload);
  expect(res.statusCode).toBe(201);
  return res.json<Created>();
}

function accept(payload: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload });
}

let ipCounter = 0;
function login(email: string, password: string) {
  ipCounter++;
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress: `10.77.${ipCounter >> 8}.${ipCounter & 255}`,
  });
}

describe('POST /invitations', () => {
  it('creates an invitation and answers 201 { id, email, role, expiresAt, acceptToken }', async () => {
    const email = freshEmail();
    const cityId = (await createCity(t)).id;
    const before = Date.now();
    const res = await invite({ email, name: 'New Official', role: 'city_official', cityId });
    expect(res.statusCode).toBe(201);
    const body = res.json<Created>();
    expect(Object.keys(body).sort()).toEqual(['acceptToken', 'email', 'expiresAt', 'id', 'role']);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.email).toBe(email);
    expect(body.role).toBe('city_official');
    expect(typeof body.acceptToken).toBe('string');
    // inv_ and 32 random bytes in base64url.
    expect(body.acceptToken).toMatch(/^inv_[A-Za-z0-9_-]{43}$/);
    const expiresAt = new Date(body.expiresAt).getTime();
    expect(Number.isNaN(expiresAt)).toBe(false);
    // The invitation's lifetime from the moment it was made, which lies between these two readings.
    const ttl = t.config.auth.invitationTtlDays * 86_400_000;
    expect(expiresAt).toBeGreaterThanOrEqual(before + ttl);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + ttl);

    const [row] = await t.db.select().from(invitations).where(eq(invitations.id, body.id));
    expect(row).toMatchObject({
      email,
      role: 'city_official',
      cityId,
      networkId: null,
      acceptedAt: null,
      createdBy: admin.id,
    });
    expect(row!.expiresAt.getTime()).toBe(expiresAt);
  });

  it('normalises the e-mail to lower case', async () => {
    const email = `${unique('Mixed.Case-')}@Example.ORG`;
    const body = await created({ email, name: 'Mixed', role: 'secretariat' });
    expect(body.email).toBe(email.toLowerCase());
  });

  it('stores the accept token only as a hash', async () => {
    const body = await created({ email: freshEmail(), name: 'Hashed', role: 'secretariat' });
    const rows = await t.db.select().from(invitations);
    const stored = JSON.stringify(rows);
    expect(rows.some((r) => r.id === body.id)).toBe(true);
    expect(stored).not.toContain(body.acceptToken);
    expect(stored).not.toContain(body.acceptToken.slice(body.acceptToken.indexOf('_') + 1));
  });

  it('queues the invitation mail, with the token, marked sensitive', async () => {
    const email = freshEmail();
    const body = await created({
      email,
      name: 'Mailed Person',
      role: 'network_reviewer',
      networkId: await networkId(t, 'MMC'),
    });
    const mails = await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.sensitive).toBe(true);
    expect(mail.status).toBe('pending');
    expect(mail.subject).toBe('Your invitation to the Action Pledge platform');
    expect(mail.text).toContain('Mailed Person');
    // The token travels in the link to the portal's page that accepts it, which opens.
    const link = `${t.config.publicBaseUrl}/invitations/${body.acceptToken}`;
    expect(mail.text!.split('\n')).toContain(link);
    expect(mail.text).not.toContain('/api/');
    const page = await t.app.inject({ method: 'GET', url: link.slice(t.config.publicBaseUrl.length) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Create account');
  });

  it('writes the mail in the language asked for (en, es or fr), English when none is', async () => {
    const subjects = {
      en: 'Your invitation to the Action Pledge platform',
      es: 'Su invitación a la plataforma Action Pledge',
      fr: 'Votre invitation à la plateforme Action Pledge',
    };
    for (const language of ['es', 'fr', 'en', undefined] as const) {
      const email = freshEmail();
      await created({ email, name: 'Polyglot', role: 'secretariat', ...(language ? { language } : {}) });
      const [mail] = await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
      expect(mail!.subject, language).toBe(subjects[language ?? 'en']);
    }
    const refused = await invite({ email: freshEmail(), name: 'X', role: 'secretariat', language: 'EN' });
    expect(refused.statusCode).toBe(400);
  });

  it('is the secretariat only: 403 for a city official and a reviewer, 401 anonymous, nothing created', async () => {
    const email = freshEmail();
    for (const user of [await createCityOfficial(t), await createReviewer(t)]) {
      const res = await invite({ email, name: 'X', role: 'secretariat' }, user);
      expect(res.statusCode, user.role).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('forbidden');
    }
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email, name: 'X', role: 'secretariat' },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(await t.db.select().from(invitations).where(eq(invitations.email, email))).toHaveLength(0);
    expect(await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, email))).toHaveLength(0);
  });

  it('refuses a role without its scope, or an unknown scope, with 400', async () => {
    const email = freshEmail();
    const cases: Array<Record<string, unknown>> = [
      { role: 'city_official' },
      { role: 'city_official', cityId: null },
      { role: 'city_official', networkId: await networkId(t, 'MMC') },
      { role: 'city_official', cityId: '00000000-0000-4000-8000-000000000000' },
      { role: 'network_reviewer' },
      { role: 'network_reviewer', cityId: (await createCity(t)).id },
      { role: 'network_reviewer', networkId: '00000000-0000-4000-8000-000000000000' },
      { role: 'city_official', cityId: 'not-a-uuid' },
      { role: 'mayor' },
    ];
    for (const extra of cases) {
      const res = await invite({ email, name: 'Scoped', ...extra });
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
    expect(await t.db.select().from(invitations).where(eq(invitations.email, email))).toHaveLength(0);
  });

  it('keeps only the scope the role needs', async () => {
    const cityId = (await createCity(t)).id;
    const body = await created({
      email: freshEmail(),
      name: 'Staff',
      role: 'secretariat',
      cityId,
      networkId: await networkId(t, 'MMC'),
    });
    const [row] = await t.db.select().from(invitations).where(eq(invitations.id, body.id));
    expect(row).toMatchObject({ role: 'secretariat', cityId: null, networkId: null });
  });

  it('refuses a malformed body with 400', async () => {
    for (const payload of [
      { email: 'not-an-email', name: 'X', role: 'secretariat' },
      { email: freshEmail(), name: '', role: 'secretariat' },
      { email: freshEmail(), role: 'secretariat' },
      { email: freshEmail(), name: 'X', role: 'secretariat', password: 'smuggled in' },
    ]) {
      expect((await invite(payload)).statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it('answers 409 when a user with that e-mail exists, in any case', async () => {
    const existing = await createCityOfficial(t);
    for (const email of [existing.email, existing.email.toUpperCase()]) {
      const res = await invite({ email, name: 'Again', role: 'secretariat' });
      expect(res.statusCode, email).toBe(409);
      expect(res.json().code).toBe('conflict');
    }
    expect(await t.db.select().from(invitations).where(eq(invitations.email, existing.email))).toHaveLength(0);
  });

  it('writes an audit event without the token', async () => {
    const body = await created({ email: freshEmail(), name: 'Audited', role: 'secretariat' });
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/audit?entityId=${body.id}`, headers: admin.headers });
    const events = res.json().items as Array<{ action: string; actor: { id: string } }>;
    expect(events.map((e) => e.action)).toContain('invitation.created');
    expect(events[0]!.actor.id).toBe(admin.id);
    expect(res.body).not.toContain(body.acceptToken);
  });
});

describe('POST /invitations/accept', () => {
  it('gives the account the language chosen when inviting, and none when none was chosen', async () => {
    for (const language of ['fr', undefined] as const) {
      const email = freshEmail();
      const inv = await created({ email, name: 'Lang', role: 'secretariat', ...(language ? { language } : {}) });
      expect((await accept({ token: inv.acceptToken, password: GOOD_PASSWORD })).statusCode).toBe(201);
      const [user] = await t.db.select({ language: users.language }).from(users).where(eq(users.email, email));
      expect(user!.language, language).toBe(language ?? null);
    }
  });

  it('creates the user, answers 201 with a session, and the user can then sign in', async () => {
    const email = freshEmail();
    const mmc = await networkId(t, 'MMC');
    const inv = await created({ email, name: 'Rita Reviewer', role: 'network_reviewer', networkId: mmc });
    const res = await accept({ token: inv.acceptToken, password: GOOD_PASSWORD });
    expect(res.statusCode).toBe(201);
    const session = res.json();
    expect(Object.keys(session).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user']);
    expect(session.expiresIn).toBe(t.config.auth.accessTokenTtlSeconds);
    expect(session.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email,
      name: 'Rita Reviewer',
      role: 'network_reviewer',
      cityId: null,
      networkId: mmc,
    });
    expect(res.body).not.toContain('$argon2');

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().id).toBe(session.user.id);
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: session.refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);

    const signIn = await login(email, GOOD_PASSWORD);
    expect(signIn.statusCode).toBe(200);
    expect(signIn.json().user.id).toBe(session.user.id);

    const [row] = await t.db.select().from(invitations).where(eq(invitations.id, inv.id));
    expect(row!.acceptedAt).not.toBeNull();
    expect(row!.acceptedUserId).toBe(session.user.id);
  });

  it('lets the invitee choose another name', async () => {
    const cityId = (await createCity(t)).id;
    const inv = await created({ email: freshEmail(), name: 'Given Name', role: 'city_official', cityId });
    const res = await accept({ token: inv.acceptToken, password: GOOD_PASSWORD, name: 'Chosen Name' });
    expect(res.statusCode).toBe(201);
    expect(res.json().user).toMatchObject({ name: 'Chosen Name', role: 'city_official', cityId, networkId: null });
  });

  it('needs a password of at least 12 characters, and a refused attempt does not spend the invitation', async () => {
    const email = freshEmail();
    const inv = await created({ email, name: 'Short', role: 'secretariat' });
    for (const password of ['', 'short', 'x'.repeat(11)]) {
      const res = await accept({ token: inv.acceptToken, password });
      expect(res.statusCode, password).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('validation_failed');
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('password');
    }
    expect((await login(email, 'x'.repeat(11))).statusCode).toBe(401);
    const ok = await accept({ token: inv.acceptToken, password: 'y'.repeat(12) });
    expect(ok.statusCode).toBe(201);
    expect((await login(email, 'y'.repeat(12))).statusCode).toBe(200);
  });

  it('works once: a second accept with the same token is 409, and the first password stays', async () => {
    const email = freshEmail();
    const inv = await created({ email, name: 'Once', role: 'secretariat' });
    expect((await accept({ token: inv.acceptToken, password: GOOD_PASSWORD })).statusCode).toBe(201);
    const again = await accept({ token: inv.acceptToken, password: 'another long passphrase' });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json().code).toBe('invalid_state');
    expect((await login(email, 'another long passphrase')).statusCode).toBe(401);
    expect((await login(email, GOOD_PASSWORD)).statusCode).toBe(200);
  });

  it('lets only one of two simultaneous accepts through', async () => {
    const email = freshEmail();
    const inv = await created({ email, name: 'Racer', role: 'secretariat' });
    const results = await Promise.all([
      accept({ token: inv.acceptToken, password: 'first long passphrase' }),
      accept({ token: inv.acceptToken, password: 'second long passphrase' }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const list = await t.app.inject({
      method: 'GET',
      url: `/api/v1/users?q=${encodeURIComponent(email)}`,
      headers: admin.headers,
    });
    expect(list.json().items).toHaveLength(1);
  });

  it('refuses an expired invitation with 409 and creates no user', async () => {
    const email = freshEmail();
    const inv = await created({ email, name: 'Late', role: 'secretariat' });
    await t.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(invitations.id, inv.id));
    const res = await accept({ token: inv.acceptToken, password: GOOD_PASSWORD });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('invalid_state');
    expect((await login(email, GOOD_PASSWORD)).statusCode).toBe(401);
    const list = await t.app.inject({
      method: 'GET',
      url: `/api/v1/users?q=${encodeURIComponent(email)}`,
      headers: admin.headers,
    });
    expect(list.json().items).toHaveLength(0);
  });

  it('answers 404 for an unknown token', async () => {
    const res = await accept({ token: `inv_${randomBytes(32).toString('base64url')}`, password: GOOD_PASSWORD });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('not_found');
  });

  it('answers 409 when the e-mail got an account in the meantime', async () => {
    const email = freshEmail();
    const inv = await created({ email, name: 'Raced', role: 'secretariat' });
    await createUser(t, { role: 'secretariat', email });
    const res = await accept({ token: inv.acceptToken, password: GOOD_PASSWORD });
    expect(res.statusCode).toBe(409);
    expect((await login(email, GOOD_PASSWORD)).statusCode).toBe(401);
  });

  it('refuses a malformed body with 400', async () => {
    const inv = await created({ email: freshEmail(), name: 'Body', role: 'secretariat' });
    for (const payload of [
      { password: GOOD_PASSWORD },
      { token: inv.acceptToken },
      { token: inv.acceptToken, password: GOOD_PASSWORD, role: 'secretariat' },
    ]) {
      expect((await accept(payload)).statusCode, JSON.stringify(Object.keys(payload))).toBe(400);
    }
    // The invitation is still usable.
    expect((await accept({ token: inv.acceptToken, password: GOOD_PASSWORD })).statusCode).toBe(201);
  });
});
