import { and, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { pledgeVersions } from '../../src/db/schema/index.js';
import type { TestApp } from './app.js';
import { type TestUser, unique } from './factories.js';
import { apiCaller } from './http.js';

export const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
export const newSlug = () => unique('pl-').toLowerCase();
export const areaBody = (key: string, extra: Record<string, unknown> = {}) => ({
  key,
  title: { en: `Title ${key}` },
  description: { en: `Description ${key}` },
  ...extra,
});
/** The reason given for every publication with an override. */
export const reason = 'Presented in plenary as agreed by the board.';

export interface PledgeJson {
  id: string;
  slug: string;
  status: string;
  publishedVersion: number | null;
  requireMandateDocument: boolean;
  title: Record<string, string>;
  versions: Array<{ number: number; status: string; contentHash: string | null }>;
}

/**
 * The requests a pledge's editors make through the API: the secretariat drafts, opens rounds and
 * publishes; `reviewer` (of MMC) gives the verdicts. `session()` is read at call time.
 */
export function pledgeRequests(session: () => { t: TestApp; secretariat: TestUser; reviewer?: TestUser }) {
  const call = apiCaller(() => session().t);
  const secretariat = () => session().secretariat;

  /** A pledge made through the API, with `areas` areas on its draft version 1. */
  async function newPledge(areas: string[] = []): Promise<PledgeJson> {
    const res = await call('POST', '/pledges', secretariat(), { slug: newSlug(), title: { en: 'Test pledge' } });
    expect(res.statusCode, res.body).toBe(201);
    const pledge = res.json() as PledgeJson;
    for (const key of areas) {
      const added = await call('POST', `/pledges/${pledge.id}/versions/1/areas`, secretariat(), areaBody(key));
      expect(added.statusCode, added.body).toBe(201);
    }
    return pledge;
  }

  async function newVersion(pledgeId: string, from?: number): Promise<number> {
    const res = await call('POST', `/pledges/${pledgeId}/versions`, secretariat(), from === undefined ? {} : { from });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().number as number;
  }

  async function publish(pledgeId: string, n: number, override = true) {
    return call(
      'POST',
      `/pledges/${pledgeId}/versions/${n}/publish`,
      secretariat(),
      override ? { override: { reason } } : {},
    );
  }

  async function openRound(pledgeId: string, n: number, networks = ['MMC']) {
    const res = await call('POST', `/pledges/${pledgeId}/versions/${n}/rounds`, secretariat(), {
      deadline: inFuture(20),
      networks,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  }

  /** Closes a round of MMC alone: after MMC's verdict, or forced when `verdict` is null. */
  async function closeWith(roundId: string, verdict: 'approve' | 'request_changes' | null) {
    if (verdict) {
      const reviewer = session().reviewer;
      if (!reviewer) throw new Error('a verdict needs the session to have an MMC reviewer');
      const v = await call('PUT', `/rounds/${roundId}/reviews/MMC`, reviewer, { verdict });
      expect(v.statusCode, v.body).toBe(200);
    }
    const closed = await call('POST', `/rounds/${roundId}/close`, secretariat(), { force: verdict === null });
    expect(closed.statusCode, closed.body).toBe(200);
  }

  async function versionRow(pledgeId: string, n: number) {
    const [row] = await session()
      .t.db.select()
      .from(pledgeVersions)
      .where(and(eq(pledgeVersions.pledgeId, pledgeId), eq(pledgeVersions.number, n)));
    if (!row) throw new Error(`no version ${n}`);
    return row;
  }

  async function auditActions(entityId: string): Promise<Array<{ action: string; summary: Record<string, unknown> }>> {
    const res = await call('GET', `/audit?entityId=${entityId}&limit=500`, secretariat());
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items;
  }

  return { call, newPledge, newVersion, publish, openRound, closeWith, versionRow, auditActions };
}
