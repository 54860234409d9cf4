import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  networkId,
  type TestUser,
} from './helpers/factories.js';
import { userRequests, type UserPage } from './helpers/users-api.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { list, patch, changeEvents } = userRequests(() => ({ t, admin }));

describe("The secretariat changes a user's role, scope and standing (PATCH /users/:id)", () => {
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
    const rows = (await list(`role=city_official&q=${encodeURIComponent(official.email)}`)).json<UserPage>().items;
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
