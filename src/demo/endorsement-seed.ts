import { randomBytes } from 'node:crypto';
import type { ServiceContext } from '../modules/context.js';
import {
  addProgress,
  createEndorsement,
  decideEndorsement,
  withdrawEndorsement,
} from '../modules/endorsements/index.js';
import { createUser, hashNewPassword } from '../modules/users/index.js';
import { demoEmail, peopleOf } from './people.js';
import { progressNotes } from './progress-notes.js';
import { quitoPledge } from './quito-pledge.js';
import { demoTimeline, type Step } from './timeline.js';

export interface SeedCity {
  id: string;
  name: string;
  preferredLanguage: 'en' | 'es' | 'fr';
}

/** Sets the instant the next service call is dated with (the context's `now`). */
export type SetClock = (at: Date) => void;

/**
 * The demo endorsements of the Quito pledge, replayed step by step in the order of time through
 * the same services the API uses, each at its date (timeline.ts): every city endorses, at the
 * Forum or later, whole or by areas, signed by a person with their title; the secretariat verifies
 * (one is rejected, one later withdrawn, a few recent ones still wait); cities' officials report
 * progress, some not for over a year. `officials` holds the demo users' officials by city id.
 */
export async function seedEndorsements(
  secretariat: ServiceContext,
  setClock: SetClock,
  cities: SeedCity[],
  officials: Map<string, ServiceContext>,
  baseUrl: string,
  now: Date,
): Promise<number> {
  const deps = { publicBaseUrl: baseUrl };
  // The officials without a demo login get a password nobody knows, hashed once for all of them.
  const unknownPassword = await hashNewPassword(randomBytes(24).toString('base64url'));
  const endorsementOf = new Map<number, string>();
  const plans = cities.map((c, i) => ({ city: i, hasDemoOfficial: officials.has(c.id) }));

  const run = async (step: Step) => {
    const city = cities[step.city]!;
    const endorsement = () => endorsementOf.get(step.city)!;
    setClock(step.at);
    switch (step.kind) {
      case 'account': {
        const name = peopleOf(city.name).official;
        const user = await createUser(secretariat, {
          email: demoEmail(name),
          name,
          role: 'city_official',
          password: unknownPassword,
          cityId: city.id,
          language: city.preferredLanguage,
        });
        officials.set(city.id, { ...secretariat, actor: { kind: 'city_official', userId: user.id, cityId: city.id } });
        return;
      }
      case 'endorse': {
        const official = officials.get(city.id);
        const actor = step.onBehalf || !official ? secretariat : official;
        const { body } = await createEndorsement(actor, deps, quitoPledge.slug, {
          ...(actor === secretariat ? { cityId: city.id } : {}),
          versionNumber: 1,
          scope: step.scope,
          areaKeys: step.areaKeys,
          signatory: peopleOf(city.name).signatory,
          statement: step.city % 4 === 0 ? `${city.name} joins the Quito City Action Pledge.` : undefined,
          language: city.preferredLanguage,
        });
        endorsementOf.set(step.city, body.id);
        return;
      }
      case 'verify':
        await decideEndorsement(secretariat, deps, endorsement(), { decision: 'verified' });
        return;
      case 'reject':
        await decideEndorsement(secretariat, deps, endorsement(), { decision: 'rejected', note: step.note });
        return;
      case 'withdraw':
        await withdrawEndorsement(secretariat, deps, endorsement(), step.reason);
        return;
      case 'progress': {
        const notes = progressNotes[step.areaKey]![city.preferredLanguage];
        await addProgress(officials.get(city.id)!, endorsement(), {
          areaKey: step.areaKey,
          stage: step.stage,
          narrative: step.planned ? notes.planned : notes.underway,
        });
        return;
      }
    }
  };
  // One after the other: each step reads what the ones before it wrote.
  for (const step of demoTimeline(plans, now)) await run(step);
  return endorsementOf.size;
}
