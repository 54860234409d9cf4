// One reports measurement: N endorsements in a database of their own; the CSV export streamed
// from the real service, in a process of its own whose memory is sampled, beside psql's \copy
// of the very query the service runs; then the summary's latency. Prints JSON.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { csvExportQuery } from '../../src/modules/reports/index.js';
import { createUser } from '../../src/modules/users/index.js';
import { reportPledge } from './fixtures.js';
import { benchPool, rssOf, startServer, stopServer } from './service.js';

const [baseUrl, countArg] = process.argv.slice(2);
const count = Number(countArg);
const name = `ap_bench_rep_${randomBytes(4).toString('hex')}`;
const url = new URL(baseUrl!);
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
url.pathname = `/${name}`;
const dbUrl = url.toString();
const jwtSecret = randomBytes(32).toString('hex');
let service: Awaited<ReturnType<typeof startServer>> | undefined;

/** A query with its parameters written in as literals, for psql. */
function inline(query: { sql: string; params: unknown[] }): string {
  return query.sql.replace(
    /\$(\d+)/g,
    (_, n: string) => `'${String(query.params[Number(n) - 1]).replaceAll("'", "''")}'`,
  );
}

try {
  const database = await openDatabase({ url: dbUrl, poolSize: 4 });
  await database.migrate();
  const pool = benchPool(dbUrl, 2);
  const pledge = await reportPledge(pool, count);
  await pool.query('ANALYZE');

  // psql's \copy of the service's own query (the same rows and the same SQL), to CSV.
  const system = { db: database.db, actor: { kind: 'system', label: 'bench' } } as const;
  const serviceQuery = inline(await csvExportQuery(system, pledge.id));
  // Each side three times, taking the median: one run on a shared machine is too noisy a figure.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const copyRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const copyStarted = performance.now();
    const copy = spawnSync(
      'psql',
      [dbUrl, '-q', '-c', `\\copy (${serviceQuery.replace(/\s+/g, ' ')}) TO '/dev/null' WITH CSV HEADER`],
      { encoding: 'utf8' },
    );
    copyRuns.push((performance.now() - copyStarted) / 1000);
    if (copy.status !== 0) throw new Error(`psql failed: ${copy.stderr}`);
  }
  const copySeconds = median(copyRuns);

  const password = randomBytes(12).toString('hex');
  await createUser(system, { email: 'bench@example.org', name: 'Bench', role: 'secretariat', password });
  service = await startServer('app', dbUrl, jwtSecret);
  const login = await fetch(`${service.origin}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.org', password }),
  });
  const headers = { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` };
  const download = async (path: string) => {
    const res = await fetch(`${service!.origin}/api/v1/pledges/bench/reports/${path}`, { headers });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    let bytes = 0;
    for await (const chunk of res.body ?? []) bytes += chunk.length;
    return bytes;
  };

  // Warm the service up on a small export first, so the figures are the export's own.
  await download('endorsements.csv?status=rejected');
  const pid = service.child.pid!;
  const baseline = rssOf(pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 5);
  const csvRuns: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    bytes = await download('endorsements.csv');
    csvRuns.push((performance.now() - started) / 1000);
  }
  clearInterval(sampler);
  peak = Math.max(peak, rssOf(pid));
  const csvSeconds = median(csvRuns);

  const latencies: number[] = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const r = await fetch(`${service.origin}/api/v1/pledges/bench/reports/summary`, { headers });
    await r.json();
    if (i >= 2) latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      count,
      copySeconds,
      csvSeconds,
      csvMb: bytes / 2 ** 20,
      baselineRssMb: baseline / 2 ** 20,
      peakRssMb: peak / 2 ** 20,
      summaryMedianMs: latencies[Math.floor(latencies.length / 2)],
      summaryMaxMs: latencies[latencies.length - 1],
    }),
  );
  await pool.end();
  await database.close();
} finally {
  if (service) stopServer(service.child);
  await new Promise((r) => setTimeout(r, 300));
  // BENCH_KEEP=1 leaves the database for a closer look (its name is printed on stderr).
  if (process.env.BENCH_KEEP) console.error(`kept database ${name}`);
  else await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
