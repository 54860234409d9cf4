// A server for the benchmark, in its own process so the load generator does not share its CPU.
// Modes: "app" (the real service on DATABASE_URL), "bare" (two bare Fastify routes through pg:
// one INSERT, one SELECT … LIMIT 50), the baselines the issue measures against.
import Fastify from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { startBackgroundJobs } from '../../src/jobs.js';
import { benchPool } from './service.js';

const mode = process.argv[2];
// A normal exit on SIGTERM, so that --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
const url = process.env.DATABASE_URL!;

if (mode === 'app') {
  // Development unless asked (the portal's pages keep their compiled templates only in production,
  // which then needs a signing key: BENCH_PRODUCTION=1 with CERT_SIGNING_KEY).
  const env = process.env.BENCH_PRODUCTION === '1' ? 'production' : 'development';
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', NODE_ENV: env });
  const database = await openDatabase({ url, poolSize: 20 });
  const app = await buildApp({ config, database, logger: false });
  // As in production: the background jobs (audit sealing above all) run beside the requests.
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  startBackgroundJobs(database.db, config, quiet, app.databaseOutage);
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(`PORT ${(app.server.address() as { port: number }).port}`);
} else if (mode === 'bare') {
  const pool = benchPool(url, 20);
  const app = Fastify({ logger: false });
  // For warming up the load generator before anything is measured.
  app.post('/bare/noop', async (_request, reply) => reply.code(201).send({ ok: true }));
  app.post('/bare/insert', async (request, reply) => {
    const body = request.body as { cityId: string; name: string };
    const { rows } = await pool.query('INSERT INTO bench_bare (city_id, name) VALUES ($1, $2) RETURNING id', [
      body.cityId,
      body.name,
    ]);
    return reply.code(201).send(rows[0]);
  });
  // The same four rows a submission writes (endorsement, revision, mail, audit event) in one
  // statement, with nothing else: what the required writes cost without the service around them.
  app.post('/bare/endorse', async (request, reply) => {
    const b = request.body as { pledgeId: string; versionId: string; cityId: string };
    const { rows } = await pool.query(
      `WITH ins AS (
         INSERT INTO endorsements (pledge_id, city_id, version_id, version_number, content_hash, scope, area_keys,
                                   signatory_name, signatory_title, language)
         SELECT $1, $3, v.id, v.number, v.content_hash, 'whole', '["a"]', 'Mayor', 'Mayor', 'en'
         FROM pledge_versions v WHERE v.id = $2 AND v.status = 'published'
         RETURNING id, scope, area_keys, version_number, content_hash),
       rev AS (INSERT INTO endorsement_revisions (endorsement_id, revision, at, actor_role, action, status, scope,
                                                  area_keys, version_number, content_hash)
         SELECT id, 1, now(), 'secretariat', 'submitted', 'submitted', scope, area_keys, version_number, content_hash
         FROM ins),
       mail AS (INSERT INTO mail_outbox ("to", subject, text, dedupe_key)
         SELECT 'bench@example.org', 'Submitted', 'Submitted', 'bare:' || ins.id FROM ins),
       aud AS (INSERT INTO audit_events (id, at, actor_role, action, entity_type, entity_id, summary)
         SELECT gen_random_uuid(), now(), 'secretariat', 'endorsement.submitted', 'endorsement', ins.id::text, '{}'
         FROM ins)
       SELECT id FROM ins`,
      [b.pledgeId, b.versionId, b.cityId],
    );
    return reply.code(201).send(rows[0]);
  });
  app.get('/bare/select', async (request) => {
    const { pledge } = request.query as { pledge: string };
    const { rows } = await pool.query(
      `SELECT e.id, c.name, c.country, c.region, e.area_keys, e.version_number, e.verified_at
       FROM endorsements e JOIN cities c ON c.id = e.city_id
       WHERE e.pledge_id = $1 AND e.status = 'verified' ORDER BY e.verified_at DESC, e.id DESC LIMIT 50`,
      [pledge],
    );
    return { items: rows };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(`PORT ${(app.server.address() as { port: number }).port}`);
} else {
  console.error('usage: server.ts app|bare');
  process.exit(2);
}
