import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { mailOutbox } from '../src/db/schema/index.js';
import { withTx } from '../src/db/tx.js';
import { MAX_MAIL_ATTEMPTS, MailDispatcher, retryDelaySeconds } from '../src/modules/mail/dispatcher.js';
import { enqueueMail } from '../src/modules/mail/outbox.js';
import { createMailTransport, type MailMessage, type MailTransport } from '../src/modules/mail/transport.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat, type TestUser, unique } from './helpers/factories.js';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

// Each dispatcher test starts from an empty queue, so no test sees another's mail.
beforeEach(async () => {
  await t.db.delete(mailOutbox);
});

/** A transport that records what it is asked to send; `fail` makes it throw instead. */
function fakeTransport(options: { fail?: (m: MailMessage) => string | undefined } = {}) {
  const sent: MailMessage[] = [];
  const attempted: MailMessage[] = [];
  let closed = 0;
  const transport: MailTransport = {
    kind: 'smtp',
    send: async (message) => {
      attempted.push({ ...message });
      // Yield, so that concurrent dispatchers interleave.
      await new Promise((resolve) => setImmediate(resolve));
      const failure = options.fail?.(message);
      if (failure) throw new Error(failure);
      sent.push({ ...message });
    },
    close: () => {
      closed++;
    },
  };
  return { transport, sent, attempted, closedCount: () => closed };
}

function fakeLogger() {
  const calls: Array<{ level: string; obj: object; msg: string }> = [];
  const at = (level: string) => (obj: object, msg: string) => {
    calls.push({ level, obj, msg });
  };
  return { calls, info: at('info'), warn: at('warn'), error: at('error') };
}

const mailTo = (to: string) => t.db.select().from(mailOutbox).where(eq(mailOutbox.to, to));
const mailById = async (id: string) => (await t.db.select().from(mailOutbox).where(eq(mailOutbox.id, id)))[0]!;
/** Makes every pending message due now, as if its back-off had elapsed. */
const makeDue = () => t.db.execute(sql`UPDATE mail_outbox SET next_attempt_at = now() - interval '1 second'`);

async function enqueue(overrides: { to?: string; text?: string; sensitive?: boolean; dedupeKey?: string } = {}) {
  const to = overrides.to ?? `${unique('rcpt-')}@example.org`;
  await enqueueMail(t.system, {
    to,
    subject: `Subject for ${to}`,
    text: overrides.text ?? `Body for ${to}`,
    ...overrides,
  });
  const [row] = await mailTo(to);
  return row!;
}

describe('enqueueMail', () => {
  it('queues a pending message', async () => {
    const row = await enqueue({ text: 'hello there' });
    expect(row).toMatchObject({
      status: 'pending',
      attempts: 0,
      text: 'hello there',
      sensitive: false,
      lastError: null,
      sentAt: null,
    });
  });

  it('leaves no row when the transaction rolls back', async () => {
    const to = `${unique('rollback-')}@example.org`;
    await expect(
      withTx(t.system, async (tx) => {
        await enqueueMail(tx, { to, subject: 'never sent', text: 'never sent' });
        expect(await tx.db.select().from(mailOutbox).where(eq(mailOutbox.to, to))).toHaveLength(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await mailTo(to)).toEqual([]);
  });

  it('keeps the row when the transaction commits', async () => {
    const to = `${unique('commit-')}@example.org`;
    await withTx(t.system, async (tx) => enqueueMail(tx, { to, subject: 's', text: 't' }));
    expect(await mailTo(to)).toHaveLength(1);
  });

  it('queues the same dedupeKey once', async () => {
    const dedupeKey = unique('dedupe-');
    const to = `${unique('dedupe-')}@example.org`;
    await enqueueMail(t.system, { to, subject: 'first', text: 'first', dedupeKey });
    await enqueueMail(t.system, { to, subject: 'second', text: 'second', dedupeKey });
    const rows = await t.db.select().from(mailOutbox).where(eq(mailOutbox.dedupeKey, dedupeKey));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ subject: 'first', text: 'first' });
  });

  it('queues the same dedupeKey once even when asked concurrently', async () => {
    const dedupeKey = unique('dedupe-');
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        enqueueMail(t.system, { to: `n${i}@example.org`, subject: 's', text: 't', dedupeKey }),
      ),
    );
    expect(await t.db.$count(mailOutbox, eq(mailOutbox.dedupeKey, dedupeKey))).toBe(1);
  });

  it('queues messages without a dedupeKey every time', async () => {
    const to = `${unique('nokey-')}@example.org`;
    await enqueueMail(t.system, { to, subject: 's', text: 't' });
    await enqueueMail(t.system, { to, subject: 's', text: 't' });
    expect(await mailTo(to)).toHaveLength(2);
  });
});

