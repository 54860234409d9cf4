import { and, eq, like } from 'drizzle-orm';
import { mailOutbox, users, validationRounds } from '../src/db/schema/index.js';
import { queueDeadlineReminders } from '../src/modules/rounds/reminders.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat, type TestUser } from './helpers/factories.js';
import { HOUR, inFuture, roundRequests } from './helpers/rounds-api.js';

let t: TestApp;
let secretariat: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const { call, draftPledge, openRound, mailsOf, verdict, newNetwork, reviewerOf, deactivate } = roundRequests(() => ({
  t,
  secretariat,
}));

describe('Who is told of a round by mail, and when', () => {
  let codeA: string;
  let codeB: string;
  let codeC: string;
  let a1: TestUser;
  let a2: TestUser;
  let aOff: TestUser;
  let b1: TestUser;
  let c1: TestUser;

  beforeAll(async () => {
    codeA = await newNetwork();
    codeB = await newNetwork();
    codeC = await newNetwork();
    a1 = await reviewerOf(codeA);
    a2 = await reviewerOf(codeA);
    aOff = await reviewerOf(codeA);
    b1 = await reviewerOf(codeB);
    c1 = await reviewerOf(codeC);
    await deactivate(aOff);
  });

  it('tells each active reviewer of each invited network when a round opens, and when it closes', async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, [codeA, codeB]);
    const opened = await mailsOf(roundId, 'opened');
    expect(opened.map((m) => m.to).sort()).toEqual([a1.email, a2.email, b1.email].sort());
    for (const m of opened) {
      expect(m.subject).toBe('Review requested: Round test pledge, version 1');
      expect(m.text).toContain(`${t.config.publicBaseUrl}/review/rounds/${roundId}`);
      expect(m.status).toBe('pending');
    }
    const all = await t.db
      .select()
      .from(mailOutbox)
      .where(like(mailOutbox.dedupeKey, `round:${roundId}:%`));
    expect(all.some((m) => m.to === c1.email || m.to === aOff.email)).toBe(false);

    const closed = await call('POST', `/rounds/${roundId}/close`, secretariat, { force: true });
    expect(closed.statusCode).toBe(200);
    const closing = await mailsOf(roundId, 'closed');
    expect(closing.map((m) => m.to).sort()).toEqual([a1.email, a2.email, b1.email].sort());
    expect(closing[0]!.subject).toBe('Validation round closed: Round test pledge, version 1');
  });

  it('tells each active secretariat user of a verdict', async () => {
    const inactive = await createSecretariat(t);
    await deactivate(inactive);
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, [codeA, codeB]);
    const res = await verdict(roundId, a1, codeA, 'approve', 'All good.');
    expect(res.statusCode, res.body).toBe(200);
    const active = await t.db
      .select({ email: users.email })
      .from(users)
      .where(and(eq(users.role, 'secretariat'), eq(users.active, true)));
    const mails = await mailsOf(roundId, 'verdict');
    expect(mails.map((m) => m.to).sort()).toEqual(active.map((u) => u.email).sort());
    expect(mails.map((m) => m.to)).toContain(secretariat.email);
    expect(mails.map((m) => m.to)).not.toContain(inactive.email);
    for (const m of mails) {
      expect(m.subject).toBe(`${codeA}: approves Round test pledge, version 1`);
      expect(m.text).toContain('All good.');
    }
  });

  it('reminds the silent networks 48 hours before the deadline, once', async () => {
    const pledge = await draftPledge();
    // An odd deadline, far from the other rounds of this file.
    const deadline = new Date(Date.now() + 5 * 86_400_000 + 7 * 60_000);
    deadline.setUTCMilliseconds(0);
    const roundId = await openRound(pledge, [codeA, codeB], deadline.toISOString());
    expect((await verdict(roundId, a1, codeA, 'approve')).statusCode).toBe(200);
    const base = t.config.publicBaseUrl;

    // More than 48 hours away: nothing.
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 49 * HOUR));
    expect(await mailsOf(roundId, 'reminder')).toHaveLength(0);

    // 47 hours before: the reviewers of the silent network B only (A answered; C was not invited).
    const due = await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 47 * HOUR));
    // One silent network of one round: no other round of this file is due in that window.
    expect(due).toBe(1);
    const reminders = await mailsOf(roundId, 'reminder');
    expect(reminders.map((m) => m.to)).toEqual([b1.email]);
    expect(reminders[0]!.subject).toMatch(/^Reminder: your verdict on Round test pledge, version 1, is due /);
    expect(reminders[0]!.text).toContain(`${base}/review/rounds/${roundId}`);

    // Again, and again an hour later: nothing more (dedupe keys).
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 47 * HOUR));
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 46 * HOUR));
    expect(await mailsOf(roundId, 'reminder')).toHaveLength(1);

    // A reviewer who joins B later is reminded too; one whose network answered never is.
    const b2 = await reviewerOf(codeB);
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 40 * HOUR));
    expect((await mailsOf(roundId, 'reminder')).map((m) => m.to).sort()).toEqual([b1.email, b2.email].sort());

    // Past the deadline, or once B answered, or once closed: no new reminder.
    const b3 = await reviewerOf(codeB);
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() + HOUR));
    expect((await verdict(roundId, b1, codeB, 'request_changes')).statusCode).toBe(200);
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 30 * HOUR));
    expect((await mailsOf(roundId, 'reminder')).map((m) => m.to)).not.toContain(b3.email);
  });

  it('does not remind on a closed round', async () => {
    const pledge = await draftPledge();
    const deadline = new Date(Date.now() + 6 * 86_400_000 + 11 * 60_000);
    const roundId = await openRound(pledge, [codeB], deadline.toISOString());
    expect((await call('POST', `/rounds/${roundId}/close`, secretariat, { force: true })).statusCode).toBe(200);
    await queueDeadlineReminders(t.db, t.config.publicBaseUrl, new Date(deadline.getTime() - 24 * HOUR));
    expect(await mailsOf(roundId, 'reminder')).toHaveLength(0);
  });

  it('counts the deadline from the row, so moving it moves the reminder', async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, [codeB], inFuture(40));
    const now = new Date();
    await queueDeadlineReminders(t.db, t.config.publicBaseUrl, now);
    expect(await mailsOf(roundId, 'reminder')).toHaveLength(0);
    // The deadline is brought forward to 47 hours from now.
    await t.db
      .update(validationRounds)
      .set({ deadline: new Date(now.getTime() + 47 * HOUR) })
      .where(eq(validationRounds.id, roundId));
    await queueDeadlineReminders(t.db, t.config.publicBaseUrl, now);
    expect((await mailsOf(roundId, 'reminder')).map((m) => m.to)).toContain(b1.email);
  });
});
