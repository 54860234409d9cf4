// One measurement in a fresh process (clean memory figures): rendering and signing one certificate,
// then N certificates in a database of its own and the ZIP of them (rendered on the worker pool,
// as the service does) streamed to
// nowhere while peak memory is sampled. Prints JSON.
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { certificates, signingKeys } from '../../src/db/schema/index.js';
import { canonicalJson } from '../../src/lib/hash.js';
import { loadConfig } from '../../src/config.js';
import { WorkerPool } from '../../src/lib/worker-pool.js';
import { renderCertificatePdf } from '../../src/modules/certificates/certificate.pdf.js';
import { renderOnWorker } from '../../src/modules/certificates/certificate.render.js';
import { certificatesZip } from '../../src/modules/certificates/certificates.zip.js';
import { generateDocumentSigner } from '../../src/modules/certificates/signing-certificates.js';
import { keyIdOf, rawPublicKey } from '../../src/modules/certificates/signing-keys.js';
import { benchPool } from './service.js';

const [baseUrl, countArg, renderArg] = process.argv.slice(2);
const count = Number(countArg);
const renders = Number(renderArg ?? 0);
const name = `ap_bench_cert_${randomBytes(4).toString('hex')}`;
const url = new URL(baseUrl!);
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
url.pathname = `/${name}`;
// Closed before the database is dropped, whatever happened: a pool still open then would see its
// connections ended by the server and take the process down, hiding the error that led there.
let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
let pool: pg.Pool | undefined;
// As the service makes it (WORKER_THREADS, WORKER_QUEUE).
const workers = new WorkerPool(loadConfig({ WORKER_THREADS: process.env.WORKER_THREADS }).workers);
try {
  database = await openDatabase({ url: url.toString(), poolSize: 4 });
  await database.migrate();
  pool = benchPool(url.toString(), 2);
  const {
    rows: [pledge],
  } = await pool.query(
    `INSERT INTO pledges (slug, title) VALUES ('bench', '{"en":"Quito City Action Pledge","es":"Compromiso de ` +
      `Quito","fr":"Engagement de Quito"}') RETURNING id`,
  );
  const {
    rows: [version],
  } = await pool.query(
    `INSERT INTO pledge_versions (pledge_id, number, status, preamble, content_hash) VALUES ($1, 1, 'published', ` +
      `'{"en":""}', $2) RETURNING id`,
    [pledge.id, 'a'.repeat(64)],
  );
  const { rows: endorsementRows } = await pool.query(
    `WITH c AS (INSERT INTO cities (name, country, kind, region) SELECT 'São Paulo ' || g, 'BR', 'city',
      'Americas' FROM generate_series(1, $1) g RETURNING id, name)
     INSERT INTO endorsements (pledge_id, city_id, version_id, version_number, content_hash, scope, area_keys,
       signatory_name, signatory_title, language, status, verified_at)
     SELECT $2, c.id, $3, 1, $4, 'whole', '["governance"]', 'Mayor', 'Mayor', 'es', 'verified',
       now() FROM c RETURNING id, city_id`,
    [count, pledge.id, version.id, 'a'.repeat(64)],
  );
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = rawPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  await database.db.insert(signingKeys).values({ keyId, publicKey, source: 'configured' });
  const issuedAt = new Date('2026-11-27T10:00:00Z');
  const makePayload = (i: number, endorsementId: string) => ({
    serial: `AP-${String(i).padStart(4, '2').slice(-4)}-${randomBytes(2).toString('hex').toUpperCase()}`,
    verifyUrl: 'https://pledge.example.org/api/v1/certificates/x',
    pledge: {
      slug: 'bench',
      title: { en: 'Quito City Action Pledge', es: 'Compromiso de Quito', fr: 'Engagement de Quito' },
    },
    version: { number: 1, contentHash: 'a'.repeat(64) },
    city: { name: `São Paulo ${i}`, country: 'BR', countryName: { en: 'Brazil', es: 'Brasil', fr: 'Brésil' } },
    scope: 'whole' as const,
    areas: [
      {
        key: 'governance',
        title: { en: 'Migration governance', es: 'Gobernanza migratoria', fr: 'Gouvernance des migrations' },
      },
    ],
    signatory: { name: 'Mayor', title: 'Mayor' },
    language: 'es' as const,
    endorsementId,
    revision: 2,
    issuedAt: issuedAt.toISOString(),
  });
  for (let start = 0; start < endorsementRows.length; start += 500) {
    await database.db.insert(certificates).values(
      endorsementRows.slice(start, start + 500).map((e: { id: string }, j: number) => {
        const payload = makePayload(start + j, e.id);
        return {
          serial: `${payload.serial}-${start + j}`,
          endorsementId: e.id,
          revision: 2,
          payload,
          signature: sign(null, Buffer.from(canonicalJson(payload)), privateKey).toString('base64url'),
          keyId,
          issuedAt,
        };
      }),
    );
  }

  let renderMs: number | null = null;
  let workerRenderMs: number | null = null;
  const sample = { payload: makePayload(1, endorsementRows[0].id), signature: 'x', keyId };
  // Signed as the service signs them: an ECDSA P-256 certificate, as generated in development.
  const generated = generateDocumentSigner();
  const signer = { privateKeyPem: generated.privateKeyPem, chain: [new X509Certificate(generated.certificatePem).raw] };
  const signing = () => ({ signer, signedAt: new Date() });
  if (renders > 0) {
    for (let i = 0; i < 20; i++) await renderCertificatePdf(sample, 'es', signing());
    const started = performance.now();
    for (let i = 0; i < renders; i++) await renderCertificatePdf(sample, 'es', signing());
    renderMs = (performance.now() - started) / renders;
  }
  // The pool's thread started and warm before the baseline, so that every run's memory counts it alike.
  for (let i = 0; i < 20; i++) await renderOnWorker(workers, sample, signing());
  if (renders > 0) {
    // One at a time, as a single download asks for it: the render plus the hand-over to the thread and back.
    const started = performance.now();
    for (let i = 0; i < renders; i++) await renderOnWorker(workers, sample, signing());
    workerRenderMs = (performance.now() - started) / renders;
  }

  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  let bytes = 0;
  const started = performance.now();
  await pipeline(
    certificatesZip(database.db, workers, signer, pledge.id),
    new Writable({
      write(chunk, _e, done) {
        bytes += chunk.length;
        done();
      },
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    JSON.stringify({
      count,
      renderMs,
      workerRenderMs,
      seconds,
      zipBytes: bytes,
      baselineRssMb: baseline / 2 ** 20,
      peakRssMb: peak / 2 ** 20,
    }),
  );
} finally {
  await workers.close();
  await pool?.end();
  await database?.close();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
