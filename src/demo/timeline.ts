// When the demo's history happened: the pledge drafted and reviewed in the autumn of 2019, published
// for the Forum in Quito on 22 January 2020, where the first cities signed; more over the following
// months and years, each verified some days or weeks later, progress reported after that; a few
// endorsements from the last weeks still waiting for the secretariat. Dates only, no database: the
// seed replays these steps through the services in the order of time.

import { quitoPledge } from './quito-pledge.js';

const DAY = 86_400_000;

/** The 6th Mayoral Forum, held in Quito on 22 January 2020 (planned for November 2019). */
export const FORUM = new Date(Date.UTC(2020, 0, 22, 9, 0));

/** When the secretariat began: cities and accounts registered, the pledge drafted and reviewed. */
export const PREPARATION = {
  cities: new Date(Date.UTC(2019, 8, 2, 9, 0)),
  accounts: new Date(Date.UTC(2019, 8, 3, 9, 0)),
  drafted: new Date(Date.UTC(2019, 8, 9, 9, 0)),
  roundOpened: new Date(Date.UTC(2019, 9, 1, 9, 0)),
  roundDeadline: new Date(Date.UTC(2019, 10, 8, 17, 0)),
  firstComment: new Date(Date.UTC(2019, 9, 7, 10, 0)),
  answers: new Date(Date.UTC(2019, 9, 28, 10, 0)),
  verdicts: new Date(Date.UTC(2019, 10, 4, 10, 0)),
  roundClosed: new Date(Date.UTC(2019, 10, 12, 10, 0)),
  /** The morning of the Forum, before the first signatures. */
  published: new Date(Date.UTC(2020, 0, 22, 8, 0)),
};

export type Stage = 'planning' | 'in_progress' | 'fulfilled';

export type Step =
  | { at: Date; kind: 'account'; city: number }
  | { at: Date; kind: 'endorse'; city: number; scope: 'whole' | 'areas'; areaKeys?: string[]; onBehalf: boolean }
  | { at: Date; kind: 'verify'; city: number }
  | { at: Date; kind: 'reject'; city: number; note: string }
  | { at: Date; kind: 'withdraw'; city: number; reason: string }
  | { at: Date; kind: 'progress'; city: number; areaKey: string; stage: Stage; planned: boolean };

export interface CityPlan {
  /** The city's place in the list of demo cities. */
  city: number;
  /** A demo account exists for the city from the start (the demo users' officials). */
  hasDemoOfficial: boolean;
}

const areaKeys = quitoPledge.areas.map((a) => a.key);

/** A small seeded generator (mulberry32): the same demo on every first start. */
function random(seed: number): () => number {
  let a = seed * 2_654_435_761;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const addDays = (d: Date, days: number) => new Date(d.getTime() + days * DAY);

/** Office work happens on weekdays: a Saturday or Sunday moves to the Monday. */
function weekday(d: Date): Date {
  const day = d.getUTCDay();
  return day === 6 ? addDays(d, 2) : day === 0 ? addDays(d, 1) : d;
}

/** At an hour of the working day, `minute` minutes past 9:00 UTC plus some hours. */
function during(d: Date, hours: number, minute: number): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 9 + hours, minute % 60));
}

/** What becomes of each city's endorsement; the special ones are named for what they show. */
export const REJECTED = 5;
export const WITHDRAWN = 7;
export const isPending = (i: number) => i % 9 === 8;
const signsAtForum = (i: number) => !isPending(i) && (i < 4 || i % 4 === 0);
const signsLate = (i: number) => i % 7 === 3;
/** Reported once, long ago, and not since: its areas are stale. */
const stopsReporting = (i: number) => i % 6 === 1;
/** Never reports at all (nor has an account): stale too. */
const neverReports = (i: number) => i % 10 === 9;

/**
 * Every step of every city's history, in the order of time. `now` bounds it: the pending
 * endorsements are from the weeks before it, the latest progress reports from the year before it.
 */
