import { eq, sql } from 'drizzle-orm';
import { MailDispatcher } from '../src/modules/mail/dispatcher.js';
import type { MailTransport } from '../src/modules/mail/transport.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mailOutbox } from '../src/db/schema/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { fakeLogger, fakeTransport, outbox } from './helpers/mail.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

// Each test starts from an empty queue, so no test sees another's mail.
beforeEach(async () => {
  await t.db.delete(mailOutbox);
});

const { enqueue } = outbox(() => t);

describe('Several dispatchers on one queue send each message exactly once', () => {
  it('skips a message leased by another instance, and takes it over once the lease expires', async () => {
    const row = await enqueue();
    await t.db
      .update(mailOutbox)
      .set({ lockedUntil: sql`now() + interval '1 hour'` })
      .where(eq(mailOutbox.id, row.id));
    const fake = fakeTransport();
    const dispatcher = new MailDispatcher(t.db, fake.transport, fakeLogger());
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, failed: 0 });

    await t.db
      .update(mailOutbox)
      .set({ lockedUntil: sql`now() - interval '1 second'` })
      .where(eq(mailOutbox.id, row.id));
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 1, failed: 0 });
    expect(fake.sent.map((m) => m.id)).toEqual([row.id]);
  });

  it('with two dispatchers on the same queue, sends each message exactly once', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add((await enqueue()).id);
    const a = fakeTransport();
    const b = fakeTransport();
    const first = new MailDispatcher(t.db, a.transport, fakeLogger());
    const second = new MailDispatcher(t.db, b.transport, fakeLogger());

    let rounds = 0;
    let total = 0;
    for (;;) {
      const [ra, rb] = await Promise.all([first.dispatchOnce(4), second.dispatchOnce(4)]);
      expect(ra.failed + rb.failed).toBe(0);
      total += ra.sent + rb.sent;
      if (ra.sent + rb.sent === 0) break;
      rounds++;
      if (rounds > 30) throw new Error('the dispatchers never empty the queue');
    }
    const sentIds = [...a.sent, ...b.sent].map((m) => m.id);
    expect(total).toBe(30);
    expect(sentIds).toHaveLength(30);
    expect(new Set(sentIds)).toEqual(ids);
    const rows = await t.db.select().from(mailOutbox);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('with two dispatchers taking the whole queue at once, sends each message exactly once', async () => {
    for (let i = 0; i < 20; i++) await enqueue();
    const a = fakeTransport();
    const b = fakeTransport();
    const results = await Promise.all([
      new MailDispatcher(t.db, a.transport, fakeLogger()).dispatchOnce(50),
      new MailDispatcher(t.db, b.transport, fakeLogger()).dispatchOnce(50),
    ]);
    expect(results[0].sent + results[1].sent).toBe(20);
    const sentIds = [...a.sent, ...b.sent].map((m) => m.id);
    expect(new Set(sentIds).size).toBe(20);
    expect(sentIds).toHaveLength(20);
  });

  it('a second dispatcher running while the first is still sending leaves the mails in flight alone', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await enqueue()).id);
    let releaseFirst!: () => void;
    const firstMaySend = new Promise<void>((resolve) => (releaseFirst = resolve));
    let signalBothSending!: () => void;
    const bothSending = new Promise<void>((resolve) => (signalBothSending = resolve));
    const inFlight: string[] = [];
    const sentByFirst: string[] = [];
    const slow: MailTransport = {
      kind: 'smtp',
      concurrency: 2,
      send: async (m) => {
        inFlight.push(m.id);
        if (inFlight.length === 2) signalBothSending();
        await firstMaySend;
        sentByFirst.push(m.id);
      },
      close: () => undefined,
    };
    const other = fakeTransport();
    const firstRound = new MailDispatcher(t.db, slow, fakeLogger()).dispatchOnce(2);
    // The first dispatcher has claimed two messages and is talking to its (slow) SMTP server.
    await bothSending;
    const secondRound = await new MailDispatcher(t.db, other.transport, fakeLogger()).dispatchOnce();
    releaseFirst();
    expect(await firstRound).toEqual({ sent: 2, failed: 0 });
    expect(secondRound).toEqual({ sent: 3, failed: 0 });
    expect(other.attempted.map((m) => m.id).filter((id) => inFlight.includes(id))).toEqual([]);
    expect(new Set([...sentByFirst, ...other.sent.map((m) => m.id)])).toEqual(ids);
    expect(sentByFirst.length + other.sent.length).toBe(5);
  });
});
