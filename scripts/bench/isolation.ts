// One isolation measurement: the service started as in production on a database of its own (a
// pledge of BENCH_ISOLATION_ROWS endorsements, BENCH_ISOLATION_CERTIFICATES of them certified),
// then the p99 of endorsement creation, idle and while each download runs back to back (the
// certificates' ZIP, the Excel report, the summary's PDF; the CSV report and the summary's
// figures for reference), with the longest /healthz answer beside it. Prints JSON.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { certificates, signingKeys } from '../../src/db/schema/index.js';
import { canonicalJson } from '../../src/lib/hash.js';
import { keyIdOf, rawPublicKey } from '../../src/modules/certificates/signing-keys.js';
import type { ServiceContext } from '../../src/modules/context.js';
import { addArea, createPledge, publishVersion } from '../../src/modules/pledges/index.js';
import { createUser } from '../../src/modules/users/index.js';
import { reportPledge } from './fixtures.js';
import { runLoad } from './load.js';
import { benchPool, startServer, stopServer } from './service.js';

const [baseUrl] = process.argv.slice(2);
const ROWS = Number(process.env.BENCH_ISOLATION_ROWS ?? 100_000);
const CERTIFICATES = Number(process.env.BENCH_ISOLATION_CERTIFICATES ?? 2_000);
/** How long the writes are measured, idle and beside each download. */
const WINDOW_MS = Number(process.env.BENCH_ISOLATION_MS ?? 15_000);
/** Writes in flight at once: a busy office, not a saturated server (whose p99 is its queue). */
const CONNECTIONS = Number(process.env.BENCH_ISOLATION_CONNECTIONS ?? 8);
/** Fresh cities for the writes: enough for every window at up to 1,500 writes a second. */
const WRITABLE = Math.ceil((5 * WINDOW_MS * 1_500) / 1_000) + 4_000;
/** The signature that starts each entry of a ZIP. */
const LOCAL_HEADER = Buffer.from('PK\x03\x04', 'latin1');

const name = `ap_bench_iso_${randomBytes(4).toString('hex')}`;
const url = new URL(baseUrl!);
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
url.pathname = `/${name}`;
const dbUrl = url.toString();
const jwtSecret = randomBytes(32).toString('hex');
let service: Awaited<ReturnType<typeof startServer>> | undefined;
// Should this process die of an uncaught error, the service must not outlive it.
process.on('exit', () => service?.child.kill());

/** The first `count` verified endorsements of the pledge, certified as the service would (signed payloads). */
async function certify(database: Awaited<ReturnType<typeof openDatabase>>, pool: pg.Pool, pledgeId: string) {
  const { rows } = await pool.query<{ id: string; city: string; n: number }>(
    `SELECT e.id, c.name AS city, row_number() OVER (ORDER BY e.id)::int AS n FROM endorsements e
     JOIN cities c ON c.id = e.city_id WHERE e.pledge_id = $1 AND e.status = 'verified' ORDER BY e.id LIMIT $2`,
    [pledgeId, CERTIFICATES],
  );
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = rawPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  await database.db.insert(signingKeys).values({ keyId, publicKey, source: 'configured' });
  const issuedAt = new Date('2026-11-27T10:00:00Z');
  const title = { en: 'Quito City Action Pledge', es: 'Compromiso de Quito', fr: 'Engagement de Quito' };
  for (let start = 0; start < rows.length; start += 500) {
    const values = rows.slice(start, start + 500).map((e) => {
      const serial = `AP-${String(e.n).padStart(4, '0')}-${randomBytes(2).toString('hex').toUpperCase()}`;
      const payload = {
        serial,
        verifyUrl: `https://pledge.example.org/api/v1/certificates/${serial}`,
        pledge: { slug: 'bench', title },
        version: { number: 1, contentHash: 'a'.repeat(64) },
        city: { name: e.city, country: 'EC', countryName: { en: 'Ecuador', es: 'Ecuador', fr: 'Équateur' } },
        scope: 'whole' as const,
        areas: [],
        signatory: { name: `Mayor of ${e.city}`, title: 'Mayor' },
        language: (['en', 'es', 'fr'] as const)[e.n % 3]!,
        endorsementId: e.id,
        revision: 1,
        issuedAt: issuedAt.toISOString(),
      };
      const signature = sign(null, Buffer.from(canonicalJson(payload)), privateKey).toString('base64url');
      return { serial, endorsementId: e.id, revision: 1, payload, signature, keyId, issuedAt };
    });
    await database.db.insert(certificates).values(values);
  }
  return rows.length;
}

