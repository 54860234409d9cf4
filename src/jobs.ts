import type { Config } from './config.js';
import { isDatabaseUnavailable } from './db/availability.js';
import type { Db } from './db/client.js';
import { sealAuditChain } from './modules/audit/index.js';
import { createMailTransport, MailDispatcher } from './modules/mail/index.js';
import { queueDeadlineReminders } from './modules/rounds/index.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const REMINDER_INTERVAL_MS = 5 * 60_000;
const SEAL_INTERVAL_MS = 250;

/**
 * Work outside requests: sealing audit events into the hash chain, sending queued mail, and
 * queueing round-deadline reminders. Every instance may run them: the chain head is row-locked,
 * each mail is claimed for longer than its send may take and reminders are deduplicated in the
 * database.
 */
export function startBackgroundJobs(
  db: Db,
  config: Config,
  log: Logger,
  outage: { report(err: unknown): void },
): { stop(): Promise<void> } {
  // While the database is away, a job's failure is part of the outage, logged as one (db/outage.ts),
  // not a stack four times a second.
  const failed = (what: string) => (err: unknown) =>
    isDatabaseUnavailable(err) ? outage.report(err) : log.warn({ err }, what);
  const dispatcher = new MailDispatcher(db, createMailTransport(config, log), log, {
    sendTimeoutMs: config.mail.sendTimeoutMs,
    onRoundFailed: failed('mail dispatch round failed'),
  });
  dispatcher.start();
  let reminding: Promise<unknown> | undefined;
  const remind = () => {
    reminding ??= queueDeadlineReminders(db, config.publicBaseUrl)
      .catch(failed('queueing round reminders failed'))
      .finally(() => (reminding = undefined));
  };
  remind();
  const timer = setInterval(remind, REMINDER_INTERVAL_MS);
  timer.unref();
  // Audit events join the hash chain within a quarter of a second of their commit.
  let sealing: Promise<unknown> | undefined;
  const sealTimer = setInterval(() => {
    sealing ??= sealAuditChain(db)
      .catch(failed('sealing the audit chain failed'))
      .finally(() => (sealing = undefined));
  }, SEAL_INTERVAL_MS);
  sealTimer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      clearInterval(sealTimer);
      await reminding;
      await sealing;
      await dispatcher.stop();
    },
  };
}
