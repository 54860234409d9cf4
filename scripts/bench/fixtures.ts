// Data the benchmarks share, written straight in SQL: a pledge of `count` endorsements as a
// report sees them (every status, whole or by area, over 400 days, some progress).
import type pg from 'pg';

/** The pledge `bench`: `count` cities, each endorsing it once; answers its id and its version's. */
export async function reportPledge(pool: pg.Pool, count: number): Promise<{ id: string; versionId: string }> {
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
  return { id: pledge.id, versionId: version.id };
}
