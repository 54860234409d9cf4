import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A message the server holds unanswered, once it has received all of it. */
export interface Stall {
  /** Resolves when the server has the whole message and holds back its answer. */
  started: Promise<void>;
  /** Resolves when the client hangs up on the held message (it is then not accepted). */
  hungUp: Promise<void>;
  /** Answers 250 (the message accepted) if the client is still there. */
  release(): void;
}

export interface FakeSmtp {
  /** smtp://127.0.0.1:port */
  url: string;
  /** The recipient of every message the server accepted (answered 250), in order. */
  accepted: string[];
  /** How many connections clients opened. */
  connections(): number;
  /** Holds the first message to `to`; later ones to the same address are answered at once. */
  stallFirstTo(to: string): Stall;
  close(): Promise<void>;
}

interface StallState extends Stall {
  used: boolean;
  begin(): void;
  hangUp(): void;
  released: Promise<void>;
}

/**
 * A local SMTP server (smtp-server, no TLS, no authentication) that accepts everything, except
 * that it can be told to stall: to take a message in full and then not answer, as a hung server
 * does at the worst moment, when the client cannot tell whether the message was taken.
 */
export async function startFakeSmtp(): Promise<FakeSmtp> {
  const accepted: string[] = [];
  const stalls = new Map<string, StallState>();
  const open = new Set<string>();
  const hangUps = new Map<string, () => void>();
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // A client that holds a connection open must not hold up close() for the default 30 s.
    closeTimeout: 100,
    onConnect(session, callback) {
      connections++;
      open.add(session.id);
      callback();
    },
    onClose(session) {
      open.delete(session.id);
      hangUps.get(session.id)?.();
    },
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo.map((r) => r.address).join(',');
      stream.on('data', () => undefined);
      stream.on('end', () => {
        const stall = stalls.get(to);
        if (!stall || stall.used) {
          accepted.push(to);
          callback();
          return;
        }
        stall.used = true;
        hangUps.set(session.id, stall.hangUp);
        stall.begin();
        void stall.released.then(() => {
          if (!open.has(session.id)) return;
          accepted.push(to);
          callback();
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    connections: () => connections,
    stallFirstTo(to) {
      let begin!: () => void;
      let hangUp!: () => void;
      let release!: () => void;
      const stall: StallState = {
        used: false,
        started: new Promise<void>((resolve) => (begin = resolve)),
        hungUp: new Promise<void>((resolve) => (hangUp = resolve)),
        released: new Promise<void>((resolve) => (release = resolve)),
        begin: () => begin(),
        hangUp: () => hangUp(),
        release: () => release(),
      };
      stalls.set(to, stall);
      return stall;
    },
    close: () => {
      // Whatever is still held is let go (its client may be gone), so no callback stays pending.
      for (const stall of stalls.values()) stall.release();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
