import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config.js';
import { MailDispatcher } from '../src/modules/mail/dispatcher.js';
import { createMailTransport } from '../src/modules/mail/transport.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mailOutbox } from '../src/db/schema/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { fakeLogger, outbox } from './helpers/mail.js';
import { type FakeSmtp, startFakeSmtp } from './helpers/smtp.js';

let t: TestApp;
let smtp: FakeSmtp;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

// Each test starts from an empty queue and a fresh server, so no test sees another's mail.
beforeEach(async () => {
  await t.db.delete(mailOutbox);
  smtp = await startFakeSmtp();
});
const dispatchers: MailDispatcher[] = [];
afterEach(async () => {
  for (const d of dispatchers.splice(0)) await d.stop();
  await smtp.close();
});

const { mailById, makeDue, enqueue } = outbox(() => t);

/** A dispatcher sending through the fake server over SMTP, as an instance configured with `env` would. */
function dispatcher(env: Record<string, string>, options: { stopGraceMs?: number } = {}) {
  const config = loadConfig({ SMTP_URL: smtp.url, ...env });
  const log = fakeLogger();
  const d = new MailDispatcher(t.db, createMailTransport(config, log), log, {
    sendTimeoutMs: config.mail.sendTimeoutMs,
    ...options,
  });
  dispatchers.push(d);
  return d;
}

const fastGiveUp = { SMTP_CONNECT_TIMEOUT_MS: '1000', SMTP_SEND_TIMEOUT_MS: '1000' };

describe('A slow SMTP server never makes a mail arrive twice', () => {
  it('two dispatchers, one hung on the server past the claim: every mail arrives once', async () => {
    const rows = [];
    for (let i = 0; i < 6; i++) rows.push(await enqueue());
    const hung = rows[0]!;
    const stall = smtp.stallFirstTo(hung.to);
    // One connection: the hung transaction holds up the only one this instance has.
    const first = dispatcher({ ...fastGiveUp, SMTP_POOL_SIZE: '1' });
    const second = dispatcher({});

    const firstRound = first.dispatchOnce();
    await stall.started;
    // What the first dispatcher holds while the server hangs.
    const held = await t.db
      .select({ id: mailOutbox.id, attempts: mailOutbox.attempts })
      .from(mailOutbox)
      .where(isNotNull(mailOutbox.lockedUntil));
    // Those claims last longer than the send timeout, so by the time they have passed, the first
    // dispatcher has given up and hung up (the server drops the unanswered message). A dispatcher
    // that does not give up is granted a few seconds: the test stands for minutes passing.
    await Promise.race([stall.hungUp, sleep(3_000)]);
    for (const claim of held) {
      await t.db
        .update(mailOutbox)
        .set({ lockedUntil: sql`now() - interval '1 second'` })
        .where(
          and(eq(mailOutbox.id, claim.id), eq(mailOutbox.attempts, claim.attempts), isNotNull(mailOutbox.lockedUntil)),
        );
    }
    // Meanwhile the second instance sends whatever it finds due and free.
    await second.dispatchOnce();
    // The server answers at last, if anyone is still listening.
    stall.release();
    await firstRound;
    // The hung mail waited out its back-off.
    await makeDue();
    await second.dispatchOnce();

    expect([...smtp.accepted].sort()).toEqual(rows.map((r) => r.to).sort());
    expect(await mailById(hung.id)).toMatchObject({ status: 'sent', attempts: 2, lockedUntil: null });
    for (const row of rows.slice(1)) {
      expect(await mailById(row.id)).toMatchObject({ status: 'sent', attempts: 1, lockedUntil: null });
    }
  });

  it('gives up on a send past the send timeout, hangs up, and sends the mail again later', async () => {
    const rows = [await enqueue(), await enqueue(), await enqueue()];
    const hung = rows[1]!;
    const stall = smtp.stallFirstTo(hung.to);
    const d = dispatcher({ ...fastGiveUp, SMTP_POOL_SIZE: '2' });

    expect(await d.dispatchOnce()).toEqual({ sent: 2, failed: 1 });
    await stall.hungUp;
    stall.release();
    expect(await mailById(hung.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lockedUntil: null,
      lastError: 'no answer from the mail server within 1000 ms',
    });
    expect([...smtp.accepted].sort()).toEqual([rows[0]!.to, rows[2]!.to].sort());

    await makeDue();
    expect(await d.dispatchOnce()).toEqual({ sent: 1, failed: 0 });
    expect(smtp.accepted.filter((to) => to === hung.to)).toEqual([hung.to]);
    expect(await mailById(hung.id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('on stop, abandons a hung send after the grace period; the mail stays to be retried', async () => {
    const row = await enqueue();
    const stall = smtp.stallFirstTo(row.to);
    // A send timeout far beyond the test: only stop() can end the wait.
    const d = dispatcher({ SMTP_SEND_TIMEOUT_MS: '600000' }, { stopGraceMs: 100 });

    d.start(10);
    await stall.started;
    await d.stop();
    await stall.hungUp;
    expect(await mailById(row.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lockedUntil: null,
      lastError: 'the dispatcher stopped before the mail server answered',
    });
    stall.release();
    expect(smtp.accepted).toEqual([]);
  });
});

describe('The SMTP transport keeps a pool of connections', () => {
  it('sends as many mails at once as SMTP_POOL_SIZE, over that many connections', async () => {
    const rows = [];
    for (let i = 0; i < 7; i++) rows.push(await enqueue());
    const stalls = rows.slice(0, 3).map((r) => smtp.stallFirstTo(r.to));
    const d = dispatcher({ SMTP_POOL_SIZE: '3' });

    const round = d.dispatchOnce();
    // Three held at once: one transaction per connection, all three connections busy.
    await Promise.all(stalls.map((s) => s.started));
    for (const s of stalls) s.release();
    expect(await round).toEqual({ sent: 7, failed: 0 });
    expect([...smtp.accepted].sort()).toEqual(rows.map((r) => r.to).sort());
    expect(smtp.connections()).toBe(3);
  });
});
