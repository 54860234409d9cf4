// The secretariat's portal pages at BENCH_PORTAL_ENDORSEMENTS endorsements (10,000 by default, of
// every status: scripts/bench/fixtures.ts): the service started in production mode on a database of
// its own, a secretariat signed in through the sign-in form (its session cookie), then GET
// /secretariat and GET /secretariat/endorsements (the queue's first page) at BENCH_PORTAL_CONNECTIONS
// connections, in interleaved rounds. Prints JSON: each page's median round (rate, p50, p99).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { openDatabase } from '../../src/db/client.js';
import type { ServiceContext } from '../../src/modules/context.js';
import { createUser } from '../../src/modules/users/index.js';
import { reportPledge } from './fixtures.js';
import { type LoadResult, runLoad } from './load.js';
import { benchPool, cpuSecondsOf, postgresCpuSeconds, scratchDatabase, startServer, stopServer } from './service.js';

const [baseUrl] = process.argv.slice(2);
const COUNT = Number(process.env.BENCH_PORTAL_ENDORSEMENTS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_PORTAL_CONNECTIONS ?? 8);
const ROUNDS = Number(process.env.BENCH_PORTAL_ROUNDS ?? 3);
const ROUND_MS = Number(process.env.BENCH_PORTAL_ROUND_MS ?? 5_000);
const WARMUP = Number(process.env.BENCH_PORTAL_WARMUP ?? 500);
const PAGES = { home: '/secretariat', queue: '/secretariat/endorsements' } as const;

const scratch = await scratchDatabase(baseUrl!, 'ap_bench_portal');
const dbUrl = scratch.url;
let service: Awaited<ReturnType<typeof startServer>> | undefined;
// Should this process die of an uncaught error, the service must not outlive it.
process.on('exit', () => service?.child.kill());

/** Signs in through the portal's form, as a browser does: the cookies that make its session. */
async function signIn(origin: string, email: string, password: string): Promise<string> {
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  };
  const header = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const form = await fetch(`${origin}/sign-in`, { headers: { accept: 'text/html' } });
  keep(form);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error('no CSRF token on the sign-in page');
  const res = await fetch(`${origin}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie: header() },
    body: new URLSearchParams({ _csrf: token, email, password }).toString(),
  });
  keep(res);
  if (res.status !== 303 || res.headers.get('location') !== '/secretariat')
    throw new Error(`signing in answered ${res.status} ${res.headers.get('location')}`);
  return header();
}

try {
  const database = await openDatabase({ url: dbUrl, poolSize: 4 });
  await database.migrate();
  const pool = benchPool(dbUrl, 2);
  const pledge = await reportPledge(pool, COUNT);
  await pool.query('ANALYZE');
  const {
    rows: [{ submitted }],
  } = await pool.query(
    `SELECT count(*)::int AS submitted FROM endorsements WHERE pledge_id = $1
    AND status = 'submitted'`,
    [pledge.id],
  );
  const system: ServiceContext = { db: database.db, actor: { kind: 'system', label: 'bench' } };
  const password = randomBytes(12).toString('hex');
  await createUser(system, { email: 'bench@example.org', name: 'Bench', role: 'secretariat', password });

  // As in production: the pages' templates compiled once and kept, the stylesheet cached.
  const { privateKey } = generateKeyPairSync('ed25519');
  service = await startServer('app', dbUrl, randomBytes(32).toString('hex'), {
    BENCH_PRODUCTION: '1',
    CERT_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  const { origin } = service;
  const cookie = await signIn(origin, 'bench@example.org', password);
  const load = (path: string, durationMs: number | undefined, warmup: number) =>
    runLoad({
      origin,
      total: durationMs === undefined ? 0 : Number.MAX_SAFE_INTEGER,
      durationMs,
      warmup,
      concurrency: CONNECTIONS,
      expect: 200,
      make: () => ({ method: 'GET', path, headers: { accept: 'text/html', cookie } }),
    });

  // Warm-up (the code compiled, the pool filled), then the pages in turn, round after round, so
  // that a slow moment of the machine falls on both.
  let errors = 0;
  for (const path of Object.values(PAGES)) errors += (await load(path, undefined, WARMUP)).errors;
  const rounds: Record<keyof typeof PAGES, LoadResult[]> = { home: [], queue: [] };
  // CPU time per page, of the service's process and of PostgreSQL: what the machine's load does
  // not change much, where the latencies follow whatever else runs on its two cores.
  const cpu = { home: { server: 0, postgres: 0 }, queue: { server: 0, postgres: 0 } };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [page, path] of Object.entries(PAGES) as Array<[keyof typeof PAGES, string]>) {
      const server0 = cpuSecondsOf(service.child.pid!);
      const postgres0 = postgresCpuSeconds();
      rounds[page].push(await load(path, ROUND_MS, 0));
      cpu[page].server += cpuSecondsOf(service.child.pid!) - server0;
      cpu[page].postgres += postgresCpuSeconds() - postgres0;
    }
  }
  const perPage = (page: keyof typeof PAGES) => {
    const requests = rounds[page].reduce((n, x) => n + x.requests, 0);
    return { serverCpuMs: (cpu[page].server * 1000) / requests, postgresCpuMs: (cpu[page].postgres * 1000) / requests };
  };
  const median = (results: LoadResult[]) =>
    [...results].sort((a, b) => a.rate - b.rate)[Math.floor(results.length / 2)]!;
  console.log(
    JSON.stringify({
      endorsements: COUNT,
      submitted,
      connections: CONNECTIONS,
      warmupErrors: errors,
      home: { ...median(rounds.home), ...perPage('home'), rounds: rounds.home },
      queue: { ...median(rounds.queue), ...perPage('queue'), rounds: rounds.queue },
    }),
  );
  await pool.end();
  await database.close();
} finally {
  if (service) stopServer(service.child);
  await new Promise((r) => setTimeout(r, 300));
  await scratch.drop();
}
