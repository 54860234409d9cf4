// One mail measurement in a process of its own: N mails queued in a database of their own, sent by
// `instances` dispatchers (each with its own database pool and SMTP_POOL_SIZE connections, as
// separate instances of the service would be) to the SMTP server at the given URL. Prints JSON.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/client.js';
import { createMailTransport, MailDispatcher } from '../../src/modules/mail/index.js';
import { benchPool } from './service.js';

const [baseUrl, smtpUrl, countArg, poolSizeArg, instancesArg] = process.argv.slice(2);
const count = Number(countArg);
const poolSize = Number(poolSizeArg);
const instances = Number(instancesArg);
/** Mails each dispatcher sends before the clock starts: its code compiled, its connections open. */
const WARMUP = 200;

const name = `ap_bench_mail_${randomBytes(4).toString('hex')}`;
const url = new URL(baseUrl!);
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
url.pathname = `/${name}`;
const dbUrl = url.toString();
const databases: Database[] = [];
let pool: pg.Pool | undefined;

const quiet = {
  info: () => undefined,
  warn: (obj: object, msg: string) => console.error(msg, JSON.stringify(obj)),
  error: (obj: object, msg: string) => console.error(msg, JSON.stringify(obj)),
};

try {
  for (let i = 0; i < instances; i++) databases.push(await openDatabase({ url: dbUrl, poolSize: poolSize + 2 }));
  await databases[0]!.migrate();
  pool = benchPool(dbUrl, 1);
  const queue = (n: number, prefix: string) =>
    pool!.query(
      `INSERT INTO mail_outbox ("to", subject, text)
       SELECT $1 || g || '@example.org', 'Bench mail ' || g, repeat('A line of the body of the mail. ', 30)
       FROM generate_series(1, $2) g`,
      [prefix, n],
    );
  const config = loadConfig({ SMTP_URL: smtpUrl, SMTP_POOL_SIZE: String(poolSize), LOG_LEVEL: 'silent' });
  const dispatchers = databases.map(
    (d) =>
      new MailDispatcher(d.db, createMailTransport(config, quiet), quiet, { sendTimeoutMs: config.mail.sendTimeoutMs }),
  );

  await queue(WARMUP * instances, 'warm-');
  await Promise.all(dispatchers.map((d) => d.dispatchOnce(WARMUP)));
  // Whatever one dispatcher left of the warm-up, so that the measured round sends only its own.
  await dispatchers[0]!.dispatchOnce();

  await queue(count, 'mail-');
  const started = performance.now();
  const rounds = await Promise.all(dispatchers.map((d) => d.dispatchOnce()));
  const seconds = (performance.now() - started) / 1000;
  const {
    rows: [left],
  } = await pool.query(`SELECT count(*) FILTER (WHERE status <> 'sent')::int AS unsent FROM mail_outbox`);
  for (const d of dispatchers) await d.stop();
  console.log(
    JSON.stringify({
      count,
      queued: count + WARMUP * instances,
      seconds,
      sent: rounds.reduce((n, r) => n + r.sent, 0),
      failed: rounds.reduce((n, r) => n + r.failed, 0),
      unsent: left.unsent,
    }),
  );
} finally {
  await pool?.end();
  for (const d of databases) await d.close();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
