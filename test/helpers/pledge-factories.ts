import { asc, desc, eq } from 'drizzle-orm';
import { actionAreas, pledgeVersions } from '../../src/db/schema/index.js';
import { addArea, deleteArea } from '../../src/modules/pledges/areas.service.js';
import { createPledge, createVersion } from '../../src/modules/pledges/pledges.service.js';
import { publishVersion } from '../../src/modules/pledges/publish.service.js';
import type { TestApp } from './app.js';
import { unique } from './factories.js';

export const defaultAreaKeys = ['governance', 'economy', 'climate', 'services', 'inclusion', 'vulnerable'];

function areaInput(key: string) {
  return {
    key,
    title: { en: `Area ${key}`, es: `Área ${key}`, fr: `Domaine ${key}` },
    description: { en: `What ${key} is about.` },
    commitments: [{ en: `Act on ${key}.` }],
    gcmObjectives: [15],
    sdgTargets: ['10.7'],
  };
}

/** A pledge whose version 1 (with these areas) is published, through the real services. */
export async function createPublishedPledge(
  t: TestApp,
  options: { areaKeys?: string[]; requireMandateDocument?: boolean } = {},
) {
  const slug = unique('pledge-').toLowerCase();
  await createPledge(t.system, {
    slug,
    title: { en: `Pledge ${slug}`, es: `Compromiso ${slug}` },
    requireMandateDocument: options.requireMandateDocument,
  });
  for (const key of options.areaKeys ?? defaultAreaKeys) await addArea(t.system, slug, 1, areaInput(key));
  const { version } = await publishVersion(t.system, slug, 1, { reason: 'test fixture published directly' });
  return { slug, pledgeId: version.pledgeId, versionNumber: 1, contentHash: version.contentHash! };
}

/** Publishes a new version copied from the latest, with areas added and removed. */
export async function publishNextVersion(t: TestApp, slug: string, change: { add?: string[]; remove?: string[] } = {}) {
  const { version } = await createVersion(t.system, slug);
  for (const key of change.remove ?? []) await deleteArea(t.system, slug, version.number, key);
  for (const key of change.add ?? []) await addArea(t.system, slug, version.number, areaInput(key));
  const published = await publishVersion(t.system, slug, version.number, { reason: 'test fixture published directly' });
  return { versionNumber: version.number, contentHash: published.version.contentHash! };
}

/**
 * Every area key a pledge ever had: the newest version's, in order, then those only older
 * versions had (the columns of the endorsement report). Read straight from the schema.
 */
export async function allAreaKeys(t: TestApp, pledgeId: string): Promise<string[]> {
  const rows = await t.db
    .select({ key: actionAreas.key })
    .from(actionAreas)
    .innerJoin(pledgeVersions, eq(pledgeVersions.id, actionAreas.versionId))
    .where(eq(pledgeVersions.pledgeId, pledgeId))
    .orderBy(desc(pledgeVersions.number), asc(actionAreas.position));
  return [...new Set(rows.map((r) => r.key))];
}
