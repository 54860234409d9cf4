import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, invitations, mailOutbox, users } from '../src/db/schema/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
  unique,
} from './helpers/factories.js';
import { createInvitation, listPendingInvitations } from '../src/modules/auth/index.js';
import { errorSummary, fieldError, h1Of, inputValue, textOf, WebClient } from './helpers/web.js';
import { secretariatContext, signedInAs } from './helpers/web-city.js';

// The secretariat's users and invitations over app.inject: only the secretariat opens them; the
// invitation form calls the invitation service (its rules, audit event and mail in the chosen
// language) and says its problems beside each field with the answers kept; deactivating asks for
// a confirmation, writes the audit event, ends the person's sessions, and is refused for oneself.

let t: TestApp;
let staff: TestUser;
let browser: WebClient;

beforeAll(async () => {
  t = await buildTestApp();
  staff = await createSecretariat(t);
  browser = await signedInAs(t, staff);
});
afterAll(async () => t.close());

const adminPaths = ['/secretariat/users', '/secretariat/cities', '/secretariat/networks', '/secretariat/audit'];

async function latestEvent(action: string, entityId: string) {
  const [event] = await t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), eq(auditEvents.entityId, entityId)))
    .orderBy(desc(auditEvents.seq));
  return event;
}

describe('who may open the console’s administration', () => {
  it('sends a visitor to sign in, and back afterwards', async () => {
    const visitor = new WebClient(() => t.app);
    for (const path of [...adminPaths, '/secretariat/users/invite', '/secretariat/cities/import']) {
      const res = await visitor.get(path);
      expect(res.statusCode, path).toBe(303);
      expect(res.headers.location).toBe(`/sign-in?notice=sign-in-needed&next=${encodeURIComponent(path)}`);
    }
  });

  it('is the 404 page for a city official and a network reviewer, for pages and forms alike', async () => {
    for (const person of [await createCityOfficial(t), await createReviewer(t)]) {
      const client = await signedInAs(t, person);
      for (const path of [...adminPaths, `/secretariat/users/${staff.id}/active`, '/secretariat/networks/MMC']) {
        const res = await client.get(path);
        expect(res.statusCode, `${person.role} ${path}`).toBe(404);
        expect(h1Of(res.body)).toBe('Page not found');
      }
      const form = await client.get('/account');
      const deactivate = await client.post(
        `/secretariat/users/${staff.id}/active`,
        { active: 'false' },
        { csrfFrom: form },
      );
      expect(deactivate.statusCode).toBe(404);
      const invite = await client.post(
        '/secretariat/users/invite',
        { email: `${unique('x-')}@example.org`, name: 'X', role: 'secretariat', language: 'en' },
        { csrfFrom: form },
      );
      expect(invite.statusCode).toBe(404);
    }
    expect((await t.db.select().from(users).where(eq(users.id, staff.id)))[0]!.active).toBe(true);
  });
});

describe('the list of accounts', () => {
  it('shows name, email, role, city and status, filtered by role, and never a password hash', async () => {
    const city = await createCity(t, { name: unique('Listville ') });
    const official = await createCityOfficial(t, city.id);
    const page = await browser.get('/secretariat/users?role=city_official');
    expect(page.statusCode).toBe(200);
    expect(h1Of(page.body)).toBe('Users and invitations');
    const text = textOf(page.body);
    expect(text).toContain(official.email);
    expect(text).toContain(`${official.email} City official ${city.name} (EC) ✓ Active Deactivate`);
    expect(text).not.toContain(staff.email);
    expect(page.body).not.toMatch(/\$argon2|\$2[aby]\$|\$scrypt/);
    expect(page.body).toContain('aria-current="page">Users</a>');
    const bad = await browser.get('/secretariat/users?role=mayor');
    expect(bad.statusCode).toBe(400);
    expect(errorSummary(bad.body)).toEqual([['role', 'Choose one of the roles listed']]);
  });
});