describe('MailDispatcher.dispatchOnce', () => {
  it('sends a pending message once and marks it sent', async () => {
    const row = await enqueue({ text: 'plain body' });
    const fake = fakeTransport();
    const dispatcher = new MailDispatcher(t.db, fake.transport, fakeLogger());

    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 1, failed: 0 });
    expect(fake.sent).toEqual([{ id: row.id, to: row.to, subject: row.subject, text: 'plain body', sensitive: false }]);
    const after = await mailById(row.id);
    expect(after).toMatchObject({
      status: 'sent',
      attempts: 1,
      text: 'plain body',
      lockedUntil: null,
      lastError: null,
    });
    expect(after.sentAt).toBeInstanceOf(Date);

    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, failed: 0 });
    expect(fake.sent).toHaveLength(1);
  });

  it('erases the text of a sensitive message once sent', async () => {
    const row = await enqueue({ text: 'your secret token: inv_abc', sensitive: true });
    const fake = fakeTransport();
    await new MailDispatcher(t.db, fake.transport, fakeLogger()).dispatchOnce();
    expect(fake.sent[0]).toMatchObject({ id: row.id, text: 'your secret token: inv_abc', sensitive: true });
    expect(await mailById(row.id)).toMatchObject({ status: 'sent', text: null });
  });

  it('sends every due message in one round, up to the batch size', async () => {
    const rows = [await enqueue(), await enqueue(), await enqueue()];
    const fake = fakeTransport();
    const dispatcher = new MailDispatcher(t.db, fake.transport, fakeLogger());
    expect(await dispatcher.dispatchOnce(2)).toEqual({ sent: 2, failed: 0 });
    expect(await dispatcher.dispatchOnce(2)).toEqual({ sent: 1, failed: 0 });
    expect(fake.sent.map((m) => m.id).sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it('leaves a message whose transport throws pending, with attempts, error and back-off', async () => {
    const row = await enqueue();
    const fake = fakeTransport({ fail: () => 'SMTP 451 try again later' });
    const log = fakeLogger();
    const dispatcher = new MailDispatcher(t.db, fake.transport, log);

    const before = Date.now();
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, failed: 1 });
    const after = Date.now();
    const first = await mailById(row.id);
    expect(first).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'SMTP 451 try again later',
      lockedUntil: null,
      sentAt: null,
    });
    expect(first.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + retryDelaySeconds(1) * 1_000);
    expect(first.nextAttemptAt.getTime()).toBeLessThanOrEqual(after + retryDelaySeconds(1) * 1_000);
    expect(log.calls).toEqual([
      expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ mailId: row.id, attempts: 1 }) }),
    ]);

    // Not due yet: the next round leaves it alone.
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, failed: 0 });
    expect(fake.attempted).toHaveLength(1);

    // Once due, the second failure waits longer.
    await makeDue();
    const before2 = Date.now();
    await dispatcher.dispatchOnce();
    const after2 = Date.now();
    const second = await mailById(row.id);
    expect(second).toMatchObject({ status: 'pending', attempts: 2 });
    expect(second.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before2 + retryDelaySeconds(2) * 1_000);
    expect(second.nextAttemptAt.getTime()).toBeLessThanOrEqual(after2 + retryDelaySeconds(2) * 1_000);
  });

  it('keeps the text of a sensitive message that failed, so it can be retried', async () => {
    const row = await enqueue({ text: 'secret', sensitive: true });
    await new MailDispatcher(t.db, fakeTransport({ fail: () => 'down' }).transport, fakeLogger()).dispatchOnce();
    expect(await mailById(row.id)).toMatchObject({ status: 'pending', text: 'secret' });
  });

  it('sends a message that failed before once it is due again', async () => {
    const row = await enqueue();
    let failing = true;
    const fake = fakeTransport({ fail: () => (failing ? 'down' : undefined) });
    const dispatcher = new MailDispatcher(t.db, fake.transport, fakeLogger());
    await dispatcher.dispatchOnce();
    failing = false;
    await makeDue();
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 1, failed: 0 });
    expect(await mailById(row.id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it(`gives up after ${MAX_MAIL_ATTEMPTS} failed attempts`, async () => {
    const row = await enqueue();
    const fake = fakeTransport({ fail: () => 'mailbox unavailable' });
    const log = fakeLogger();
    const dispatcher = new MailDispatcher(t.db, fake.transport, log);
    for (let attempt = 1; attempt < MAX_MAIL_ATTEMPTS; attempt++) {
      await dispatcher.dispatchOnce();
      expect(await mailById(row.id)).toMatchObject({ status: 'pending', attempts: attempt });
      await makeDue();
    }
    await dispatcher.dispatchOnce();
    expect(await mailById(row.id)).toMatchObject({
      status: 'failed',
      attempts: MAX_MAIL_ATTEMPTS,
      lastError: 'mailbox unavailable',
    });
    expect(log.calls.filter((c) => c.level === 'warn')).toHaveLength(MAX_MAIL_ATTEMPTS - 1);
    expect(log.calls.filter((c) => c.level === 'error')).toEqual([expect.objectContaining({ msg: 'mail given up' })]);

    // A failed message is never tried again.
    await makeDue();
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, failed: 0 });
    expect(fake.attempted).toHaveLength(MAX_MAIL_ATTEMPTS);
  });

  it('does not send a message that is not due yet', async () => {
    const row = await enqueue();
    await t.db
      .update(mailOutbox)
      .set({ nextAttemptAt: sql`now() + interval '1 hour'` })
      .where(eq(mailOutbox.id, row.id));
    const fake = fakeTransport();
    expect(await new MailDispatcher(t.db, fake.transport, fakeLogger()).dispatchOnce()).toEqual({ sent: 0, failed: 0 });
    expect(fake.attempted).toEqual([]);
  });

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
      expect(rounds).toBeLessThanOrEqual(30);
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

  it('a second dispatcher running while the first is still sending takes none of its messages', async () => {
    for (let i = 0; i < 5; i++) await enqueue();
    let releaseFirst!: () => void;
    const firstMaySend = new Promise<void>((resolve) => (releaseFirst = resolve));
    let signalSending!: () => void;
    const firstIsSending = new Promise<void>((resolve) => (signalSending = resolve));
    const sentByFirst: string[] = [];
    const slow: MailTransport = {
      kind: 'smtp',
      send: async (m) => {
        signalSending();
        await firstMaySend;
        sentByFirst.push(m.id);
      },
      close: () => undefined,
    };
    const other = fakeTransport();
    const firstRound = new MailDispatcher(t.db, slow, fakeLogger()).dispatchOnce(50);
    // The first dispatcher has claimed the queue and is talking to its (slow) SMTP server.
    await firstIsSending;
    const secondRound = await new MailDispatcher(t.db, other.transport, fakeLogger()).dispatchOnce(50);
    releaseFirst();
    expect(await firstRound).toEqual({ sent: 5, failed: 0 });
    expect(secondRound).toEqual({ sent: 0, failed: 0 });
    expect(other.attempted).toEqual([]);
    expect(new Set(sentByFirst).size).toBe(5);
  });

  it('closes the transport on stop', async () => {
    const fake = fakeTransport();
    const dispatcher = new MailDispatcher(t.db, fake.transport, fakeLogger());
    await dispatcher.stop();
    expect(fake.closedCount()).toBe(1);
  });
});

