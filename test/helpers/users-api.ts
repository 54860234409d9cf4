import { expect } from 'vitest';
import type { TestApp } from './app.js';
import type { TestUser } from './factories.js';
import type { Page } from './http.js';

export interface UserBody {
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
export type UserPage = Page<UserBody>;
export interface UserAuditEvent {
  action: string;
  entityType: string;
  entityId: string;
  actor: { id: string | null; role: string };
  summary: { before?: Record<string, unknown>; after?: Record<string, unknown> };
}

/** The /users requests of a test file, as the secretariat user `admin` unless told otherwise. */
export function userRequests(session: () => { t: TestApp; admin: TestUser }) {
  function list(query: string, as: TestUser = session().admin) {
    return session().t.app.inject({
      method: 'GET',
      url: `/api/v1/users${query ? `?${query}` : ''}`,
      headers: as.headers,
    });
  }

  function patch(id: string, payload: Record<string, unknown>, as: TestUser = session().admin) {
    return session().t.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: as.headers, payload });
  }

  /** The update events of a user, newest first (creation events left out). */
  async function changeEvents(userId: string): Promise<UserAuditEvent[]> {
    const res = await session().t.app.inject({
      method: 'GET',
      url: `/api/v1/audit?entityId=${userId}&limit=500`,
      headers: session().admin.headers,
    });
    expect(res.statusCode).toBe(200);
    return (res.json().items as UserAuditEvent[]).filter(
      (e) => e.action === 'user.updated' || e.action === 'user.deactivated',
    );
  }

  /** Walks a list page by page; fails on a page that repeats an id. */
  async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number; sizes: number[] }> {
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = [query, `limit=${limit}`, cursor ? `cursor=${encodeURIComponent(cursor)}` : '']
        .filter(Boolean)
        .join('&');
      const res = await list(qs);
      expect(res.statusCode).toBe(200);
      const page = res.json<UserPage>();
      sizes.push(page.items.length);
      for (const u of page.items) {
        expect(ids, 'an id came back on a later page').not.toContain(u.id);
        ids.push(u.id);
      }
      cursor = page.nextCursor;
      if (sizes.length >= 1_000) throw new Error('the cursor never ends');
    } while (cursor !== null);
    return { ids, pages: sizes.length, sizes };
  }

  return { list, patch, changeEvents, walk };
}
