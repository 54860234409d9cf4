import { asc, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../src/db/schema/index.js';
import { pgErrorCode } from '../src/lib/errors.js';
import { GENESIS_HASH, recordAudit, sealAuditChain, verifyAuditChain } from '../src/modules/audit/audit.service.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const unsealed = () => t.db.$count(auditEvents, isNull(auditEvents.chainSeq));

describe('sealing audit events into the chain', () => {
  it('writes events unsealed, then links them in order, once', async () => {
    await sealAuditChain(t.db);
    for (let i = 0; i < 3; i++)
      await recordAudit(t.system, { action: 'test.sealing', entityType: 'test', entityId: unique() });
    expect(await unsealed()).toBe(3);
    expect(await sealAuditChain(t.db)).toBe(3);
    expect(await unsealed()).toBe(0);
    expect(await sealAuditChain(t.db)).toBe(0);
    const chain = await t.db.select().from(auditEvents).orderBy(asc(auditEvents.chainSeq));
    expect(chain[0]!.prevHash).toBe(GENESIS_HASH);
    chain.forEach((e, i) => {
      expect(e.chainSeq).toBe(i + 1);
      if (i > 0) expect(e.prevHash).toBe(chain[i - 1]!.hash);
    });
    expect(await verifyAuditChain(t.system)).toMatchObject({ ok: true, pending: 0 });
  });

  it('seals in several batches and with concurrent sealers, without gaps or double positions', async () => {
    for (let i = 0; i < 25; i++)
      await recordAudit(t.system, { action: 'test.batch', entityType: 'test', entityId: unique() });
    const sealed = await Promise.all([sealAuditChain(t.db, 4), sealAuditChain(t.db, 7), sealAuditChain(t.db, 5)]);
    expect(sealed.reduce((a, b) => a + b, 0)).toBe(25);
    expect(await unsealed()).toBe(0);
    const positions = (
      await t.db.select({ p: auditEvents.chainSeq }).from(auditEvents).orderBy(asc(auditEvents.chainSeq))
    ).map((r) => r.p);
    expect(positions).toEqual(positions.map((_, i) => i + 1));
    expect(await verifyAuditChain(t.system)).toMatchObject({ ok: true });
  });

  it('lets the sealer fill the chain columns and nothing else touch an event', async () => {
    await recordAudit(t.system, { action: 'test.guard', entityType: 'test', entityId: unique() });
    const [event] = await t.db.select().from(auditEvents).where(isNull(auditEvents.chainSeq));
    const attempt = async (statement: ReturnType<typeof sql>) => {
      try {
        await t.db.execute(statement);
        return 'allowed';
      } catch (err) {
        return pgErrorCode(err);
      }
    };
    // Changing the content of an unsealed event, or sealing it while changing it, is refused.
    expect(await attempt(sql`UPDATE audit_events SET summary = '{"forged":true}' WHERE id = ${event!.id}`)).toBe(
      '42501',
    );
    expect(
      await attempt(
        sql`UPDATE audit_events SET chain_seq = 999999, prev_hash = 'x', hash = 'y', action = 'forged'
            WHERE id = ${event!.id}`,
      ),
    ).toBe('42501');
    // Sealing proper works, and a sealed event can never be re-sealed.
    await sealAuditChain(t.db);
    expect(
      await attempt(
        sql`UPDATE audit_events SET chain_seq = 999999, prev_hash = 'x', hash = 'y' WHERE id = ${event!.id}`,
      ),
    ).toBe('42501');
    // Two events can never share a chain position.
    await recordAudit(t.system, { action: 'test.guard', entityType: 'test', entityId: unique() });
    const [next] = await t.db.select().from(auditEvents).where(isNull(auditEvents.chainSeq));
    const taken = (
      await t.db
        .select({ chainSeq: auditEvents.chainSeq })
        .from(auditEvents)
        .where(sql`id = ${event!.id}`)
    )[0]!.chainSeq;
    expect(
      await attempt(
        sql`UPDATE audit_events SET chain_seq = ${taken}, prev_hash = 'x', hash = 'y' WHERE id = ${next!.id}`,
      ),
    ).toBe('23505');
  });
});
