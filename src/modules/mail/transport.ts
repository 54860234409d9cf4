import nodemailer from 'nodemailer';
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
  send(message: MailMessage): Promise<void>;
  close(): void;
}

interface Logger {
  info(obj: object, msg: string): void;
}

export function createMailTransport(config: Config, log: Logger): MailTransport {
  if (config.mail.smtpUrl) {
    const smtp = nodemailer.createTransport(config.mail.smtpUrl);
    return {
      kind: 'smtp',
      send: async (m) => {
        await smtp.sendMail({ from: config.mail.from, to: m.to, subject: m.subject, text: m.text ?? '' });
      },
      close: () => smtp.close(),
    };
  }
  // Without SMTP the message goes to the log, except a body that holds a secret.
  return {
    kind: 'log',
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