/** A second pledge for the writes, published with one area (through the services), and fresh cities to endorse it. */
async function writablePledge(system: ServiceContext, pool: pg.Pool) {
  await createPledge(system, { slug: 'writes', title: { en: 'Writes' } });
  await addArea(system, 'writes', 1, { key: 'area-1', title: { en: 'Area' }, description: { en: 'Area' } });
  const { version } = await publishVersion(system, 'writes', 1, { reason: 'benchmark fixture' });
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO cities (name, country, kind, region) SELECT 'Writing city ' || g, 'EC', 'city', 'Americas'
     FROM generate_series(1, $1) g RETURNING id`,
    [WRITABLE],
  );
  return { pledgeId: version.pledgeId, cities: rows.map((r) => r.id) };
}

try {
  const database = await openDatabase({ url: dbUrl, poolSize: 4 });
  await database.migrate();
  const pool = benchPool(dbUrl, 2);
  const pledge = await reportPledge(pool, ROWS);
  const certified = await certify(database, pool, pledge.id);
  const system: ServiceContext = { db: database.db, actor: { kind: 'system', label: 'bench' } };
  const writes = await writablePledge(system, pool);
  await pool.query('ANALYZE');
  const password = randomBytes(12).toString('hex');
  await createUser(system, { email: 'bench@example.org', name: 'Bench', role: 'secretariat', password });

  service = await startServer('app', dbUrl, jwtSecret);
  const { origin } = service;
  const login = await fetch(`${origin}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.org', password }),
  });
  const token = ((await login.json()) as { accessToken: string }).accessToken;
  const headers = { authorization: `Bearer ${token}` };

  let written = 0;
  /** Endorsement creation for `ms` (after `warmup` unmeasured ones), each on a city not used before. */
  const write = async (ms: number, warmup = 0) => {
    const offset = written;
    const result = await runLoad({
      origin,
      total: writes.cities.length - offset - warmup,
      durationMs: ms,
      warmup,
      concurrency: CONNECTIONS,
      expect: 201,
      make: (i) => ({
        method: 'POST',
        path: `/api/v1/pledges/${writes.pledgeId}/endorsements`,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          cityId: writes.cities[offset + i],
          versionNumber: 1,
          scope: 'whole',
          signatory: { name: 'Mayor', title: 'Mayor' },
          language: 'en',
        }),
      }),
    });
    written += warmup + result.requests;
    return result;
  };

  /** The longest /healthz answer while `during` runs, asked one after another. */
  const probeHealth = async (during: Promise<unknown>) => {
    let longest = 0;
    let done = false;
    const end = () => (done = true);
    void during.then(end, end);
    while (!done) {
      const started = performance.now();
      await (await fetch(`${origin}/healthz`)).arrayBuffer();
      longest = Math.max(longest, performance.now() - started);
      await new Promise((r) => setTimeout(r, 50));
    }
    return longest;
  };

  /**
   * Downloads `path` again and again until `stop` aborts (or once, with `once`): how many
   * finished, and the bytes taken (an unfinished one counts too; for a ZIP, the certificates are
   * the local file headers seen).
   */
  const downloads = async (path: string, stop: AbortSignal, once = false) => {
    let finished = 0;
    let bytes = 0;
    let entries = 0;
    while (!stop.aborted && !(once && finished > 0)) {
      try {
        const res = await fetch(`${origin}/api/v1/pledges/bench/${path}`, { headers, signal: stop });
        if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        let tail = Buffer.alloc(0);
        for await (const chunk of res.body ?? []) {
          bytes += chunk.length;
          const seen = Buffer.concat([tail, Buffer.from(chunk)]);
          for (let at = seen.indexOf(LOCAL_HEADER); at >= 0; at = seen.indexOf(LOCAL_HEADER, at + 4)) entries++;
          tail = seen.subarray(Math.max(0, seen.length - 3));
        }
        finished++;
      } catch (err) {
        if (!stop.aborted) throw err;
      }
    }
    return { finished, bytes, entries };
  };

  // Warm-up: the service's code compiled, the worker threads started, the pools filled; the ZIP
  // for two seconds, then left (its reader gone), the others once.
  await write(3_000, 2_000);
  await downloads('certificates.zip', AbortSignal.timeout(2_000));
  await downloads('reports/endorsements.xlsx?status=rejected', new AbortController().signal, true);
  await downloads('reports/summary.pdf', new AbortController().signal, true);

  const idleHealth = probeHealth(new Promise((r) => setTimeout(r, WINDOW_MS)));
  const idle = await write(WINDOW_MS);
  const results: Record<string, unknown> = { idle: { ...idle, healthzMaxMs: await idleHealth } };
  // The CSV and the summary's figures need no thread: what reading the same rows and computing
  // the same figures costs the writes, for reference.
  for (const [label, path] of [
    ['certificatesZip', 'certificates.zip'],
    ['xlsx', 'reports/endorsements.xlsx'],
    ['csv', 'reports/endorsements.csv'],
    ['summaryPdf', 'reports/summary.pdf'],
    ['summary', 'reports/summary'],
  ] as const) {
    const stop = new AbortController();
    const running = downloads(path, stop.signal);
    // The download has started (the workers at it) before the writes are measured.
    await new Promise((r) => setTimeout(r, 500));
    const measured = write(WINDOW_MS);
    const health = probeHealth(measured);
    const load = await measured;
    stop.abort();
    results[label] = { ...load, healthzMaxMs: await health, downloads: await running };
  }
  console.log(JSON.stringify({ rows: ROWS, certificates: certified, connections: CONNECTIONS, ...results }));
  await pool.end();
  await database.close();
} finally {
  if (service) stopServer(service.child);
  await new Promise((r) => setTimeout(r, 300));
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
