import { eq } from 'drizzle-orm';
import { users } from '../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  createUser,
  type TestUser,
  unique,
} from './helpers/factories.js';
import { pageSizes } from './helpers/http.js';
import { userRequests, type UserPage } from './helpers/users-api.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { list, patch, walk } = userRequests(() => ({ t, admin }));

describe('The secretariat finds users, filtered and paged (GET /users)', () => {
  it('lists users for the secretariat, without password hashes', async () => {
    const official = await createCityOfficial(t);
    const res = await list(`q=${encodeURIComponent(official.email)}`);
    expect(res.statusCode).toBe(200);
    const page = res.json<UserPage>();
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
    const reviewers = (await list('role=network_reviewer&limit=500')).json<UserPage>().items;
    expect(reviewers).toHaveLength(await t.db.$count(users, eq(users.role, 'network_reviewer')));
    expect(reviewers.every((u) => u.role === 'network_reviewer')).toBe(true);
    expect(reviewers.map((u) => u.id)).toContain(reviewer.id);
    expect(reviewers.map((u) => u.id)).not.toContain(official.id);
    const officials = (await list('role=city_official&limit=500')).json<UserPage>().items;
    expect(officials.every((u) => u.role === 'city_official')).toBe(true);
    expect(officials.map((u) => u.id)).toContain(official.id);
    expect((await list('role=king')).statusCode).toBe(400);
  });

  it('filters by active', async () => {
    const kept = await createCityOfficial(t);
    const gone = await createCityOfficial(t);
    expect((await patch(gone.id, { active: false })).statusCode).toBe(200);
    const inactive = (await list('active=false&limit=500')).json<UserPage>().items;
    expect(inactive.every((u) => u.active === false)).toBe(true);
    expect(inactive.map((u) => u.id)).toContain(gone.id);
    expect(inactive.map((u) => u.id)).not.toContain(kept.id);
    const active = (await list('active=true&limit=500')).json<UserPage>().items;
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
      .json<UserPage>()
      .items.map((u) => u.id);
    expect(ids.sort()).toEqual([byName.id, byEmail.id].sort());
    expect(ids).not.toContain(other.id);
    // '%' and '_' are not wildcards: they match only themselves.
    const percent = (await list('q=%25&limit=500')).json<UserPage>().items.map((u) => u.id);
    expect(percent).not.toContain(other.id);
    const underscore = (await list('q=_&limit=500')).json<UserPage>().items.map((u) => u.id);
    expect(underscore).not.toContain(other.id);
  });

  it('combines the filters', async () => {
    const marker = unique('combo');
    const cityId = (await createCity(t)).id;
    const official = await createUser(t, { role: 'city_official', cityId, name: `Official ${marker}` });
    const secretariat = await createUser(t, { role: 'secretariat', name: `Staff ${marker}` });
    const ids = (await list(`q=${marker}&role=city_official&active=true`)).json<UserPage>().items.map((u) => u.id);
    expect(ids).toEqual([official.id]);
    expect(ids).not.toContain(secretariat.id);
  });

  it('pages with a cursor: limit=1 walks every user once, and the last page has nextCursor null', async () => {
    const marker = unique('page');
    const made: string[] = [];
    for (let i = 0; i < 4; i++)
      made.push((await createUser(t, { role: 'secretariat', name: `Paged ${marker} ${i}` })).id);

    const filtered = await walk(`q=${marker}`, 1);
    expect(filtered.sizes).toEqual([1, 1, 1, 1]);
    expect(filtered.ids).toHaveLength(made.length);
    expect(new Set(filtered.ids).size).toBe(made.length);
    expect([...filtered.ids].sort()).toEqual([...made].sort());

    const all = (await list('limit=500')).json<UserPage>();
    expect(all.nextCursor).toBeNull();
    const walked = await walk('', 1);
    expect(new Set(walked.ids).size).toBe(walked.ids.length);
    expect(walked.ids).toEqual(all.items.map((u) => u.id));
    expect(walked.pages).toBe(all.items.length);
    expect(walked.sizes).toEqual(pageSizes(all.items.length, 1));

    const byTwo = await walk('', 2);
    expect(byTwo.ids).toEqual(walked.ids);
    expect(byTwo.sizes).toEqual(pageSizes(all.items.length, 2));
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
