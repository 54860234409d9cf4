import { expect } from 'vitest';
import { auditEvents } from '../../src/db/schema/index.js';
import type { TestApp } from './app.js';
import { type TestUser, unique } from './factories.js';

export interface AuditEvent {
  id: string;
  seq: number;
  at: string;
  actor: { id: string | null; role: string };
  action: string;
  entityType: string;
  entityId: string | null;
  summary: Record<string, unknown> & { before?: Record<string, unknown>; after?: Record<string, unknown> };
  requestId: string | null;
  prevHash: string;
  hash: string;
}
export interface AuditPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

export function getAudit(app: TestApp, user: TestUser, query: Record<string, string | number> = {}) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return app.app.inject({ method: 'GET', url: `/api/v1/audit${qs ? `?${qs}` : ''}`, headers: user.headers });
}

/**
 * Reading and checking the audit log, on the file's app `t` as its secretariat user `admin`
 * unless another app and user are given. `session()` is read at call time.
 */
export function auditRequests(session: () => { t: TestApp; admin: TestUser }) {
  async function auditPage(
    query: Record<string, string | number> = {},
    app = session().t,
    user = session().admin,
  ): Promise<AuditPage> {
    const res = await getAudit(app, user, query);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as AuditPage;
  }

  /** Every event matching the filters, newest first, following the cursors. */
  async function allEvents(
    query: Record<string, string | number> = {},
    app = session().t,
    user = session().admin,
  ): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    let cursor: string | null = null;
    do {
      const page: AuditPage = await auditPage({ ...query, limit: 500, ...(cursor ? { cursor } : {}) }, app, user);
      events.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return events;
  }

  async function verify(app = session().t, user = session().admin) {
    const res = await app.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: user.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { ok: boolean; checked: number; firstBadEventId: string | null; reason?: string | null };
  }

  const eventCount = (app = session().t) => app.db.$count(auditEvents);

  /** POST /cities with a fresh name, as `user` (the secretariat by default). */
  async function postCity(
    payload: Record<string, unknown>,
    headers: Record<string, string> = {},
    user = session().admin,
  ) {
    return session().t.app.inject({
      method: 'POST',
      url: '/api/v1/cities',
      headers: { ...user.headers, ...headers },
      payload: { name: unique('Audit City '), country: 'EC', kind: 'city', ...payload },
    });
  }

  return { auditPage, allEvents, verify, eventCount, postCity };
}
