import { eq } from 'drizzle-orm';
import { validationRounds } from '../../src/db/schema/index.js';
import { addArea } from '../../src/modules/pledges/areas.service.js';
import { createPledge, createVersion } from '../../src/modules/pledges/pledges.service.js';
import { updateArea } from '../../src/modules/pledges/areas.service.js';
import { openRound } from '../../src/modules/rounds/index.js';
import type { TestApp } from './app.js';
import { unique } from './factories.js';

// Validation rounds for the portal's tests, made through the services: a pledge whose draft has
// areas in English and Spanish, a round opened on it for some networks, its deadline moved.

export const DAY = 86_400_000;

function areaInput(key: string) {
  return {
    key,
    title: { en: `Area ${key}`, es: `Área ${key}` },
    description: { en: `What ${key} is about.`, es: `De qué trata ${key}.` },
    commitments: [{ en: `Act on ${key}.` }],
    gcmObjectives: [15],
    sdgTargets: ['10.7'],
  };
}

/** A draft pledge (version 1) with these areas. */
export async function draftPledge(t: TestApp, areaKeys = ['governance', 'services']) {
  const slug = unique('round-pledge-').toLowerCase();
  await createPledge(t.system, { slug, title: { en: `Pledge ${slug}`, es: `Compromiso ${slug}` } });
  for (const key of areaKeys) await addArea(t.system, slug, 1, areaInput(key));
  return slug;
}

/** Opens a round on a version of the pledge for the networks, the deadline days away. */
export async function roundOn(
  t: TestApp,
  slug: string,
  networks: string[],
  options: { version?: number; days?: number } = {},
) {
  const round = await openRound(t.system, { publicBaseUrl: t.config.publicBaseUrl }, slug, options.version ?? 1, {
    deadline: new Date(Date.now() + (options.days ?? 10) * DAY),
    networks,
  });
  return round.id;
}

/** A version 2 copied from version 1, with one area's description changed, ready for a round. */
export async function secondVersion(t: TestApp, slug: string, key: string, description: string) {
  await createVersion(t.system, slug, 1);
  await updateArea(t.system, slug, 2, key, { description: { en: description } });
}

/** Moves a round's deadline into the past, as if its time had run out. */
export async function passDeadline(t: TestApp, roundId: string) {
  await t.db
    .update(validationRounds)
    .set({ deadline: new Date(Date.now() - 2 * 3_600_000) })
    .where(eq(validationRounds.id, roundId));
}
