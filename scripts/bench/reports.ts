// One reports measurement in a fresh process: N endorsements in a database of its own; the CSV
// export through the real service (peak memory sampled) beside psql's \copy of the same rows;
// the summary's latency. Prints JSON.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { createUser } from '../../src/modules/users/users.service.js';

const [baseUrl, countArg] = process.argv.slice(2);
const count = Number(countArg);
const name = `ap_bench_rep_${randomBytes(4).toString('hex')}`;
const url = new URL(baseUrl!);
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
url.pathname = `/${name}`;
const dbUrl = url.toString();
try {
  const database = await openDatabase({ url: dbUrl, poolSize: 10 });
  await database.migrate();
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
  const { rows: [pledge] } = await pool.query(`INSERT INTO pledges (slug, title) VALUES ('bench', '{"en":"Bench"}') RETURNING id`);
  const { rows: [version] } = await pool.query(`INSERT INTO pledge_versions (pledge_id, number, status, preamble, content_hash) VALUES ($1, 1, 'published', '{"en":""}', $2) RETURNING id`, [pledge.id, 'a'.repeat(64)]);
  await pool.query(`INSERT INTO action_areas (version_id, key, position, title, description) SELECT $1, 'area-' || g, g, '{"en":"Area"}', '{"en":"Area"}' FROM generate_series(1, 6) g`, [version.id]);
  await pool.query(
    `WITH c AS (INSERT INTO cities (name, country, kind, region) SELECT 'City ' || g, 'EC', 'city', 'Americas' FROM generate_series(1, $1) g RETURNING id)
     INSERT INTO endorsements (pledge_id, city_id, version_id, version_number, content_hash, scope, area_keys, signatory_name, signatory_title, language, status, verified_at, created_at, submitted_at)
     SELECT $2, c.id, $3, 1, $4, 'areas', '["area-1","area-3"]', 'Mayor', 'Mayor', 'en', 'verified', now(), now() - (random() * 400 || ' days')::interval, now() FROM c`,
    [count, pledge.id, version.id, 'a'.repeat(64)],
  );
  await pool.query('ANALYZE');

  // psql's \copy of the same rows and columns, to CSV.
  const copySql = `SELECT e.id, c.name, c.country, c.region,
      (SELECT string_agg(n.code, ';' ORDER BY n.code) FROM city_networks cn JOIN networks n ON n.id = cn.network_id WHERE cn.city_id = c.id) AS networks,
      e.status, e.version_number, e.scope, e.area_keys, e.signatory_name, e.signatory_title, e.language, e.submitted_at, e.verified_at, e.withdrawn_at,
      (SELECT cert.serial FROM certificates cert WHERE cert.endorsement_id = e.id AND cert.status = 'valid'),
      (SELECT jsonb_object_agg(lp.area_key, lp.stage) FROM (SELECT DISTINCT ON (p.area_key) p.area_key, p.stage FROM progress_updates p WHERE p.endorsement_id = e.id ORDER BY p.area_key, p.created_at DESC) lp)
    FROM endorsements e JOIN cities c ON c.id = e.city_id WHERE e.pledge_id = '${pledge.id}' ORDER BY e.created_at, e.id`;
  const copyStarted = performance.now();
  const copy = spawnSync('psql', [dbUrl, '-q', '-c', `\\copy (${copySql.replace(/\s+/g, ' ')}) TO '/dev/null' WITH CSV HEADER`], { encoding: 'utf8' });
  const copySeconds = (performance.now() - copyStarted) / 1000;
  if (copy.status !== 0) throw new Error(`psql failed: ${copy.stderr}`);

  const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', JWT_SECRET: randomBytes(32).toString('hex') });
  const app = await buildApp({ config, database, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const staff = await createUser({ db: database.db, actor: { kind: 'system', label: 'bench' } }, { email: 'bench@example.org', name: 'Bench', role: 'secretariat', password: randomBytes(12).toString('hex') });
  const headers = { authorization: `Bearer ${app.jwt.sign({ sub: staff.id, role: 'secretariat' })}` };

  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  const res = await fetch(`${origin}/api/v1/pledges/bench/reports/endorsements.csv`, { headers });
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  const csvSeconds = (performance.now() - started) / 1000;
  clearInterval(sampler);

  const latencies: number[] = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const r = await fetch(`${origin}/api/v1/pledges/bench/reports/summary`, { headers });
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
  await app.close();
  await pool.end();
  await database.close();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
