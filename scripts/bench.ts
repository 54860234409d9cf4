// npm run bench — endorsement creation and the public signatories list against bare baselines,
// on the local PostgreSQL server (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
// Everything runs in a database of its own, dropped at the end. Prints the figures; no assertions.
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import type { ServiceContext } from '../src/modules/context.js';
import { addArea, createPledge, publishVersion } from '../src/modules/pledges/index.js';
import { createUser } from '../src/modules/users/index.js';
import { runLoad, type LoadResult } from './bench/load.js';
import {
  benchPool,
  buildForBench,
  cpuSecondsOf,
  postgresCpuSeconds,
  runPart,
  startServer,
  stopServer,
} from './bench/service.js';
import { startSmtpSink } from './bench/smtp-sink.js';

const baseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONCURRENCY = 32;
/** Requests each server gets before anything is measured: its code compiled, its pool full. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 4_000);
const SIGNATORIES = Number(process.env.BENCH_SIGNATORIES ?? 10_000);
const JWT_SECRET = randomBytes(32).toString('hex');

function dbUrl(name: string) {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

type Measured = LoadResult & { serverCpuMs: number; postgresCpuMs: number; rates: number[]; rounds: LoadResult[] };
type Request = ReturnType<Parameters<typeof runLoad>[0]['make']>;

/** One side of a comparison: a server process and the requests it is sent (make(i) with i never repeated). */
interface Target {
  pid: number;
  origin: string;
  expect: number;
  make: (i: number) => Request;
}

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 3_000);
/** Fresh cities to create per create target: enough for rounds at up to 8,000 requests a second. */
const creatableCities = (warmup: number) => warmup + Math.ceil((ROUNDS * ROUND_MS * 8_000) / 1_000);

/**
 * Measures each target in ROUNDS rounds of ROUND_MS each, interleaved (A, B, C, A, B, C …), so
 * that a slow moment of the machine falls on all of them alike, and a fast route is measured as
 * long as a slow one; each target is warmed up first (its JIT compiled, its pool filled). Reports,
 * per target, the round with the median rate, and the CPU time its server and PostgreSQL spent
 * per request over all rounds. `capacity`: how many distinct requests make(i) can build.
 */
async function compare(targets: Target[], warmup: number, capacity = Number.POSITIVE_INFINITY): Promise<Measured[]> {
  const used = targets.map(() => 0);
  const load = async (t: number, warm: number, measure: boolean) => {
    const target = targets[t]!;
    const offset = used[t]!;
    const result = await runLoad({
      origin: target.origin,
      total: measure ? capacity - offset - warm : 0,
      durationMs: measure ? ROUND_MS : undefined,
      warmup: warm,
      concurrency: CONCURRENCY,
      expect: target.expect,
      make: (i) => target.make(offset + i),
    });
    used[t]! += warm + result.requests;
    return result;
  };
  // Errors anywhere, warm-up included, are reported: a failing route must not look fast.
  const errors = targets.map(() => 0);
  for (let t = 0; t < targets.length; t++) errors[t]! += (await load(t, warmup, false)).errors;
  const rounds: LoadResult[][] = targets.map(() => []);
  const cpu = targets.map(() => ({ server: 0, postgres: 0, requests: 0 }));
  for (let r = 0; r < ROUNDS; r++) {
    for (let t = 0; t < targets.length; t++) {
      const server0 = cpuSecondsOf(targets[t]!.pid);
      const pg0 = postgresCpuSeconds();
      const result = await load(t, 0, true);
      cpu[t]!.server += cpuSecondsOf(targets[t]!.pid) - server0;
      cpu[t]!.postgres += postgresCpuSeconds() - pg0;
      cpu[t]!.requests += result.requests;
      rounds[t]!.push(result);
      errors[t]! += result.errors;
    }
  }
  return rounds.map((results, t) => {
    const sorted = [...results].sort((a, b) => a.rate - b.rate);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const { server, postgres, requests } = cpu[t]!;
    return {
      ...median,
      errors: errors[t]!,
      rates: results.map((x) => x.rate),
      rounds: results,
      serverCpuMs: (server * 1000) / requests,
      postgresCpuMs: (postgres * 1000) / requests,
    };
  });
}

