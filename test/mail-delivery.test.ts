import { eq, sql } from 'drizzle-orm';
import { MAX_MAIL_ATTEMPTS, MailDispatcher, retryDelaySeconds } from '../src/modules/mail/dispatcher.js';
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

const { mailById, makeDue, enqueue } = outbox(() => t);

describe('The dispatcher sends what is due, retries what failed, and gives up in the end', () => {
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
    // The back-off counts from the clock at the failure, known only as lying between two readings.
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

  it('closes the transport on stop', async () => {
    const fake = fakeTransport();
    const dispatcher = new MailDispatcher(t.db, fake.transport, fakeLogger());
    await dispatcher.stop();
    expect(fake.closedCount()).toBe(1);
  });
});

describe('The back-off between attempts (retryDelaySeconds)', () => {
  it('doubles from 30 seconds and stops at one hour', () => {
    expect([1, 2, 3, 4].map(retryDelaySeconds)).toEqual([30, 60, 120, 240]);
    expect(retryDelaySeconds(0)).toBe(30);
    expect(retryDelaySeconds(8)).toBe(3_600);
    expect(retryDelaySeconds(50)).toBe(3_600);
  });
});
