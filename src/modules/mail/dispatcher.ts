import type { Db } from '../../db/client.js';
import { claimNextMail, type ClaimedMail, recordFailure, recordSent } from './claims.js';
import type { MailTransport } from './transport.js';

export const MAX_MAIL_ATTEMPTS = 8;
/** The default for SMTP_SEND_TIMEOUT_MS: with the margin below, a claim of two minutes. */
export const DEFAULT_SEND_TIMEOUT_MS = 60_000;
/**
 * How much longer a claim lasts than the send it covers: time for the claim to reach the
 * dispatcher and for the outcome to be written back before another dispatcher may take the
 * message over.
 */
export const CLAIM_MARGIN_SECONDS = 60;
const DEFAULT_STOP_GRACE_MS = 3_000;

/** Back-off after the n-th failed attempt: 30 s, 1 min, 2 min … capped at one hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3_600, 30 * 2 ** Math.max(0, attempts - 1));
}

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DispatcherOptions {
  /** The longest one message may take; then it is abandoned (its connection closed) and retried later. */
  sendTimeoutMs?: number;
  /** How long stop() lets the messages in flight finish before abandoning them. */
  stopGraceMs?: number;
  /** Told when a round fails as a whole (the database away, say); by default it is logged. */
  onRoundFailed?: (err: unknown) => void;
}

/**
 * Sends queued mail outside any request, on every instance. Each message is claimed on its own
 * just before it is sent, for longer than its send may take: the send is abandoned at
 * `sendTimeoutMs` (the transport closes its connection, so a server that stalls cannot deliver
 * it later), and only after that, with a margin, may another dispatcher take the message over.
 * So a slow or hung SMTP server delays a message but never has it sent twice. No transaction
 * stays open while talking to the SMTP server; as many messages are in flight as the transport
 * carries at once (its pool of connections).
 */
export class MailDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopping = false;
  /** Aborted when stop() gives up waiting for the messages in flight. */
  private readonly abandonAll = new AbortController();
  private readonly sendTimeoutMs: number;
  private readonly stopGraceMs: number;
  private readonly claimSeconds: number;
  private readonly onRoundFailed: (err: unknown) => void;

  constructor(
    private readonly db: Db,
    private readonly transport: MailTransport,
    private readonly log: Logger,
    options: DispatcherOptions = {},
  ) {
    this.sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    this.stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.claimSeconds = Math.ceil(this.sendTimeoutMs / 1_000) + CLAIM_MARGIN_SECONDS;
    this.onRoundFailed = options.onRoundFailed ?? ((err) => this.log.warn({ err }, 'mail dispatch round failed'));
  }

  /**
   * Sends due messages until none is left (or `limit` were tried), as many at once as the
   * transport carries, each claimed as a sender becomes free.
   */
  async dispatchOnce(limit = Number.POSITIVE_INFINITY): Promise<{ sent: number; failed: number }> {
    const tally = { sent: 0, failed: 0 };
    let left = limit;
    const sender = async () => {
      while (!this.stopping && left > 0) {
        left--;
        const mail = await claimNextMail(this.db, this.claimSeconds);
        if (!mail) return;
        if (await this.deliver(mail)) tally.sent++;
        else tally.failed++;
      }
    };
    const senders = Math.max(1, Math.min(this.transport.concurrency, limit));
    // Settled, not raced: a round is over only when every sender is, so that stop() waits for all.
    const ended = await Promise.allSettled(Array.from({ length: senders }, () => sender()));
    const failure = ended.find((e): e is PromiseRejectedResult => e.status === 'rejected');
    if (failure) throw failure.reason;
    return tally;
  }

  /** Sends one claimed message within the send timeout and records the outcome; true when sent. */
  private async deliver(mail: ClaimedMail): Promise<boolean> {
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new Error(`no answer from the mail server within ${this.sendTimeoutMs} ms`)),
      this.sendTimeoutMs,
    );
    const onStop = () => deadline.abort(new Error('the dispatcher stopped before the mail server answered'));
    this.abandonAll.signal.addEventListener('abort', onStop, { once: true });
    let error: unknown;
    try {
      const { id, to, subject, text, sensitive } = mail;
      // Raced against the deadline too, so that a transport that ignored it could not hold the
      // message past its claim.
      await Promise.race([
        this.transport.send({ id, to, subject, text, sensitive }, deadline.signal),
        rejectOnAbort(deadline.signal),
      ]);
    } catch (err) {
      error = deadline.signal.aborted ? deadline.signal.reason : err;
    } finally {
      clearTimeout(timer);
      this.abandonAll.signal.removeEventListener('abort', onStop);
    }
    if (error === undefined) {
      if (!(await recordSent(this.db, mail)))
        this.log.error({ mailId: mail.id }, 'mail sent after its claim was taken over: it may arrive twice');
      return true;
    }
    const giveUp = mail.attempts >= MAX_MAIL_ATTEMPTS;
    const reason = error instanceof Error ? error.message.slice(0, 500) : 'unknown error';
    this.log[giveUp ? 'error' : 'warn'](
      { mailId: mail.id, attempts: mail.attempts, reason },
      giveUp ? 'mail given up' : 'mail will be retried',
    );
    const retryAt = new Date(Date.now() + retryDelaySeconds(mail.attempts) * 1_000);
    if (!(await recordFailure(this.db, mail, { giveUp, reason, retryAt })))
      this.log.warn({ mailId: mail.id }, 'mail failed after its claim was taken over; left to its new holder');
    return false;
  }

  /** Every `intervalMs`, unless a round is still going, sends whatever is due. */
  start(intervalMs = 2_000): void {
    if (this.timer || this.stopping) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.dispatchOnce()
        .catch(this.onRoundFailed)
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /**
   * Claims nothing more, lets the messages in flight finish for a moment, then abandons the rest
   * (each recorded as a failed attempt, retried later by whichever instance is still running).
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping = true;
    const grace = setTimeout(() => this.abandonAll.abort(), this.stopGraceMs);
    try {
      await this.running;
    } finally {
      clearTimeout(grace);
    }
    this.transport.close();
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