/**
 * The ratio of two targets measured in the same interleaved rounds: round by round (each pair ran
 * within seconds of each other, so a slower moment of the machine falls on both), then the median.
 * Steadier than the ratio of two medians, which may come from different moments.
 */
function pairedRatio(a: Measured, b: Measured, field: 'rate' | 'p99'): { median: number; each: number[] } {
  const each = a.rounds.map((round, i) => round[field] / b.rounds[i]![field]);
  const sorted = [...each].sort((x, y) => x - y);
  return { median: sorted[Math.floor(sorted.length / 2)]!, each };
}

/** Node's fetch compiles its own code over the first few thousand requests: do that before measuring anything. */
async function warmLoadGenerator(origin: string) {
  await runLoad({
    origin,
    total: 0,
    warmup: 6_000,
    concurrency: CONCURRENCY,
    expect: 201,
    make: () => ({
      method: 'POST',
      path: '/bare/noop',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ warm: randomUUID() }),
    }),
  });
}

const fmt = (r: Measured) =>
  `${r.rate.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ` +
  `${r.p99.toFixed(1).padStart(6)} ms   (rounds ${r.rates.map((x) => x.toFixed(0)).join(' / ')}; ${r.errors} ` +
  `errors in all)   CPU per request: server ${r.serverCpuMs.toFixed(2)} ms, PostgreSQL ` +
  `${r.postgresCpuMs.toFixed(2)} ms`;

