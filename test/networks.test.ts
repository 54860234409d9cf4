import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser, unique } from './helpers/factories.js';

interface Network {
  id: string;
  code: string;
  name: string;
}

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

/** A code that passes the format rule (letter first, 2–32 of letters, digits, "-", "_") and is new. */
const newCode = () => unique('N').replace(/[^A-Za-z0-9_-]/g, '_');

const postNetwork = (payload: unknown, headers: Record<string, string> = admin.headers) =>
  t.app.inject({ method: 'POST', url: '/api/v1/networks', headers, payload: payload as object });

const listNetworks = async (): Promise<Network[]> => {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/networks' });
  expect(res.statusCode).toBe(200);
  return res.json<Network[]>();
};

describe('GET /networks', () => {
  it('is public and lists the four partner networks of the first migration', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/networks' });
    expect(res.statusCode).toBe(200);
    const networks = res.json<Network[]>();
    const codes = networks.map((n) => n.code);
    expect(codes).toEqual(expect.arrayContaining(['MMC', 'Metropolis', 'UCLG', 'GPM']));
    for (const n of networks) {
      expect(n.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof n.name).toBe('string');
      expect(Object.keys(n).sort()).toEqual(['code', 'id', 'name']);
    }
    expect(networks.find((n) => n.code === 'UCLG')?.name).toBe('United Cities and Local Governments');
  });

  it('answers a signed-in caller the same way', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/networks', headers: admin.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json<Network[]>().map((n) => n.code)).toEqual(
      expect.arrayContaining(['MMC', 'Metropolis', 'UCLG', 'GPM']),
    );
  });
});

describe('POST /networks', () => {
  it('lets the secretariat add a network, which GET /networks then lists', async () => {
    const code = newCode();
    const res = await postNetwork({ code, name: '  Cities for Tomorrow  ' });
    expect(res.statusCode).toBe(201);
    const created = res.json<Network>();
    expect(created).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), code, name: 'Cities for Tomorrow' });
    const listed = (await listNetworks()).find((n) => n.code === code);
    expect(listed).toEqual(created);
  });

  it('writes a network.created audit event naming the secretariat user', async () => {
    const code = newCode();
    const created = (await postNetwork({ code, name: 'Audited network' })).json<Network>();
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/audit?entityType=network&entityId=${created.id}`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(200);
    const events = res.json<{
      items: Array<{
        action: string;
        entityId: string;
        actor: { id: string; role: string };
        summary: Record<string, unknown>;
      }>;
    }>().items;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'network.created',
      entityId: created.id,
      actor: { id: admin.id, role: 'secretariat' },
      summary: { after: { id: created.id, code, name: 'Audited network' } },
    });
  });

  it('refuses a city official and a network reviewer with 403, and creates nothing', async () => {
    const official = await createCityOfficial(t);
    const reviewer = await createReviewer(t, 'MMC');
    for (const user of [official, reviewer]) {
      const code = newCode();
      const res = await postNetwork({ code, name: 'Not allowed' }, user.headers);
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 403, code: 'forbidden' });
      expect((await listNetworks()).some((n) => n.code === code)).toBe(false);
    }
  });

  it('refuses a caller without a token (or with a bad one) with 401', async () => {
    const code = newCode();
    const none = await t.app.inject({ method: 'POST', url: '/api/v1/networks', payload: { code, name: 'Anonymous' } });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ status: 401, code: 'unauthenticated' });
    const bad = await postNetwork({ code, name: 'Anonymous' }, { authorization: 'Bearer not-a-token' });
    expect(bad.statusCode).toBe(401);
    expect((await listNetworks()).some((n) => n.code === code)).toBe(false);
  });

  it('answers 409 for a code that exists, in any case', async () => {
    const code = newCode();
    expect((await postNetwork({ code, name: 'First' })).statusCode).toBe(201);
    for (const again of [code, code.toLowerCase(), code.toUpperCase()]) {
      const res = await postNetwork({ code: again, name: 'Second' });
      expect(res.statusCode, again).toBe(409);
      expect(res.json()).toMatchObject({ status: 409, code: 'conflict' });
    }
    for (const seeded of ['MMC', 'mmc', 'metropolis', 'Uclg']) {
      expect((await postNetwork({ code: seeded, name: 'Clash' })).statusCode, seeded).toBe(409);
    }
    const same = (await listNetworks()).filter((n) => n.code.toLowerCase() === code.toLowerCase());
    expect(same).toHaveLength(1);
    expect(same[0]?.name).toBe('First');
  });

  it('answers 400 for a malformed code, naming the field', async () => {
    for (const code of ['', 'A', '1abc', '-abc', 'has space', 'dot.ted', 'ü-mlaut', 'x'.repeat(33)]) {
      const res = await postNetwork({ code, name: 'Bad code' });
      expect(res.statusCode, JSON.stringify(code)).toBe(400);
      const body = res.json<{ code: string; errors: Array<{ path: string }> }>();
      expect(body.code).toBe('validation_failed');
      expect(body.errors.map((e) => e.path)).toContain('code');
    }
  });

  it('accepts a code at the edges of the format (2 and 32 characters, "-" and "_")', async () => {
    // Each test file has a database of its own, and no other test here makes a two-letter code.
    const two = await postNetwork({ code: 'Q_', name: 'Two characters' });
    expect(two.statusCode).toBe(201);
    expect(two.json<Network>().code).toBe('Q_');
    const long = `L${newCode()}`.padEnd(32, 'x').slice(0, 32);
    const res = await postNetwork({ code: long, name: 'Thirty-two' });
    expect(res.statusCode).toBe(201);
    expect(res.json<Network>().code).toBe(long);
  });

  it('answers 400 for a missing or empty name, a missing code and unknown fields', async () => {
    const cases: Array<[unknown, string]> = [
      [{ code: newCode() }, 'name'],
      [{ code: newCode(), name: '   ' }, 'name'],
      [{ name: 'No code' }, 'code'],
    ];
    for (const [payload, field] of cases) {
      const res = await postNetwork(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json<{ errors: Array<{ path: string }> }>().errors.map((e) => e.path)).toContain(field);
    }
    const code = newCode();
    const extra = await postNetwork({ code, name: 'Extra', colour: 'blue' });
    expect(extra.statusCode).toBe(400);
    expect(JSON.stringify(extra.json().errors)).toContain('colour');
    expect((await listNetworks()).some((n) => n.code === code)).toBe(false);
  });
});