export function demoTimeline(cities: CityPlan[], now: Date): Step[] {
  const steps: Step[] = [];
  for (const { city: i, hasDemoOfficial } of cities) {
    const rand = random(i + 1);
    const reports = !neverReports(i) && !isPending(i) && i !== REJECTED;
    const hasAccount = hasDemoOfficial || reports || isPending(i);

    let endorsed: Date;
    if (isPending(i)) endorsed = during(weekday(addDays(now, -(6 + Math.floor(rand() * 60)))), 2, i * 7);
    else if (signsAtForum(i)) endorsed = new Date(FORUM.getTime() + 90 * 60_000 + i * 7 * 60_000);
    else if (signsLate(i)) endorsed = during(weekday(addDays(FORUM, 300 + Math.floor(rand() * 700))), 2, i * 7);
    else endorsed = during(weekday(addDays(FORUM, 10 + Math.floor(rand() * 240))), 2, i * 7);

    // At the Forum the secretariat records the signatures on the cities' behalf; later, a city's
    // official endorses on the platform, with an account opened a few days before.
    const onBehalf = !hasDemoOfficial && (signsAtForum(i) || !hasAccount);
    const accountAt = onBehalf ? null : addDays(endorsed, -3);
    if (hasAccount && !hasDemoOfficial && accountAt) steps.push({ at: accountAt, kind: 'account', city: i });

    // A third endorse the whole pledge, the others the two or three areas that fit their context.
    const partial = i % 3 !== 0;
    const keys = partial ? areaKeys.filter((_, k) => (k + i) % 3 !== 0).slice(i % 2, (i % 2) + 2 + (i % 2)) : areaKeys;
    steps.push({
      at: endorsed,
      kind: 'endorse',
      city: i,
      scope: partial ? 'areas' : 'whole',
      ...(partial ? { areaKeys: keys } : {}),
      onBehalf,
    });
    if (isPending(i)) continue;

    const decided = signsAtForum(i)
      ? during(weekday(addDays(FORUM, 13 + Math.floor(rand() * 24))), 5, i)
      : during(weekday(addDays(endorsed, 5 + Math.floor(rand() * 30))), 5, i);
    if (i === REJECTED) {
      steps.push({
        at: decided,
        kind: 'reject',
        city: i,
        note: 'The signatory is not the mayor: please submit it again, signed by the mayor.',
      });
      continue;
    }
    steps.push({ at: decided, kind: 'verify', city: i });

    if (reports) {
      // The first report, months after verification: kept by the demo officials' cities (their
      // history shows it) and by those that stopped reporting after it.
      const first = during(weekday(addDays(decided, 90 + Math.floor(rand() * 150))), 4, i);
      const keepsFirst = hasDemoOfficial || stopsReporting(i);
      const recent = during(weekday(addDays(now, -(20 + Math.floor(rand() * 280)))), 3, i);
      // A city with no account until now opens one for its first report.
      if (onBehalf) steps.push({ at: addDays(keepsFirst ? first : recent, -3), kind: 'account', city: i });
      if (keepsFirst) {
        steps.push({ at: first, kind: 'progress', city: i, areaKey: keys[0]!, stage: 'planning', planned: true });
      }
      if (!stopsReporting(i) && i !== WITHDRAWN) {
        // The yearly report, on every endorsed area, within the year before `now`.
        keys.forEach((areaKey, k) => {
          const r = rand();
          const stage: Stage = r < 0.2 ? 'planning' : r < 0.75 ? 'in_progress' : 'fulfilled';
          steps.push({
            at: new Date(recent.getTime() + k * 60_000),
            kind: 'progress',
            city: i,
            areaKey,
            stage,
            planned: stage === 'planning',
          });
        });
      }
    }
    if (i === WITHDRAWN) {
      steps.push({
        at: new Date(Date.UTC(2023, 5, 14, 11, 0)),
        kind: 'withdraw',
        city: i,
        reason: 'The new city council withdrew the endorsement.',
      });
    }
  }
  return steps.sort((a, b) => a.at.getTime() - b.at.getTime());
}