async function main() {
  const name = `ap_bench_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = dbUrl(name);
  const children: ChildProcess[] = [];
  try {
    const database = await openDatabase({ url, poolSize: 5 });
    await database.migrate();
    const db = database.db;
    const system: ServiceContext = { db, actor: { kind: 'system', label: 'bench' } };
    const password = randomBytes(12).toString('hex');
    const staff = await createUser(system, {
      email: 'bench@example.org',
      name: 'Bench',
      role: 'secretariat',
      password,
    });
    const slug = 'bench-pledge';
    await createPledge(system, { slug, title: { en: 'Bench pledge' } });
    const keys = ['governance', 'economy', 'climate', 'services', 'inclusion', 'vulnerable'];
    for (const key of keys) await addArea(system, slug, 1, { key, title: { en: key }, description: { en: key } });
    const { version } = await publishVersion(system, slug, 1, { reason: 'benchmark fixture' });

    // Fresh cities for every create, for the service and both bare routes.
    const pool = benchPool(url, 4);
    const makeCities = async (count: number, prefix: string) => {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO cities (name, country, kind, region) SELECT $1 || g, 'EC', 'city', 'Americas' FROM ` +
          `generate_series(1, $2) g RETURNING id`,
        [prefix, count],
      );
      return rows.map((r) => r.id);
    };
    const warmup = WARMUP;
    const citiesNeeded = creatableCities(warmup);
    const appCities = await makeCities(citiesNeeded, 'App city ');
    const bareCities = await makeCities(citiesNeeded, 'Bare city ');
    const bareEndorseCities = await makeCities(citiesNeeded, 'Bare endorsing city ');
    await pool.query(
      'CREATE TABLE bench_bare (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), city_id uuid NOT NULL, name text ' +
        'NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
    );
    const versionId = (await pool.query('SELECT id FROM pledge_versions WHERE pledge_id = $1', [version.pledgeId]))
      .rows[0].id as string;

    const app = await startServer('app', url, JWT_SECRET);
    children.push(app.child);
    const bare = await startServer('bare', url, JWT_SECRET);
    children.push(bare.child);
    const login = await fetch(`${app.origin}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: staff.email, password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const json = { 'content-type': 'application/json' };
    await warmLoadGenerator(bare.origin);

    console.log(
      `\nPOST /pledges/:id/endorsements — fresh cities, authenticated, ${CONCURRENCY} connections, ${ROUNDS} ` +
        `interleaved rounds of ${ROUND_MS / 1000} s (median round shown)`,
    );
    const [create, bareInsert, bareEndorse] = await compare(
      [
        {
          pid: app.child.pid!,
          origin: app.origin,
          expect: 201,
          make: (i) => ({
            method: 'POST',
            path: `/api/v1/pledges/${version.pledgeId}/endorsements`,
            headers: { ...json, authorization: `Bearer ${accessToken}` },
            body: JSON.stringify({
              cityId: appCities[i],
              versionNumber: 1,
              scope: 'whole',
              signatory: { name: 'Mayor', title: 'Mayor' },
              language: 'en',
            }),
          }),
        },
        {
          pid: bare.child.pid!,
          origin: bare.origin,
          expect: 201,
          make: (i) => ({
            method: 'POST',
            path: '/bare/insert',
            headers: json,
            body: JSON.stringify({ cityId: bareCities[i], name: randomUUID() }),
          }),
        },
        {
          pid: bare.child.pid!,
          origin: bare.origin,
          expect: 201,
          make: (i) => ({
            method: 'POST',
            path: '/bare/endorse',
            headers: json,
            body: JSON.stringify({ pledgeId: version.pledgeId, versionId, cityId: bareEndorseCities[i] }),
          }),
        },
      ],
      warmup,
      citiesNeeded,
    );
    console.log(`  service      ${fmt(create!)}`);
    console.log(`  bare 4 rows  ${fmt(bareEndorse!)}   (the four rows a submission writes, in one statement)`);
    console.log(`  bare INSERT  ${fmt(bareInsert!)}   (one row, for scale)`);
    // Issue 7's measure: against the bare route that writes the same four rows.
    const rate = pairedRatio(create!, bareEndorse!, 'rate');
    const p99 = pairedRatio(create!, bareEndorse!, 'p99');
    const each = (r: { each: number[] }) => r.each.map((x) => x.toFixed(2)).join(' / ');
    console.log(
      `  against the four rows, by round (median): rate ${rate.median.toFixed(2)} (target ≥ 0.80; ${each(rate)}),` +
        ` p99 ${p99.median.toFixed(2)} × theirs (target ≤ 1.25; ${each(p99)})`,
    );

    // 10,000 verified endorsements for the public list.
    const signatoryCities = await makeCities(SIGNATORIES, 'Signatory city ');
    await pool.query(
      `INSERT INTO endorsements (pledge_id, city_id, version_id, version_number, content_hash, scope, area_keys,
        signatory_name, signatory_title, language, status, verified_at, created_at, submitted_at)
       SELECT $1, c, $2, 1, $3, 'whole', $4::jsonb, 'Mayor', 'Mayor', 'en', 'verified',
         now() - (g || ' minutes')::interval, now(), now()
       FROM unnest($5::uuid[]) WITH ORDINALITY AS t(c, g)`,
      [version.pledgeId, versionId, version.contentHash, JSON.stringify(keys), signatoryCities],
    );
    await pool.query('ANALYZE');

    console.log(
      `\nGET /public/pledges/:slug/signatories — ${SIGNATORIES} verified endorsements, ${CONCURRENCY} ` +
        `connections, ${ROUNDS} interleaved rounds of ${ROUND_MS / 1000} s`,
    );
    // The same list with the public cache off: what each request costs when it reaches the database.
    const uncachedServer = await startServer('app', url, JWT_SECRET, { PUBLIC_CACHE_MS: '0' });
    children.push(uncachedServer.child);
    const list = (origin: string, pid: number): Target => ({
      pid,
      origin,
      expect: 200,
      make: () => ({ method: 'GET', path: `/api/v1/public/pledges/${slug}/signatories` }),
    });
    const [cached, uncached, bareSelect] = await compare(
      [
        list(app.origin, app.child.pid!),
        list(uncachedServer.origin, uncachedServer.child.pid!),
        {
          pid: bare.child.pid!,
          origin: bare.origin,
          expect: 200,
          make: () => ({ method: 'GET', path: `/bare/select?pledge=${version.pledgeId}` }),
        },
      ],
      WARMUP,
    );
    console.log(`  service      ${fmt(cached!)}   (public cache: ${1_000} ms, as deployed)`);
    console.log(`  uncached     ${fmt(uncached!)}   (PUBLIC_CACHE_MS=0)`);
    console.log(`  bare SELECT  ${fmt(bareSelect!)}`);
    console.log(
      `  ratio ${(cached!.rate / bareSelect!.rate).toFixed(2)}, uncached ` +
        `${(uncached!.rate / bareSelect!.rate).toFixed(2)} (target ≥ 0.80); p99 target < 50 ms\n`,
    );

    await pool.end();
    await database.close();
  } finally {
    for (const child of children) stopServer(child);
    await new Promise((r) => setTimeout(r, 300));
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

interface CertificateRun {
  count: number;
  renderMs: number | null;
  workerRenderMs: number | null;
  seconds: number;
  zipBytes: number;
  baselineRssMb: number;
  peakRssMb: number;
}

/** Each ZIP measurement in a fresh process, so that one run's memory does not colour the next. */
function certificateRun(count: number, renders: number): Promise<CertificateRun> {
  return runPart('scripts/bench/certificates.ts', [baseUrl, String(count), String(renders)], { exposeGc: true });
}

async function certificatesBench() {
  console.log('Certificates — rendering and signing on one core, and peak memory while streaming a ZIP');
  const small = await certificateRun(500, 300);
  console.log(
    `  render       ${small.renderMs!.toFixed(1)} ms a certificate = ${(1000 / small.renderMs!).toFixed(0)}/s ` +
      `(target < 20 ms); on a worker thread, one at a time: ${small.workerRenderMs!.toFixed(1)} ms`,
  );
  const runs = [small, await certificateRun(1_000, 0), await certificateRun(5_000, 0)];
  for (const r of runs) {
    console.log(
      `  ZIP ${String(r.count).padStart(5)}    ${(r.count / r.seconds).toFixed(0).padStart(4)} certificates/s, ` +
        `${(r.zipBytes / 2 ** 20).toFixed(1)} MB, peak RSS ${r.peakRssMb.toFixed(0)} MB (at start ` +
        `${r.baselineRssMb.toFixed(0)} MB)`,
    );
  }
  const growth = runs[2]!.peakRssMb / runs[0]!.peakRssMb - 1;
  console.log(
    `  5,000 vs 500: peak memory ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}% (target within 20%)\n`,
  );
}

interface ReportsRun {
  count: number;
  copySeconds: number;
  csvSeconds: number;
  csvMb: number;
  baselineRssMb: number;
  peakRssMb: number;
  summaryMedianMs: number;
  summaryMaxMs: number;
}

function reportsRun(count: number): Promise<ReportsRun> {
  return runPart('scripts/bench/reports.ts', [baseUrl, String(count)], { exposeGc: true });
}

async function reportsBench() {
  console.log('Reports — the CSV export beside psql \\copy of the same rows, and the summary');
  for (const count of (process.env.BENCH_REPORT_ROWS ?? '10000,100000,300000').split(',').map(Number)) {
    const r = await reportsRun(count);
    console.log(
      `  ${String(count).padStart(7)} rows  CSV ${r.csvSeconds.toFixed(2)} s vs \\copy ` +
        `${r.copySeconds.toFixed(2)} s (${(r.csvSeconds / r.copySeconds).toFixed(2)}×, target ≤ 1.5×; medians of ` +
        `3), ` +
        `${r.csvMb.toFixed(1)} MB; service RSS ${r.baselineRssMb.toFixed(0)} → peak ${r.peakRssMb.toFixed(0)} ` +
        `MB; summary median ${r.summaryMedianMs.toFixed(0)} ms${count === 100_000 ? ' (target < 200 ms)' : ''}`,
    );
  }
  console.log('');
}

interface MailRun {
  count: number;
  queued: number;
  seconds: number;
  sent: number;
  failed: number;
  unsent: number;
}

function mailRun(smtpUrl: string, count: number, poolSize: number, instances: number): Promise<MailRun> {
  return runPart('scripts/bench/mail.ts', [baseUrl, smtpUrl, String(count), String(poolSize), String(instances)]);
}

/**
 * The dispatcher against a local SMTP server (in this process; the dispatchers in another): one
 * instance at several pool sizes, then two instances sharing the queue. Before issue 12 a
 * dispatcher sent at most 20 mails every 2 s, one at a time: 10 mails/s.
 */
async function mailBench() {
  const count = Number(process.env.BENCH_MAILS ?? 3_000);
  console.log(`Mail — ${count} queued mails sent by the dispatcher to a local SMTP sink (target ≥ 50 mails/s)`);
  for (const [poolSize, instances] of [
    [1, 1],
    [5, 1],
    [10, 1],
    [5, 2],
  ] as const) {
    const sink = await startSmtpSink();
    try {
      const r = await mailRun(sink.url, count, poolSize, instances);
      console.log(
        `  SMTP_POOL_SIZE=${String(poolSize).padEnd(2)} ${instances} instance${instances > 1 ? 's' : ' '}  ` +
          `${(r.sent / r.seconds).toFixed(0).padStart(5)} mails/s (${r.sent} in ${r.seconds.toFixed(2)} s, ` +
          `${r.failed} failed, ${r.unsent} left unsent; the sink accepted ${sink.accepted()} of ${r.queued} ` +
          `queued, ${sink.duplicates()} twice, over ${sink.connections()} connections)`,
      );
    } finally {
      await sink.close();
    }
  }
  console.log('');
}

interface WriteLoad {
  requests: number;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  healthzMaxMs: number;
}
type IsolationRun = { rows: number; certificates: number; connections: number; idle: WriteLoad } & Record<
  'certificatesZip' | 'xlsx' | 'csv' | 'summaryPdf' | 'summary',
  WriteLoad & { downloads: { finished: number; bytes: number; entries: number } }
>;

function isolationRun(): Promise<IsolationRun> {
  return runPart('scripts/bench/isolation.ts', [baseUrl]);
}

/**
 * Issue 12's measure: what a large download costs everyone else. The write p99 beside each
 * download, against the same writes idle (target: within 2×).
 */
async function isolationBench() {
  const r = await isolationRun();
  const seconds = Number(process.env.BENCH_ISOLATION_MS ?? 15_000) / 1000;
  console.log(
    `Isolation — endorsement creation (${r.connections} connections, ${seconds} s each) idle and while each ` +
      `download runs back to back (${r.rows.toLocaleString('en')} rows, ${r.certificates.toLocaleString('en')} ` +
      `certificates); the longest /healthz answer beside it`,
  );
  const line = (label: string, w: WriteLoad, extra = '', target = ', target ≤ 2×') =>
    console.log(
      `  ${label.padEnd(16)} p99 ${w.p99.toFixed(1).padStart(7)} ms (${(w.p99 / r.idle.p99).toFixed(2)}× idle` +
        `${target})   p50 ${w.p50.toFixed(1).padStart(6)} ms   ${w.rate.toFixed(0).padStart(5)} writes/s   ` +
        `/healthz ≤ ${w.healthzMaxMs.toFixed(0)} ms   ${w.errors} errors${extra}`,
    );
  const reference = (label: string, w: WriteLoad, extra: string) => line(label, w, extra, '');
  reference('idle', r.idle, '');
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const zip = r.certificatesZip.downloads;
  line(
    'certificates.zip',
    r.certificatesZip,
    `   (${zip.entries} certificates, ${(zip.entries / seconds).toFixed(1)}/s)`,
  );
  const xlsx = r.xlsx.downloads;
  line('xlsx', r.xlsx, `   (${xlsx.finished} workbooks finished, ${mb(xlsx.bytes)})`);
  line('summary.pdf', r.summaryPdf, `   (${r.summaryPdf.downloads.finished} PDFs)`);
  console.log('  for reference, what needs no worker thread (the same rows read, the same figures computed):');
  reference('csv', r.csv, `   (${r.csv.downloads.finished} reports finished, ${mb(r.csv.downloads.bytes)})`);
  reference('summary (JSON)', r.summary, `   (${r.summary.downloads.finished} summaries)`);
  console.log('');
}

type PortalPage = LoadResult & { rounds: LoadResult[]; serverCpuMs: number; postgresCpuMs: number };

interface PortalRun {
  endorsements: number;
  submitted: number;
  connections: number;
  warmupErrors: number;
  home: PortalPage;
  queue: PortalPage;
}

function portalRun(): Promise<PortalRun> {
  return runPart('scripts/bench/portal.ts', [baseUrl]);
}

/** Issue 14's measure: the secretariat's home and the verification queue at 10,000 endorsements. */
async function portalBench() {
  const r = await portalRun();
  console.log(
    `Portal — the secretariat's pages, signed in (a session cookie), ${r.endorsements.toLocaleString('en')} ` +
      `endorsements (${r.submitted.toLocaleString('en')} awaiting verification), ${r.connections} connections ` +
      `(median round of ${r.home.rounds.length})`,
  );
  for (const [label, page] of [
    ['GET /secretariat', r.home],
    ['GET /secretariat/endorsements', r.queue],
  ] as const) {
    const errors = page.rounds.reduce((n, x) => n + x.errors, 0);
    const p99s = page.rounds.map((x) => x.p99.toFixed(1)).join(' / ');
    console.log(
      `  ${label.padEnd(30)} ${page.rate.toFixed(0).padStart(5)} req/s   p50 ${page.p50.toFixed(1).padStart(6)} ms   ` +
        `p99 ${page.p99.toFixed(1).padStart(6)} ms (target < 100 ms; each round's p99: ${p99s})   ${errors} errors   ` +
        `CPU per page: server ${page.serverCpuMs.toFixed(1)} ms, PostgreSQL ${page.postgresCpuMs.toFixed(1)} ms`,
    );
  }
  console.log('');
}

// `npm run bench` runs everything; `npm run bench -- http`, `-- certificates`, `-- reports`, `-- mail`,
// `-- isolation` or `-- portal` one part.
const parts = ['http', 'certificates', 'reports', 'mail', 'isolation', 'portal'];
let only: string | undefined;
try {
  const { positionals } = parseArgs({ args: process.argv.slice(2), options: {}, allowPositionals: true });
  if (positionals.length > 1 || (positionals[0] !== undefined && !parts.includes(positionals[0])))
    throw new Error(`Unknown part ${positionals.join(' ')}`);
  only = positionals[0];
} catch (err) {
  console.error(`Error: ${err instanceof Error ? err.message : err}\nUsage: npm run bench [-- ${parts.join('|')}]`);
  process.exit(1);
}
buildForBench();
const run =
  only === 'certificates'
    ? certificatesBench()
    : only === 'reports'
      ? reportsBench()
      : only === 'mail'
        ? mailBench()
        : only === 'isolation'
          ? isolationBench()
          : only === 'portal'
            ? portalBench()
            : main().then(async () => {
                if (only === 'http') return;
                await certificatesBench();
                await reportsBench();
                await mailBench();
                await isolationBench();
                await portalBench();
              });
run.catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
