import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { createCity, createCityOfficial, type TestUser } from './factories.js';
import type { createPublishedPledge } from './pledge-factories.js';

export type Body = Record<string, unknown>;
export type PublishedPledge = Awaited<ReturnType<typeof createPublishedPledge>>;
export const api = (path: string) => `/api/v1${path}`;
export const signatory = { name: 'Ana Ruiz', title: 'Mayor' };

/** The ids of a list answer, sorted. */
export const ids = (res: { json: () => { items: Array<{ id: string }> } }) =>
  res
    .json()
    .items.map((i) => i.id)
    .sort();

export interface Endorsed {
  id: string;
  cityId: string;
  pledgeId: string;
  areaKeys: string[];
  versionNumber: number;
  createdAt: string;
}

/**
 * The requests of a city endorsing a pledge and of the secretariat deciding on it.
 * `session()` is read at call time, so this can be set up before beforeAll has run.
 */
export function endorsementRequests(session: () => { t: TestApp; secretariat: TestUser }) {
  const inject = () => session().t.app;

  function endorse(u: TestUser | undefined, slug: string, body: Body = {}) {
    return inject().inject({
      method: 'POST',
      url: api(`/pledges/${slug}/endorsements`),
      headers: u?.headers ?? {},
      payload: { versionNumber: 1, scope: 'whole', signatory, language: 'en', ...body },
    });
  }
  const get = (u: TestUser | undefined, path: string) =>
    inject().inject({ method: 'GET', url: api(path), headers: u?.headers ?? {} });
  const post = (u: TestUser, path: string, payload: Body) =>
    inject().inject({ method: 'POST', url: api(path), headers: u.headers, payload });
  const patch = (u: TestUser, path: string, payload: Body) =>
    inject().inject({ method: 'PATCH', url: api(path), headers: u.headers, payload });
  const decide = (u: TestUser, id: string, decision: string, note?: string) =>
    post(u, `/endorsements/${id}/decision`, { decision, ...(note ? { note } : {}) });

  /** Endorses and insists on a 201. */
  async function endorsed(u: TestUser, slug: string, body: Body = {}) {
    const res = await endorse(u, slug, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Endorsed;
  }

  /** The secretariat's decision, insisting on a 200 (a rejection gets a note unless one is given). */
  async function decided(id: string, decision: 'verified' | 'rejected', note?: string) {
    const res = await decide(
      session().secretariat,
      id,
      decision,
      note ?? (decision === 'rejected' ? 'Not the mayor.' : undefined),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe(decision);
  }

  async function withdrawn(u: TestUser, id: string) {
    const res = await post(u, `/endorsements/${id}/withdraw`, { reason: 'New council.' });
    expect(res.statusCode, res.body).toBe(200);
  }

  /** A city in MMC with an official and a submitted endorsement of `slug`. */
  async function endorsingCity(slug: string, body: Body = {}) {
    const city = await createCity(session().t, { networks: ['MMC'] });
    const official = await createCityOfficial(session().t, city.id);
    const e = await endorsed(official, slug, body);
    return { official, cityId: city.id, id: e.id };
  }

  return { endorse, get, post, patch, decide, endorsed, decided, withdrawn, endorsingCity };
}
