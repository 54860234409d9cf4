import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageArray } from '../src/lib/pagination.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

describe('pageArray', () => {
  const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));
  it('walks every item once with limit and cursor', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = pageArray(items, { limit: 2, cursor }, (i) => i.id);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pageArray(items, { limit: 5 }, (i) => i.id).nextCursor).toBeNull();
  });
  it('refuses a cursor it did not give out', () => {
    expect(() => pageArray(items, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' }, (i) => i.id)).toThrow();
  });
});

describe('small lists take limit and cursor too', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('GET /pledges?limit=1 pages through the pledges', async () => {
    const admin = await createSecretariat(t);
    await createPublishedPledge(t);
    await createPublishedPledge(t);
    const first = await t.app.inject({ method: 'GET', url: '/api/v1/pledges?limit=1', headers: admin.headers });
    expect(first.json().items).toHaveLength(1);
    expect(first.json().nextCursor).toEqual(expect.any(String));
    const second = await t.app.inject({
      method: 'GET',
      url: `/api/v1/pledges?limit=1&cursor=${first.json().nextCursor}`,
      headers: admin.headers,
    });
    expect(second.json().items[0].id).not.toBe(first.json().items[0].id);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/pledges?limit=1&cursor=garbage', headers: admin.headers }))
        .statusCode,
    ).toBe(400);
  });
});