describe('retryDelaySeconds', () => {
  it('doubles from 30 seconds and stops at one hour', () => {
    expect([1, 2, 3, 4].map(retryDelaySeconds)).toEqual([30, 60, 120, 240]);
    expect(retryDelaySeconds(0)).toBe(30);
    expect(retryDelaySeconds(8)).toBe(3_600);
    expect(retryDelaySeconds(50)).toBe(3_600);
  });
});

describe('the log transport', () => {
  const message = (sensitive: boolean): MailMessage => ({
    id: '00000000-0000-4000-8000-000000000001',
    to: 'someone@example.org',
    subject: 'A subject',
    text: 'The body, with token inv_SECRET123',
    sensitive,
  });

  it('is used when SMTP_URL is absent, and logs to, subject and text', async () => {
    const log = fakeLogger();
    const transport = createMailTransport(loadConfig({}), log);
    expect(transport.kind).toBe('log');
    await transport.send(message(false));
    expect(log.calls).toHaveLength(1);
    expect(log.calls[0]!.obj).toMatchObject({
      mail: { to: 'someone@example.org', subject: 'A subject', text: 'The body, with token inv_SECRET123' },
    });
    transport.close();
  });

  it('withholds the body of a sensitive message', async () => {
    const log = fakeLogger();
    const transport = createMailTransport(loadConfig({ SMTP_URL: '' }), log);
    expect(transport.kind).toBe('log');
    await transport.send(message(true));
    expect(log.calls).toHaveLength(1);
    expect(log.calls[0]!.obj).toMatchObject({ mail: { to: 'someone@example.org', subject: 'A subject' } });
    const logged = JSON.stringify(log.calls);
    expect(logged).not.toContain('inv_SECRET123');
    expect(logged).not.toContain('The body');
  });

  it('an SMTP transport is used when SMTP_URL is set', () => {
    const transport = createMailTransport(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }), fakeLogger());
    expect(transport.kind).toBe('smtp');
    transport.close();
  });

  it('through the dispatcher: logs a sensitive message without its secret, then erases it', async () => {
    const row = await enqueue({ text: 'token inv_DISPATCHED_SECRET', sensitive: true });
    const log = fakeLogger();
    const dispatcher = new MailDispatcher(t.db, createMailTransport(loadConfig({}), log), log);
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 1, failed: 0 });
    expect(JSON.stringify(log.calls)).toContain(row.to);
    expect(JSON.stringify(log.calls)).not.toContain('inv_DISPATCHED_SECRET');
    expect(await mailById(row.id)).toMatchObject({ status: 'sent', text: null });
  });
});