describe('inviting someone', () => {
  it('keeps the answers and says each problem beside its field', async () => {
    const form = await browser.get('/secretariat/users/invite');
    expect(h1Of(form.body)).toBe('Invite someone');
    const res = await browser.post(
      '/secretariat/users/invite',
      { email: 'not an address', name: 'Ana Torres', language: 'es' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([
      ['email', 'Enter an email address, such as name@example.org'],
      ['role', 'Choose the person’s role'],
    ]);
    expect(fieldError(res.body, 'email')).toBe('Enter an email address, such as name@example.org');
    expect(inputValue(res.body, 'email')).toBe('not an address');
    expect(inputValue(res.body, 'name')).toBe('Ana Torres');
    expect(res.body).toMatch(/<option value="es" selected lang="es">/);
  });

  it('asks for the city a city official acts for (the service’s rule), keeping the role', async () => {
    const form = await browser.get('/secretariat/users/invite');
    const email = `${unique('nocity-')}@example.org`;
    const res = await browser.post(
      '/secretariat/users/invite',
      { email, name: 'Ana', role: 'city_official', cityId: '', language: 'en' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([['cityId', 'Choose the city this official acts for']]);
    expect(res.body).toContain(
      'value="city_official" id="role-city_official" aria-describedby="role-city_official-hint" checked',
    );
    expect(await t.db.select().from(invitations).where(eq(invitations.email, email))).toEqual([]);
  });

  it('says in words that an address already has an account', async () => {
    const form = await browser.get('/secretariat/users/invite');
    const res = await browser.post(
      '/secretariat/users/invite',
      { email: staff.email.toUpperCase(), name: 'Again', role: 'secretariat', language: 'en' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(409);
    expect(errorSummary(res.body)).toEqual([['email', 'An account with this email address already exists']]);
  });

  it('sends the invitation in its language, lists it as pending, records it, and shows no token', async () => {
    const city = await createCity(t, { name: unique('Invitedville ') });
    const email = `${unique('invitee-')}@example.org`;
    const form = await browser.get('/secretariat/users/invite');
    expect(form.body).toContain(`<option value="${city.id}">${city.name} (EC)</option>`);
    const res = await browser.post(
      '/secretariat/users/invite',
      { email, name: 'Lucía León', role: 'city_official', cityId: city.id, networkId: '', language: 'es' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/secretariat/users?notice=invited');
    const [invitation] = await t.db.select().from(invitations).where(eq(invitations.email, email));
    expect(invitation).toMatchObject({ role: 'city_official', cityId: city.id, language: 'es', createdBy: staff.id });
    const [mail] = await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
    expect(mail!.subject).toBe('Su invitación a la plataforma Action Pledge');
    expect(await latestEvent('invitation.created', invitation!.id)).toMatchObject({ actorId: staff.id });

    const list = await browser.get(res.headers.location as string);
    const text = textOf(list.body);
    expect(text).toContain('The invitation has been sent by mail, in the language chosen.');
    expect(text).toContain(`Lucía León ${email} City official ${city.name} (EC) Español`);
    expect(list.body).not.toContain('inv_');
  });
});

describe('deactivating and reactivating an account', () => {
  it('asks first, then deactivates: audit event, the person’s session ends', async () => {
    const official = await createCityOfficial(t);
    const theirs = await signedInAs(t, official);
    const confirm = await browser.get(`/secretariat/users/${official.id}/active`);
    expect(confirm.statusCode).toBe(200);
    expect(h1Of(confirm.body)).toBe('Deactivate the account of Test city_official');
    expect(textOf(confirm.body)).toContain('Their sessions end at once');
    const res = await browser.post(
      `/secretariat/users/${official.id}/active`,
      { active: 'false' },
      { csrfFrom: confirm },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/secretariat/users?notice=deactivated');
    expect((await t.db.select().from(users).where(eq(users.id, official.id)))[0]!.active).toBe(false);
    const event = await latestEvent('user.deactivated', official.id);
    expect(event).toMatchObject({ actorId: staff.id, actorRole: 'secretariat' });
    expect(event!.summary).toMatchObject({ before: { active: true }, after: { active: false } });
    expect((await theirs.get('/city')).statusCode).toBe(303);

    const again = await browser.get(`/secretariat/users/${official.id}/active`);
    expect(h1Of(again.body)).toBe('Reactivate the account of Test city_official');
    const back = await browser.post(
      `/secretariat/users/${official.id}/active`,
      { active: 'true' },
      { csrfFrom: again },
    );
    expect(back.headers.location).toBe('/secretariat/users?notice=reactivated');
    expect((await t.db.select().from(users).where(eq(users.id, official.id)))[0]!.active).toBe(true);
  });

  it('refuses to deactivate one’s own account, in words, as the service does', async () => {
    const confirm = await browser.get(`/secretariat/users/${staff.id}/active`);
    const res = await browser.post(`/secretariat/users/${staff.id}/active`, { active: 'false' }, { csrfFrom: confirm });
    expect(res.statusCode).toBe(409);
    expect(errorSummary(res.body)).toEqual([
      ['confirm', 'You cannot deactivate your own account. Ask another member of the secretariat to do it.'],
    ]);
    expect((await t.db.select().from(users).where(eq(users.id, staff.id)))[0]!.active).toBe(true);
  });

  it('is the 404 page for an account that does not exist', async () => {
    expect((await browser.get('/secretariat/users/00000000-0000-4000-8000-000000000000/active')).statusCode).toBe(404);
    expect((await browser.get('/secretariat/users/not-an-id/active')).statusCode).toBe(404);
  });
});

describe('the pending invitations (the service the page lists)', () => {
  it('pages them newest first, without the accepted or expired ones, and only for the secretariat', async () => {
    const ctx = secretariatContext(t, staff);
    const emails = [1, 2, 3].map((i) => `${unique(`pending${i}-`)}@example.org`);
    for (const email of emails)
      await createInvitation(ctx, { config: t.config }, { email, name: 'P', role: 'secretariat' });
    const [expired] = emails;
    await t.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitations.email, expired!));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listPendingInvitations(ctx, { limit: 1, cursor });
      seen.push(...page.items.map((i) => i.email));
      expect(page.items[0]).not.toHaveProperty('tokenHash');
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.filter((e) => emails.includes(e))).toEqual([emails[2], emails[1]]);
    await expect(listPendingInvitations({ db: t.db, actor: { kind: 'anonymous' } }, { limit: 5 })).rejects.toThrow();
  });
});
