import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Config } from '../../config.js';

export interface MailMessage {
  id: string;
  to: string;
  subject: string;
  text: string | null;
  sensitive: boolean;
}

export interface MailTransport {
  kind: 'smtp' | 'log';
  /** How many messages it carries at once (the SMTP pool's connections). */
  concurrency: number;
  /**
   * Sends one message. When `signal` aborts, the send stops and rejects: an SMTP connection in
   * the middle of it is closed, so the server drops the half-sent message instead of keeping it.
   */
  send(message: MailMessage, signal: AbortSignal): Promise<void>;
  close(): void;
}

interface Logger {
  info(obj: object, msg: string): void;
}

export function createMailTransport(config: Config, log: Logger): MailTransport {
  const { smtpUrl, from, poolSize, connectTimeoutMs, sendTimeoutMs } = config.mail;
  if (smtpUrl) {
    // A pool: connections stay open between messages (no TCP, TLS and EHLO per mail) and carry
    // poolSize messages at once. Nodemailer's own timeouts (two minutes to connect, ten of
    // silence) would outlast a claim; here none is longer than the send timeout.
    const smtp = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: poolSize,
      connectionTimeout: connectTimeoutMs,
      greetingTimeout: connectTimeoutMs,
      socketTimeout: sendTimeoutMs,
    });
    return {
      kind: 'smtp',
      concurrency: poolSize,
      send: async (m, signal) => {
        // Nodemailer (10.6 and later) takes a per-message AbortSignal; its types do not list it yet.
        const mail: SMTPPool.MailOptions & { signal: AbortSignal } = {
          from,
          to: m.to,
          subject: m.subject,
          text: m.text ?? '',
          signal,
        };
        await smtp.sendMail(mail);
      },
      close: () => smtp.close(),
    };
  }
  // Without SMTP the message goes to the log, except a body that holds a secret.
  return {
    kind: 'log',
    concurrency: 1,
    send: async (m) => {
      log.info(
        {
          mail: {
            id: m.id,
            to: m.to,
            subject: m.subject,
            text: m.sensitive ? '[withheld: contains a one-time secret; configure SMTP_URL to deliver it]' : m.text,
          },
        },
        'outgoing mail (SMTP_URL not set)',
      );
    },
    close: () => undefined,
  };
}