describe('invitation mail', () => {
  it('POST /invitations enqueues one sensitive mail carrying the accept token', async () => {
    const email = `${unique('invitee-')}@example.org`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: admin.headers,
      payload: { email, name: 'Invited Person', role: 'secretariat' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id, acceptToken } = res.json();
    expect(acceptToken).toEqual(expect.any(String));

    const rows = await mailTo(email);
    expect(rows).toHaveLength(1);
    const mail = rows[0]!;
    expect(mail).toMatchObject({ status: 'pending', sensitive: true, dedupeKey: `invitation:${id}` });
    expect(mail.text).toContain(acceptToken);
    expect(mail.text).toContain('Invited Person');

    // Delivered, the token reaches the recipient and leaves the database.
    const fake = fakeTransport();
    await new MailDispatcher(t.db, fake.transport, fakeLogger()).dispatchOnce();
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({ to: email, sensitive: true });
    expect(fake.sent[0]!.text).toContain(acceptToken);
    expect(await mailById(mail.id)).toMatchObject({ status: 'sent', text: null });
  });

  it('a refused invitation enqueues no mail', async () => {
    const existing = await createSecretariat(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: admin.headers,
      payload: { email: existing.email, name: 'Already Here', role: 'secretariat' },
    });
    expect(res.statusCode).toBe(409);
    expect(await mailTo(existing.email)).toEqual([]);
  });

  it('an invitation that is not allowed enqueues no mail', async () => {
    const email = `${unique('nope-')}@example.org`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: admin.headers,
      payload: { email, name: 'No City', role: 'city_official' },
    });
    expect(res.statusCode).toBe(400);
    expect(await mailTo(email)).toEqual([]);
  });
});
