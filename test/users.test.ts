import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

interface UserBody {
  id: string;
  email: string;
  name: string;
  role: string;
  cityId: string | null;
  networkId: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}
interface Page {
  items: UserBody[];
  nextCursor: string | null;
}
interface AuditEvent {
  action: string;
  entityType: string;
  entityId: string;
  actor: { id: string | null; role: string };
  summary: { before?: Record<string, unknown>; after?: Record<string, unknown> };
}

function list(query: string, as: TestUser = admin) {
  return t.app.inject({ method: 'GET', url: `/api/v1/users${query ? `?${query}` : ''}`, headers: as.headers });
}

function patch(id: string, payload: Record<string, unknown>, as: TestUser = admin) {
  return t.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: as.headers, payload });
}

/** The update events of a user, newest first (creation events left out). */
async function changeEvents(userId: string): Promise<AuditEvent[]> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/audit?entityId=${userId}&limit=500`,
    headers: admin.headers,
  });
  expect(res.statusCode).toBe(200);
  return (res.json().items as AuditEvent[]).filter(
    (e) => e.action === 'user.updated' || e.action === 'user.deactivated',
  );
}

/** Walks a list page by page; fails on a page that repeats an id. */
async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const qs: string = [query, `limit=${limit}`, cursor ? `cursor=${encodeURIComponent(cursor)}` : '']
      .filter(Boolean)
      .join('&');
    const res = await list(qs);
    expect(res.statusCode).toBe(200);
    const page = res.json<Page>();
    expect(page.items.length).toBeLessThanOrEqual(limit);
    for (const u of page.items) {
      expect(ids, 'an id came back on a later page').not.toContain(u.id);
      ids.push(u.id);
    }
    cursor = page.nextCursor;
    pages++;
    expect(pages).toBeLessThan(1_000);
  } while (cursor !== null);
  return { ids, pages };
}

describe('GET /users', () => {
  it('lists users for the secretariat, without password hashes', async () => {
    const official = await createCityOfficial(t);
    const res = await list(`q=${encodeURIComponent(official.email)}`);
    expect(res.statusCode).toBe(200);
    const page = res.json<Page>();
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      id: official.id,
      email: official.email,
      role: 'city_official',
      cityId: official.cityId,
      networkId: null,
      active: true,
    });
    expect(Object.keys(page.items[0]!).sort()).toEqual([
      'active',
      'cityId',
      'createdAt',
      'email',
      'id',
      'name',
      'networkId',
      'role',
      'updatedAt',
    ]);
    expect(res.body).not.toContain('$argon2');
  });

  it('is the secretariat only: 403 for a city official and a reviewer, 401 anonymous', async () => {
    for (const user of [await createCityOfficial(t), await createReviewer(t)]) {
      const res = await list('', user);
      expect(res.statusCode, user.role).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('forbidden');
    }
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/users' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('filters by role', async () => {
    const reviewer = await createReviewer(t);
    const official = await createCityOfficial(t);
    const reviewers = (await list('role=network_reviewer&limit=500')).json<Page>().items;
    expect(reviewers.length).toBeGreaterThan(0);
    expect(reviewers.every((u) => u.role === 'network_reviewer')).toBe(true);
    expect(reviewers.map((u) => u.id)).toContain(reviewer.id);
    expect(reviewers.map((u) => u.id)).not.toContain(official.id);
    const officials = (await list('role=city_official&limit=500')).json<Page>().items;
    expect(officials.every((u) => u.role === 'city_official')).toBe(true);
    expect(officials.map((u) => u.id)).toContain(official.id);
    expect((await list('role=king')).statusCode).toBe(400);
  });

  it('filters by active', async () => {
    const kept = await createCityOfficial(t);
    const gone = await createCityOfficial(t);
    expect((await patch(gone.id, { active: false })).statusCode).toBe(200);
    const inactive = (await list('active=false&limit=500')).json<Page>().items;
    expect(inactive.every((u) => u.active === false)).toBe(true);
    expect(inactive.map((u) => u.id)).toContain(gone.id);
    expect(inactive.map((u) => u.id)).not.toContain(kept.id);
    const active = (await list('active=true&limit=500')).json<Page>().items;
    expect(active.every((u) => u.active === true)).toBe(true);
    expect(active.map((u) => u.id)).toContain(kept.id);
    expect(active.map((u) => u.id)).not.toContain(gone.id);
    expect((await list('active=maybe')).statusCode).toBe(400);
  });

  it('filters by q on name and e-mail, case-insensitively, with wildcards taken literally', async () => {
    const marker = unique('Zq');
    const byName = await createUser(t, { role: 'secretariat', name: `Ana ${marker} Pérez` });
    const byEmail = await createUser(t, { role: 'secretariat', email: `${marker.toLowerCase()}@example.org` });
    const other = await createSecretariat(t);
    const ids = (await list(`q=${encodeURIComponent(marker.toUpperCase())}&limit=500`))
      .json<Page>()
      .items.map((u) => u.id);
    expect(ids.sort()).toEqual([byName.id, byEmail.id].sort());
    expect(ids).not.toContain(other.id);
    // '%' and '_' are not wildcards: they match only themselves.
    const percent = (await list('q=%25&limit=500')).json<Page>().items.map((u) => u.id);
    expect(percent).not.toContain(other.id);
    const underscore = (await list('q=_&limit=500')).json<Page>().items.map((u) => u.id);
    expect(underscore).not.toContain(other.id);
  });

  it('combines the filters', async () => {
    const marker = unique('combo');
    const cityId = (await createCity(t)).id;
    const official = await createUser(t, { role: 'city_official', cityId, name: `Official ${marker}` });
    const secretariat = await createUser(t, { role: 'secretariat', name: `Staff ${marker}` });
    const ids = (await list(`q=${marker}&role=city_official&active=true`)).json<Page>().items.map((u) => u.id);
    expect(ids).toEqual([official.id]);
    expect(ids).not.toContain(secretariat.id);
  });

  it('pages with a cursor: limit=1 walks every user once, and the last page has nextCursor null', async () => {
    const marker = unique('page');
    const made: string[] = [];
    for (let i = 0; i < 4; i++)
      made.push((await createUser(t, { role: 'secretariat', name: `Paged ${marker} ${i}` })).id);

    const filtered = await walk(`q=${marker}`, 1);
    expect(filtered.ids).toHaveLength(made.length);
    expect(new Set(filtered.ids).size).toBe(made.length);
    expect([...filtered.ids].sort()).toEqual([...made].sort());

    const all = (await list('limit=500')).json<Page>();
    expect(all.nextCursor).toBeNull();
    const walked = await walk('', 1);
    expect(new Set(walked.ids).size).toBe(walked.ids.length);
    expect(walked.ids).toEqual(all.items.map((u) => u.id));
    expect(walked.pages).toBe(all.items.length);

    const byTwo = await walk('', 2);
    expect(byTwo.ids).toEqual(walked.ids);
  });

  it('refuses an invalid cursor or limit with 400', async () => {
    const shapes = [
      'not-a-cursor',
      Buffer.from('"just a string"').toString('base64url'),
      Buffer.from(JSON.stringify(['a@example.org', 'not-a-uuid'])).toString('base64url'),
      Buffer.from(JSON.stringify([1])).toString('base64url'),
    ];
    for (const cursor of shapes) {
      const res = await list(`cursor=${encodeURIComponent(cursor)}`);
      expect(res.statusCode, cursor).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('validation_failed');
    }
    for (const limit of ['0', '501', 'abc']) expect((await list(`limit=${limit}`)).statusCode, limit).toBe(400);
  });
});

describe('PATCH /users/:id', () => {
  it('changes a role together with the scope it needs', async () => {
    const user = await createCityOfficial(t);
    const mmc = await networkId(t, 'MMC');
    const res = await patch(user.id, { role: 'network_reviewer', networkId: mmc });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: user.id,
      role: 'network_reviewer',
      networkId: mmc,
      cityId: null,
      active: true,
    });
    expect(res.body).not.toContain('$argon2');
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: user.headers });
    expect(me.json()).toMatchObject({ role: 'network_reviewer', networkId: mmc, cityId: null });

    const cityId = (await createCity(t)).id;
    const back = await patch(user.id, { role: 'city_official', cityId });
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ role: 'city_official', cityId, networkId: null });

    const promoted = await patch(user.id, { role: 'secretariat' });
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json()).toMatchObject({ role: 'secretariat', cityId: null, networkId: null });
  });

  it('applies a new role to the tokens already issued, at once', async () => {
    const user = await createCityOfficial(t);
    expect((await list('', user)).statusCode).toBe(403);
    expect((await patch(user.id, { role: 'secretariat' })).statusCode).toBe(200);
    expect((await list('', user)).statusCode).toBe(200);
  });

  it('refuses a role without its scope, or with a scope that does not exist, with 400', async () => {
    const secretariat = await createSecretariat(t);
    const official = await createCityOfficial(t);
    const cases: Array<[string, Record<string, unknown>]> = [
      [secretariat.id, { role: 'city_official' }],
      [secretariat.id, { role: 'network_reviewer' }],
      [official.id, { role: 'network_reviewer' }],
      [official.id, { role: 'network_reviewer', networkId: null }],
      [secretariat.id, { role: 'city_official', cityId: randomUUID() }],
      [secretariat.id, { role: 'network_reviewer', networkId: randomUUID() }],
      [official.id, { cityId: null }],
      [secretariat.id, { role: 'city_official', networkId: await networkId(t, 'MMC') }],
    ];
    for (const [id, payload] of cases) {
      const res = await patch(id, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
    // Nothing changed.
    const rows = (await list(`role=city_official&q=${encodeURIComponent(official.email)}`)).json<Page>().items;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.cityId).toBe(official.cityId);
    expect(await changeEvents(secretariat.id)).toHaveLength(0);
    expect(await changeEvents(official.id)).toHaveLength(0);
  });

  it('refuses a malformed body or id with 400', async () => {
    const user = await createCityOfficial(t);
    for (const payload of [{}, { active: 'no' }, { role: 'king' }, { passwordHash: 'x' }]) {
      expect((await patch(user.id, payload)).statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await patch('not-a-uuid', { active: false })).statusCode).toBe(400);
  });

  it('answers 404 for an unknown user', async () => {
    const res = await patch(randomUUID(), { active: false });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('not_found');
  });

  it('does not let a secretariat deactivate itself or give up its own role (409)', async () => {
    const self = await createSecretariat(t);
    for (const payload of [{ active: false }, { role: 'city_official', cityId: (await createCity(t)).id }]) {
      const res = await patch(self.id, payload, self);
      expect(res.statusCode, JSON.stringify(payload)).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('conflict');
    }
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: self.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json().role).toBe('secretariat');
    expect(await changeEvents(self.id)).toHaveLength(0);
    // Another secretariat may.
    expect((await patch(self.id, { active: false })).statusCode).toBe(200);
  });

  it('is the secretariat only: 403 for a city official and a reviewer, 401 anonymous', async () => {
    const target = await createCityOfficial(t);
    for (const user of [await createCityOfficial(t), await createReviewer(t)]) {
      const res = await patch(target.id, { active: false }, user);
      expect(res.statusCode, user.role).toBe(403);
      expect(res.json().code).toBe('forbidden');
      // Not even on themselves.
      expect((await patch(user.id, { role: 'secretariat' }, user)).statusCode).toBe(403);
    }
    const anonymous = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${target.id}`,
      payload: { active: false },
    });
    expect(anonymous.statusCode).toBe(401);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: target.headers });
    expect(me.statusCode).toBe(200);
    expect(await changeEvents(target.id)).toHaveLength(0);
  });

  it('writes one audit event per change, with the actor and before/after', async () => {
    const user = await createCityOfficial(t);
    const mmc = await networkId(t, 'MMC');
    expect(await changeEvents(user.id)).toHaveLength(0);

    expect((await patch(user.id, { role: 'network_reviewer', networkId: mmc })).statusCode).toBe(200);
    let events = await changeEvents(user.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'user.updated',
      entityType: 'user',
      entityId: user.id,
      actor: { id: admin.id, role: 'secretariat' },
      summary: {
        before: { role: 'city_official', cityId: user.cityId, networkId: null, active: true },
        after: { role: 'network_reviewer', cityId: null, networkId: mmc, active: true },
      },
    });

    expect((await patch(user.id, { active: false })).statusCode).toBe(200);
    events = await changeEvents(user.id);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      action: 'user.deactivated',
      actor: { id: admin.id },
      summary: { before: { active: true }, after: { active: false } },
    });

    expect((await patch(user.id, { active: true })).statusCode).toBe(200);
    events = await changeEvents(user.id);
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      action: 'user.updated',
      summary: { before: { active: false }, after: { active: true } },
    });
    // The audit never carries the password hash.
    expect(JSON.stringify(events)).not.toContain('$argon2');
  });

  it('deactivation ends the sessions, and the user shows as inactive', async () => {
    const user = await createReviewer(t);
    const res = await patch(user.id, { active: false });
    expect(res.statusCode).toBe(200);
    expect(res.json().active).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: user.headers })).statusCode).toBe(401);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: user.password },
      remoteAddress: '10.200.0.1',
    });
    expect(login.statusCode).toBe(401);
  });
});
