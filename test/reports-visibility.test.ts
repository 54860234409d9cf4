import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, reportSnapshots } from '../src/db/schema/index.js';
import { addArea, createPledge } from '../src/modules/pledges/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  networkId,
  type TestUser,
  unique,
} from './helpers/factories.js';
import { apiCaller } from './helpers/http.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

/**
 * Reports show what their reader may see of a pledge, as every other pledge route does: a pledge
 * that is all drafts is the secretariat's alone, so its reports, exports and snapshots do not exist
 * for a reviewer or a city official (404), and asking writes nothing.
 */

let t: TestApp;
let staff: TestUser;
let reviewer: TestUser;
let official: TestUser;
/** Published, endorsed by an MMC city (the official's) and a UCLG one. */
let published: { slug: string; pledgeId: string };
/** Drafted by the secretariat, never published. */
let draft: { slug: string; pledgeId: string };
const SECRET_TITLE = 'Secret draft pledge';
const SECRET_AREA = 'secret-area';
const call = apiCaller(() => t);

beforeAll(async () => {
  t = await buildTestApp();
  staff = await createSecretariat(t);
  reviewer = await createReviewer(t, 'MMC');
  const mmcCity = await createCity(t, { networks: ['MMC'] });
  official = await createCityOfficial(t, mmcCity.id);

  published = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
  const other = await createCityOfficial(t, (await createCity(t, { networks: ['UCLG'] })).id);
  for (const who of [official, other]) {
    const res = await call('POST', `/pledges/${published.slug}/endorsements`, who, {
      versionNumber: 1,
      scope: 'whole',
      signatory: { name: 'Mayor', title: 'Mayor' },
      language: 'en',
    });
    expect(res.statusCode, res.body).toBe(201);
  }

  const slug = unique('draft-').toLowerCase();
  const pledge = await createPledge(t.system, { slug, title: { en: SECRET_TITLE } });
  await addArea(t.system, slug, 1, {
    key: SECRET_AREA,
    title: { en: 'Secret area' },
    description: { en: 'Not for reviewers yet.' },
    commitments: [],
    gcmObjectives: [],
    sdgTargets: [],
  });
  draft = { slug, pledgeId: pledge.id };
}, 60_000);
afterAll(async () => t?.close());

/** Every report route of a pledge, as [method, path]. */
const reportRoutes = (slug: string): Array<['GET' | 'POST', string]> => [
  ['GET', `/pledges/${slug}/reports/summary`],
  ['GET', `/pledges/${slug}/reports/summary.pdf`],
  ['GET', `/pledges/${slug}/reports/endorsements.csv`],
  ['GET', `/pledges/${slug}/reports/endorsements.json`],
  ['GET', `/pledges/${slug}/reports/endorsements.xlsx`],
  ['GET', `/pledges/${slug}/reports/snapshots`],
  ['POST', `/pledges/${slug}/reports/snapshots`],
];

async function snapshotsOf(pledgeId: string): Promise<number> {
  const [row] = await t.db.select({ n: count() }).from(reportSnapshots).where(eq(reportSnapshots.pledgeId, pledgeId));
  return row!.n;
}
async function snapshotEvents(): Promise<number> {
  const [row] = await t.db
    .select({ n: count() })
    .from(auditEvents)
    .where(and(eq(auditEvents.action, 'report.snapshot_created'), eq(auditEvents.entityType, 'report_snapshot')));
  return row!.n;
}

