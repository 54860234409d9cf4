import { asc, eq, sql } from 'drizzle-orm';
import { auditEvents } from '../src/db/schema/index.js';
import { pgErrorCode } from '../src/lib/errors.js';
import { hashAuditEvent, verifyAuditChain } from '../src/modules/audit/audit.service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { auditRequests } from './helpers/audit-api.js';
import { createCity, createSecretariat, type TestUser } from './helpers/factories.js';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { allEvents, verify, eventCount, postCity } = auditRequests(() => ({ t, admin }));

const DISABLE_GUARD = sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete`;

describe('The hash chain vouches for an intact log (GET /audit/verify)', () => {
  it('answers ok with the number of events checked', async () => {
    const before = await eventCount();
    await postCity({});
    const result = await verify();
    expect(result).toMatchObject({ ok: true, firstBadEventId: null });
    expect(result.checked).toBe(await eventCount());
    expect(result.checked).toBe(before + 1);
  });

  it('answers ok with checked 0 on an empty log, and the service agrees with the route', async () => {
    const fresh = await buildTestApp();
    try {
      expect(await verifyAuditChain(fresh.system)).toEqual({
        ok: true,
        checked: 0,
        firstBadEventId: null,
        reason: null,
        breaks: null,
        pending: 0,
      });
      await createCity(fresh);
      await createCity(fresh);
      // A small batch size makes the verifier read the chain in several batches.
      expect(await verifyAuditChain(fresh.system, 1)).toEqual({
        ok: true,
        checked: 2,
        firstBadEventId: null,
        reason: null,
        breaks: null,
        pending: 0,
      });
    } finally {
      await fresh.close();
    }
  });

  it('the table refuses UPDATE and DELETE', async () => {
    const captured: unknown[] = [];
    const attempt = async (statement: ReturnType<typeof sql>) => {
      try {
        await t.db.execute(statement);
      } catch (err) {
        captured.push(err);
        return;
      }
      throw new Error('the statement was accepted');
    };
    await attempt(
      sql`UPDATE audit_events SET summary = '{"forged": true}'::jsonb WHERE seq = (SELECT max(seq) FROM audit_events)`,
    );
    await attempt(sql`DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)`);
    for (const err of captured) expect(pgErrorCode(err)).toBe('42501');
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('still verifies after 20 concurrent writes', async () => {
    const before = await eventCount();
    const responses = await Promise.all(Array.from({ length: 20 }, () => postCity({})));
    for (const res of responses) expect(res.statusCode, res.body).toBe(201);
    const result = await verify();
    expect(result).toMatchObject({ ok: true, firstBadEventId: null });
    expect(result.checked).toBe(before + 20);
    const ids = new Set(responses.map((r) => r.json().id as string));
    const events = (await allEvents({ entityType: 'city' })).filter((e) => ids.has(e.entityId!));
    expect(events).toHaveLength(20);
    expect(new Set(events.map((e) => e.prevHash)).size).toBe(20);
  });

  it('never reports tampering while events are being written', async () => {
    const writes = Array.from({ length: 20 }, () => postCity({}));
    const checks = Array.from({ length: 10 }, () => verify());
    const [results] = await Promise.all([Promise.all(checks), Promise.all(writes)]);
    for (const result of results) expect(result).toMatchObject({ ok: true, firstBadEventId: null });
  });
});

describe('Tampering with the log is detected', () => {
  /** A fresh database per scenario, with five events and the append-only guard switched off. */
  async function tamperable() {
    const app = await buildTestApp();
    const secretariat = await createSecretariat(app);
    for (let i = 0; i < 4; i++) await createCity(app);
    // Verifying seals the events into the chain first; read them afterwards, in chain order.
    const result = await verify(app, secretariat);
    const events = await app.db.select().from(auditEvents).orderBy(asc(auditEvents.chainSeq));
    // The secretariat user's creation and the four cities'.
    expect(events).toHaveLength(5);
    expect(result).toMatchObject({ ok: true, checked: events.length });
    await app.db.execute(DISABLE_GUARD);
    return { app, secretariat, events };
  }

  it('an edited summary: ok false, pointing at that event', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      const target = events[2]!;
      await app.db.execute(
        sql`UPDATE audit_events SET summary = jsonb_set(summary, '{after,name}', '"Forged"') WHERE id = ${target.id}`,
      );
      const result = await verify(app, secretariat);
      expect(result).toMatchObject({ ok: false, firstBadEventId: target.id, checked: 3 });
    } finally {
      await app.close();
    }
  });

  it('an edited actor: ok false, pointing at that event', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      const target = events[1]!;
      await app.db.execute(
        sql`UPDATE audit_events SET actor_id = ${secretariat.id}, actor_role = 'secretariat' WHERE id = ${target.id}`,
      );
      expect(await verify(app, secretariat)).toMatchObject({ ok: false, firstBadEventId: target.id });
    } finally {
      await app.close();
    }
  });

  it('an edit with a recomputed hash: ok false, pointing at the event after it', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      const target = events[1]!;
      const summary = { ...(target.summary as Record<string, unknown>), forged: true };
      const hash = hashAuditEvent({ ...target, prevHash: target.prevHash!, summary });
      await app.db.update(auditEvents).set({ summary, hash }).where(eq(auditEvents.id, target.id));
      expect(await verify(app, secretariat)).toMatchObject({ ok: false, firstBadEventId: events[2]!.id });
    } finally {
      await app.close();
    }
  });

  it('a deleted middle event: ok false, pointing at the event after it', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      await app.db.execute(sql`DELETE FROM audit_events WHERE id = ${events[2]!.id}`);
      const result = await verify(app, secretariat);
      expect(result).toMatchObject({ ok: false, firstBadEventId: events[3]!.id });
    } finally {
      await app.close();
    }
  });

  it('a deleted first event: ok false, pointing at the new first one', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      await app.db.execute(sql`DELETE FROM audit_events WHERE id = ${events[0]!.id}`);
      expect(await verify(app, secretariat)).toMatchObject({ ok: false, firstBadEventId: events[1]!.id });
    } finally {
      await app.close();
    }
  });

  it('a deleted newest event: ok false (the chain head no longer matches)', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      await app.db.execute(sql`DELETE FROM audit_events WHERE id = ${events[events.length - 1]!.id}`);
      const result = await verify(app, secretariat);
      expect(result.ok).toBe(false);
      expect(result.checked).toBe(events.length - 1);
    } finally {
      await app.close();
    }
  });

  it('an emptied table: ok false', async () => {
    const { app, secretariat } = await tamperable();
    try {
      await app.db.execute(sql`DELETE FROM audit_events`);
      expect(await verify(app, secretariat)).toMatchObject({ ok: false, checked: 0 });
    } finally {
      await app.close();
    }
  });

  it('TRUNCATE, which a row trigger does not see, is refused or detected', async () => {
    const app = await buildTestApp();
    try {
      const secretariat = await createSecretariat(app);
      await createCity(app);
      const before = await eventCount(app);
      let refused = false;
      try {
        await app.db.execute(sql`TRUNCATE audit_events`);
      } catch {
        refused = true;
      }
      const result = await verify(app, secretariat);
      if (refused) expect(result).toMatchObject({ ok: true, checked: before });
      else expect(result).toMatchObject({ ok: false, checked: 0 });
    } finally {
      await app.close();
    }
  });

  it('a reordered pair of events: ok false', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      const [a, b] = [events[1]!, events[2]!];
      // The chain's order is chain_seq (set when sealed): swap two positions.
      await app.db.execute(sql`UPDATE audit_events SET chain_seq = -1 WHERE id = ${a.id}`);
      await app.db.execute(sql`UPDATE audit_events SET chain_seq = ${a.chainSeq} WHERE id = ${b.id}`);
      await app.db.execute(sql`UPDATE audit_events SET chain_seq = ${b.chainSeq} WHERE id = ${a.id}`);
      expect(await verify(app, secretariat)).toMatchObject({ ok: false, firstBadEventId: b.id });
    } finally {
      await app.close();
    }
  });
});
