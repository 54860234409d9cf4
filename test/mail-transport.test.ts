import { loadConfig } from '../src/config.js';
import { MailDispatcher } from '../src/modules/mail/dispatcher.js';
import { createMailTransport, type MailMessage } from '../src/modules/mail/transport.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mailOutbox } from '../src/db/schema/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { fakeLogger, outbox } from './helpers/mail.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

// Each test starts from an empty queue, so no test sees another's mail.
beforeEach(async () => {
  await t.db.delete(mailOutbox);
});

const { mailById, enqueue } = outbox(() => t);

describe('Without SMTP, mail goes to the log, secrets withheld', () => {
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
    await transport.send(message(false), new AbortController().signal);
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
    await transport.send(message(true), new AbortController().signal);
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
