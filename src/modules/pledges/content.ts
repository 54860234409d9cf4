import type { Localised } from '../../db/schema/index.js';
import { canonicalJson, canonicalSha256 } from '../../lib/hash.js';
import { PreconditionFailedError } from '../../lib/errors.js';
import type { AreaRow, PledgeRow, VersionRow } from './pledges.repository.js';
import type { Area } from './pledges.schemas.js';

export function toArea(row: AreaRow): Area {
  return {
    key: row.key,
    position: row.position,
    title: row.title,
    description: row.description,
    commitments: row.commitments,
    gcmObjectives: row.gcmObjectives,
    gcrAreas: row.gcrAreas,
    sdgTargets: row.sdgTargets,
  };
}

/**
 * The fingerprint that endorsements and certificates quote: SHA-256 over the RFC 8785 canonical
 * JSON of the pledge slug, the version number, the preamble and the areas in order.
 */
export function computeContentHash(pledgeSlug: string, number: number, preamble: Localised, areas: Area[]): string {
  return canonicalSha256({
    pledge: pledgeSlug,
    version: number,
    preamble,
    areas: [...areas].sort((a, b) => a.position - b.position).map((a) => ({ ...a })),
  });
}

export function toVersion(pledge: PledgeRow, version: VersionRow, areas: AreaRow[]) {
  return {
    pledgeId: pledge.id,
    pledgeSlug: pledge.slug,
    number: version.number,
    status: version.status,
    preamble: version.preamble,
    areas: areas.map(toArea),
    contentHash: version.contentHash,
    frozenAt: version.frozenAt,
    publishedAt: version.publishedAt,
    copiedFrom: version.copiedFrom,
    publishOverrideReason: version.publishOverrideReason,
    createdAt: version.createdAt,
    updatedAt: version.updatedAt,
  };
}

/** A strong validator that changes with every edit and every change of state. */
export function versionEtag(version: Pick<VersionRow, 'number' | 'revision' | 'status'>): string {
  return `"v${version.number}.r${version.revision}.${version.status}"`;
}

/** RFC 9110 If-Match: absent or `*` passes; otherwise one of the listed tags must be current. */
export function assertIfMatch(ifMatch: string | undefined, current: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!tags.includes(current)) throw new PreconditionFailedError();
}

const areaFieldNames = [
  'position',
  'title',
  'description',
  'commitments',
  'gcmObjectives',
  'gcrAreas',
  'sdgTargets',
] as const;

/** What changed from `before` to `after`, area by area, matched on their stable keys. */
export function diffVersions(
  before: { preamble: Localised; areas: Area[] },
  after: { preamble: Localised; areas: Area[] },
) {
  const old = new Map(before.areas.map((a) => [a.key, a]));
  const now = new Map(after.areas.map((a) => [a.key, a]));
  const same = (x: unknown, y: unknown) => canonicalJson(x) === canonicalJson(y);
  return {
    preambleChanged: !same(before.preamble, after.preamble),
    added: after.areas.filter((a) => !old.has(a.key)).map((a) => a.key),
    removed: before.areas.filter((a) => !now.has(a.key)).map((a) => a.key),
    changed: after.areas
      .filter((a) => old.has(a.key))
      .map((a) => ({ key: a.key, fields: areaFieldNames.filter((f) => !same(old.get(a.key)![f], a[f])) as string[] }))
      .filter((c) => c.fields.length > 0),
  };
}