const records = (body: string) =>
  parse(body.replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;

describe('the reports of a pledge its reader may not see', () => {
  it('are hidden from a reviewer as the pledge itself is', async () => {
    expect((await call('GET', `/pledges/${draft.slug}`, reviewer)).statusCode).toBe(404);
    expect((await call('GET', `/pledges/${draft.slug}`, staff)).statusCode).toBe(200);
  });

  for (const [role, who] of [
    ['a network reviewer', () => reviewer],
    ['a city official', () => official],
  ] as const) {
    describe(`for ${role}`, () => {
      for (const [method, route] of reportRoutes(':slug')) {
        it(`${method} ${route} → 404, telling nothing of the draft and writing nothing`, async () => {
          const [snapshotsBefore, eventsBefore] = [await snapshotsOf(draft.pledgeId), await snapshotEvents()];
          for (const ref of [draft.slug, draft.pledgeId]) {
            const res = await call(method, route.replace(':slug', ref), who(), method === 'POST' ? {} : undefined);
            expect(res.statusCode, `${ref}: ${res.body}`).toBe(404);
            expect(res.body).not.toContain(SECRET_TITLE);
            expect(res.body).not.toContain(SECRET_AREA);
          }
          expect(await snapshotsOf(draft.pledgeId)).toBe(snapshotsBefore);
          expect(await snapshotEvents()).toBe(eventsBefore);
        });
      }

      it('GET /reports/snapshots/:id.csv → 404 for a snapshot of the draft, even one made in their scope', async () => {
        // The secretariat's own snapshot of its draft, and one in the reviewer's network scope (as the
        // leak could make before it was closed).
        const made = await call('POST', `/pledges/${draft.slug}/reports/snapshots`, staff, {});
        expect(made.statusCode, made.body).toBe(201);
        const [leaked] = await t.db
          .insert(reportSnapshots)
          .values({
            pledgeId: draft.pledgeId,
            filters: {},
            content: Buffer.from('id,area:secret-area\r\n'),
            sha256: 'x'.repeat(64),
            rowCount: 0,
            networkId: await networkId(t, 'MMC'),
          })
          .returning();
        for (const id of [made.json().id as string, leaked!.id]) {
          const res = await call('GET', `/reports/snapshots/${id}.csv`, who());
          expect(res.statusCode, res.body).toBe(404);
          expect(res.body).not.toContain(SECRET_AREA);
        }
      });
    });
  }
});

describe('the reports of a published pledge', () => {
  it('are the secretariat’s in full, on every route', async () => {
    for (const [method, route] of reportRoutes(published.slug)) {
      const res = await call(method, route, staff, method === 'POST' ? {} : undefined);
      expect(res.statusCode, `${method} ${route}: ${res.body}`).toBe(method === 'POST' ? 201 : 200);
    }
    const csv = await call('GET', `/pledges/${published.slug}/reports/endorsements.csv`, staff);
    expect(records(csv.body)).toHaveLength(2);
    const summary = await call('GET', `/pledges/${published.slug}/reports/summary`, staff);
    expect(summary.json().totals).toMatchObject({ endorsements: 2, cities: 2 });
  });

  it('are a reviewer’s over their network’s member cities, on every route', async () => {
    for (const [method, route] of reportRoutes(published.slug)) {
      const res = await call(method, route, reviewer, method === 'POST' ? {} : undefined);
      expect(res.statusCode, `${method} ${route}: ${res.body}`).toBe(method === 'POST' ? 201 : 200);
    }
    const csv = await call('GET', `/pledges/${published.slug}/reports/endorsements.csv`, reviewer);
    expect(records(csv.body).map((r) => r.networks)).toEqual(['MMC']);
    const json = await call('GET', `/pledges/${published.slug}/reports/endorsements.json`, reviewer);
    expect(json.json()).toHaveLength(1);
    const summary = await call('GET', `/pledges/${published.slug}/reports/summary`, reviewer);
    expect(summary.json().totals).toMatchObject({ endorsements: 1, cities: 1 });
  });

  it('freeze snapshots that the reviewer who made one may list and download, and not the secretariat’s', async () => {
    const mine = await call('POST', `/pledges/${published.slug}/reports/snapshots`, reviewer, {});
    expect(mine.statusCode, mine.body).toBe(201);
    expect(mine.json()).toMatchObject({ rowCount: 1, createdBy: reviewer.id });
    const theirs = await call('POST', `/pledges/${published.slug}/reports/snapshots`, staff, {});
    expect(theirs.json()).toMatchObject({ rowCount: 2, createdBy: staff.id });

    const listed = await call('GET', `/pledges/${published.slug}/reports/snapshots`, reviewer);
    const ids = (listed.json().items as Array<{ id: string }>).map((s) => s.id);
    expect(ids).toContain(mine.json().id);
    expect(ids).not.toContain(theirs.json().id);
    const all = await call('GET', `/pledges/${published.slug}/reports/snapshots`, staff);
    expect((all.json().items as Array<{ id: string }>).map((s) => s.id)).toEqual(
      expect.arrayContaining([mine.json().id, theirs.json().id]),
    );

    const download = await call('GET', `/reports/snapshots/${mine.json().id}.csv`, reviewer);
    expect(download.statusCode).toBe(200);
    expect(createHash('sha256').update(download.rawPayload).digest('hex')).toBe(mine.json().sha256);
    expect((await call('GET', `/reports/snapshots/${theirs.json().id}.csv`, reviewer)).statusCode).toBe(404);
    expect((await call('GET', `/reports/snapshots/${mine.json().id}.csv`, staff)).statusCode).toBe(200);
    expect((await call('GET', `/reports/snapshots/${mine.json().id}.csv`, official)).statusCode).toBe(404);
  });
});
