// One reports measurement: N endorsements in a database of their own; the CSV export streamed
// from the real service, in a process of its own whose memory is sampled, beside psql's \copy
// of the very query the service runs; then the summary's latency. Prints JSON.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { csvExportQuery } from '../../src/modules/reports/index.js';
import { createUser } from '../../src/modules/users/index.js';
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
  const {
    rows: [pledge],
  } = await pool.query(`INSERT INTO pledges (slug, title) VALUES ('bench', '{"en":"Bench"}') RETURNING id`);
  const {
    rows: [version],
  } = await pool.query(
    `INSERT INTO pledge_versions (pledge_id, number, status, preamble, content_hash)
     VALUES ($1, 1, 'published', '{"en":""}', $2) RETURNING id`,
    [pledge.id, 'a'.repeat(64)],
  );
  await pool.query(
    `INSERT INTO action_areas (version_id, key, position, title, description)
     SELECT $1, 'area-' || g, g, '{"en":"Area"}', '{"en":"Area"}' FROM generate_series(1, 6) g`,
    [version.id],
  );
  // Cities across a few countries, a third of them in a network; endorsements in every status,
  // whole or partial, created over 400 days; progress on a tenth of them.
  await pool.query(
    `INSERT INTO cities (name, country, kind, region)
     SELECT 'City ' || g, (ARRAY['EC','BR','FR','KE','IN','JP'])[1 + g % 6], 'city',
            (ARRAY['Americas','Americas','Europe','Africa','Asia','Asia'])[1 + g % 6]
     FROM generate_series(1, $1) g`,
    [count],
  );
  await pool.query(
    `INSERT INTO city_networks (city_id, network_id)
     SELECT c.id, n.id FROM cities c JOIN networks n ON n.code = 'MMC' WHERE random() < 0.33`,
  );
  await pool.query(
    `INSERT INTO endorsements (pledge_id, city_id, version_id, version_number, content_hash, scope, area_keys,
                               signatory_name, signatory_title, language, status, verified_at, withdrawn_at,
                               created_at, submitted_at)
     SELECT $1, c.id, $2, 1, $3, s.scope, s.areas::jsonb, 'Mayor ' || c.name, 'Mayor', 'en', s.status,
            CASE WHEN s.status = 'verified' THEN now() END, CASE WHEN s.status = 'withdrawn' THEN now() END,
            s.created, s.created
     FROM (SELECT c.*, row_number() OVER () AS g FROM cities c) c
     CROSS JOIN LATERAL (SELECT CASE WHEN c.g % 3 = 0 THEN 'whole' ELSE 'areas' END AS scope,
       CASE WHEN c.g % 3 = 0 THEN '["area-1","area-2","area-3","area-4","area-5","area-6"]'
            ELSE '["area-1","area-3"]' END AS areas,
       (ARRAY['verified','verified','verified','verified','verified','verified','verified',
              'submitted','submitted','withdrawn','rejected'])[1 + c.g % 11] AS status,
       now() - random() * 400 * interval '1 day' AS created) s`,
    [pledge.id, version.id, 'a'.repeat(64)],
  );
  await pool.query(
    `INSERT INTO progress_updates (endorsement_id, area_key, stage, narrative, created_at)
     SELECT e.id, 'area-1', 'in_progress', 'Office opened', e.created_at + interval '30 days'
     FROM endorsements e WHERE random() < 0.1`,
  );
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
