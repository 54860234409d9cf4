import type { ServiceContext } from '../modules/context.js';
import { createEndorsement } from '../modules/endorsements/index.js';
import { decideEndorsement, withdrawEndorsement } from '../modules/endorsements/index.js';
import { addProgress } from '../modules/endorsements/index.js';
import { quitoPledge } from './quito-pledge.js';

const areaKeys = quitoPledge.areas.map((a) => a.key);
const signatoryTitles = { en: 'Mayor', es: 'Alcalde', fr: 'Maire' } as const;

interface SeedCity {
  id: string;
  name: string;
  preferredLanguage: 'en' | 'es' | 'fr';
}

/**
 * Demo endorsements of the Quito pledge: every city endorses, most as a whole, every third a
 * few areas; most are verified, a few still await the secretariat, one was rejected and one
 * withdrawn. Cities with a demo official endorse themselves and report progress.
 */
export async function seedEndorsements(
  secretariat: ServiceContext,
  cities: SeedCity[],
  officials: Map<string, ServiceContext>,
  baseUrl: string,
): Promise<number> {
  const deps = { publicBaseUrl: baseUrl };
  let count = 0;
  for (const [i, city] of cities.entries()) {
    const official = officials.get(city.id);
    const partial = i % 3 === 1;
    const chosen = partial ? areaKeys.filter((_, k) => (k + i) % 2 === 0).slice(0, 2 + (i % 3)) : undefined;
    const { body } = await createEndorsement(official ?? secretariat, deps, quitoPledge.slug, {
      ...(official ? {} : { cityId: city.id }),
      versionNumber: 1,
      scope: partial ? 'areas' : 'whole',
      areaKeys: chosen,
      signatory: {
        name: `${signatoryTitles[city.preferredLanguage]} of ${city.name}`,
        title: signatoryTitles[city.preferredLanguage],
      },
      statement: i % 4 === 0 ? `${city.name} joins the Quito City Action Pledge.` : undefined,
      language: city.preferredLanguage,
    });
    count++;
    if (i % 9 === 8) continue; // still awaiting verification
    if (i === 5) {
      await decideEndorsement(secretariat, deps, body.id, {
        decision: 'rejected',
        note: 'The signatory is not the mayor: please submit it again, signed by the mayor.',
      });
      continue;
    }
    await decideEndorsement(secretariat, deps, body.id, { decision: 'verified' });
    if (i === 7)
      await withdrawEndorsement(secretariat, deps, body.id, 'The new city council withdrew the endorsement.');
    if (official) {
      const [first, second] = body.areaKeys;
      await addProgress(official, body.id, {
        areaKey: first!,
        stage: 'in_progress',
        narrative: `${city.name} has set up a municipal office for migrants and refugees.`,
      });
      if (second)
        await addProgress(official, body.id, {
          areaKey: second,
          stage: 'planning',
          narrative: 'A plan is before the city council.',
        });
    }
  }
  return count;
}
