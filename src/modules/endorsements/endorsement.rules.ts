import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { type EndorsementStatus, isLiveSql, liveStatuses } from '../../db/schema/index.js';
import { ValidationError } from '../../lib/errors.js';

// The rule book of endorsements: what "live", "stale" and "endorses an area" mean, written once.
// Endorsements, reports and the public pages use these, in TypeScript or as SQL fragments built
// from the same definitions.

/** Live: neither withdrawn nor rejected (DOMAIN.md). One live endorsement per city and pledge. */
export { liveStatuses, isLiveSql };

export function isLive(status: EndorsementStatus): boolean {
  return (liveStatuses as readonly EndorsementStatus[]).includes(status);
}

/** DOMAIN.md: an endorsed area with no progress update for a year is stale. */
export const STALE_AFTER_DAYS = 365;
const STALE_AFTER_MS = STALE_AFTER_DAYS * 86_400_000;

/** The instant before which the last activity on an area makes it stale, seen at `now`. */
export function staleBefore(now: Date): Date {
  return new Date(now.getTime() - STALE_AFTER_MS);
}

/**
 * Stale: the endorsement is live and its area's last activity (its latest progress update, or the
 * endorsement itself when there is none) is older than a year. A withdrawn or rejected endorsement
 * has nothing left to report, so it is never stale.
 */
export function isStale(status: EndorsementStatus, lastActivity: Date, now: Date): boolean {
  return isLive(status) && lastActivity.getTime() < staleBefore(now).getTime();
}

/** The same rule in SQL, for a status column and a last-activity expression, seen at `now`. */
export function isStaleSql(status: SQLWrapper, lastActivity: SQLWrapper, now: Date): SQL {
  return sql`(${isLiveSql(status)} AND ${lastActivity} < ${staleBefore(now).toISOString()}::timestamptz)`;
}

/** Whether an endorsement's area keys include `key`. */
export function endorsesArea(areaKeys: readonly string[], key: string): boolean {
  return areaKeys.includes(key);
}

/** The same test in SQL, on a jsonb array of keys and a text expression. */
export function endorsesAreaSql(areaKeys: SQLWrapper, key: SQLWrapper | string): SQL {
  return sql`(${areaKeys} ? ${key}::text)`;
}

/**
 * The keys a scope stands for: every area of the version for `whole`, else the chosen ones, each
 * of which must be one of the version's (400 naming the unknown ones). Kept in the version's order,
 * whatever order the city listed them in.
 */
export function resolveAreaKeys(
  versionKeys: readonly string[],
  scope: 'whole' | 'areas',
  chosen: readonly string[] | undefined,
  path = 'areaKeys',
): string[] {
  if (scope === 'whole') return [...versionKeys];
  const unknown = (chosen ?? []).filter((k) => !versionKeys.includes(k));
  if (unknown.length > 0) {
    throw new ValidationError(`Unknown area key(s) for this version: ${unknown.join(', ')}.`, [
      { path, message: `unknown area key(s): ${unknown.join(', ')}` },
    ]);
  }
  return versionKeys.filter((k) => chosen!.includes(k));
}
