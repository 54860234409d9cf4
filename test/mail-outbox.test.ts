import { eq } from 'drizzle-orm';
import { withTx } from '../src/db/tx.js';
import { write, writeTemplate } from '../src/db/writes.js';
import { MailDispatcher } from '../src/modules/mail/dispatcher.js';
import { enqueueMail } from '../src/modules/mail/outbox.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mailOutbox, networks } from '../src/db/schema/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { fakeLogger, fakeTransport, outbox } from './helpers/mail.js';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

// Each test starts from an empty queue, so no test sees another's mail.
beforeEach(async () => {
  await t.db.delete(mailOutbox);
});

const { mailTo, mailById, enqueue } = outbox(() => t);
const secondNetwork = writeTemplate<{ code: string; name: string }>('test_network', (db, p) =>
  db.insert(networks).values({ code: p('code'), name: p('name') }),
);

describe('Mail waits in the outbox, written in the same transaction as the change (enqueueMail)', () => {
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
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await mailTo(to)).toEqual([]);
  });

  it('leaves no row when a write queued beside it fails as the change commits', async () => {
    const to = `${unique('refused-')}@example.org`;
    await expect(
      withTx(t.system, async (tx) => {
        await enqueueMail(tx, { to, subject: 'never sent', text: 'never sent' });
        // MMC exists from the first migration: this write fails, and the mail goes with it.
        await write(tx, secondNetwork, { code: 'MMC', name: 'A second MMC' });
      }),
    ).rejects.toThrow();
    expect(await mailTo(to)).toEqual([]);
  });

  it('has written what a joined service queued by the time that service returns to its caller', async () => {
    const to = `${unique('joined-')}@example.org`;
    await withTx(t.system, async (outer) => {
      await withTx(outer, (inner) => enqueueMail(inner, { to, subject: 's', text: 't' }));
      // The caller reads on in the same transaction, and sees it.
      expect(await outer.db.select().from(mailOutbox).where(eq(mailOutbox.to, to))).toHaveLength(1);
    });
    expect(await mailTo(to)).toHaveLength(1);
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

describe('An invitation queues one sensitive mail, and a refused one none', () => {
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
