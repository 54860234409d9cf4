import { and, eq, like } from 'drizzle-orm';
import { expect } from 'vitest';
import { mailOutbox, pledgeVersions } from '../../src/db/schema/index.js';
import type { TestApp } from './app.js';
import { createUser, type TestUser, unique } from './factories.js';
import { apiCaller } from './http.js';

export const HOUR = 3_600_000;
export const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

export interface Draft {
  id: string;
  slug: string;
}

export const openPath = (p: Draft, n = 1) => `/pledges/${p.id}/versions/${n}/rounds`;

/**
 * The requests of a validation round: the secretariat drafts a pledge and opens the round, the
 * networks' reviewers comment and give verdicts. `session()` is read at call time.
 */
export function roundRequests(session: () => { t: TestApp; secretariat: TestUser }) {
  const call = apiCaller(() => session().t);
  const secretariat = () => session().secretariat;

  /** A pledge whose draft version 1 has the given areas. */
  async function draftPledge(areas: string[] = ['governance', 'services']): Promise<Draft> {
    const res = await call('POST', '/pledges', secretariat(), {
      slug: unique('rd-').toLowerCase(),
      title: { en: 'Round test pledge' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const pledge = res.json() as Draft;
    for (const key of areas) {
      const added = await call('POST', `/pledges/${pledge.id}/versions/1/areas`, secretariat(), {
        key,
        title: { en: key },
        description: { en: `About ${key}` },
      });
      expect(added.statusCode, added.body).toBe(201);
    }
    return pledge;
  }

  async function openRound(p: Draft, networks: string[], deadline = inFuture(20)): Promise<string> {
    const res = await call('POST', openPath(p), secretariat(), { deadline, networks });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  }

  async function versionRow(pledgeId: string, n = 1) {
    const [row] = await session()
      .t.db.select()
      .from(pledgeVersions)
      .where(and(eq(pledgeVersions.pledgeId, pledgeId), eq(pledgeVersions.number, n)));
    if (!row) throw new Error(`no version ${n}`);
    return row;
  }

  async function auditOf(entityId: string): Promise<Array<{ action: string; summary: Record<string, unknown> }>> {
    const res = await call('GET', `/audit?entityId=${entityId}&limit=500`, secretariat());
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items;
  }

  /** Outbox rows of one round of one kind (opened, verdict, reminder, closed). */
  async function mailsOf(roundId: string, kind: 'opened' | 'verdict' | 'reminder' | 'closed') {
    return session()
      .t.db.select()
      .from(mailOutbox)
      .where(like(mailOutbox.dedupeKey, `round:${roundId}:${kind}:%`));
  }

  const verdict = (roundId: string, who: TestUser, code: string, v: 'approve' | 'request_changes', summary?: string) =>
    call('PUT', `/rounds/${roundId}/reviews/${code}`, who, { verdict: v, ...(summary ? { summary } : {}) });

  const comment = (roundId: string, who: TestUser | null, body: object) =>
    call('POST', `/rounds/${roundId}/comments`, who, body);

  /** A network of its own (fresh code), so mail counts are not disturbed by other tests. */
  async function newNetwork(): Promise<string> {
    const code = unique('N').replace(/[^A-Za-z0-9]/g, '');
    const res = await call('POST', '/networks', secretariat(), { code, name: `Network ${code}` });
    expect(res.statusCode, res.body).toBe(201);
    return code;
  }

  async function reviewerOf(code: string): Promise<TestUser> {
    const list = (await call('GET', '/networks', null)).json() as Array<{ id: string; code: string }>;
    const network = list.find((n) => n.code === code);
    if (!network) throw new Error(`network ${code} missing`);
    return createUser(session().t, { role: 'network_reviewer', networkId: network.id });
  }

  async function deactivate(user: TestUser) {
    const res = await call('PATCH', `/users/${user.id}`, secretariat(), { active: false });
    expect(res.statusCode, res.body).toBe(200);
  }

  return {
    call,
    draftPledge,
    openRound,
    versionRow,
    auditOf,
    mailsOf,
    verdict,
    comment,
    newNetwork,
    reviewerOf,
    deactivate,
  };
}
