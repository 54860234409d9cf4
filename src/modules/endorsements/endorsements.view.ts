import type { Db } from '../../db/client.js';
import { latestCertificatesOf } from '../certificates/index.js';
import { findCityById } from '../cities/index.js';
import { isStale } from './endorsement.rules.js';
import * as repo from './endorsements.repository.js';
import type { EndorsementView } from './endorsements.schemas.js';

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

type MandateMeta = { sha256: string; size: number; mediaType: string; uploadedAt: Date } | undefined;

/** Dates leave as ISO strings: a stored idempotent response replays byte for byte. */
export function toEndorsementView(
  row: repo.EndorsementRow,
  city: { id: string; name: string; country: string; region: string },
  pledgeSlug: string,
  mandate: MandateMeta,
  certificate: { serial: string; status: string } | undefined = undefined,
): EndorsementView {
  return {
    id: row.id,
    cityId: row.cityId,
    city,
    pledgeId: row.pledgeId,
    pledgeSlug,
    versionNumber: row.versionNumber,
    contentHash: row.contentHash,
    scope: row.scope,
    areaKeys: row.areaKeys,
    signatory: { name: row.signatoryName, title: row.signatoryTitle, email: row.signatoryEmail },
    statement: row.statement,
    language: row.language,
    status: row.status,
    revision: row.revision,
    onBehalf: row.onBehalf,
    decisionNote: row.decisionNote,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    submittedAt: iso(row.submittedAt),
    verifiedAt: isoOrNull(row.verifiedAt),
    withdrawnAt: isoOrNull(row.withdrawnAt),
    mandate: mandate ? { ...mandate, uploadedAt: iso(mandate.uploadedAt) } : null,
    certificate: certificate ?? null,
  };
}

/** The latest stage per endorsed area; stale when nothing was reported for a year. */
export function progressSummary(row: repo.EndorsementRow, updates: repo.ProgressRow[], now = new Date()) {
  return row.areaKeys.map((areaKey) => {
    const latest = updates.filter((u) => u.areaKey === areaKey).at(-1);
    const since = latest?.createdAt ?? row.createdAt;
    return {
      areaKey,
      stage: latest?.stage ?? null,
      narrative: latest?.narrative ?? null,
      updatedAt: isoOrNull(latest?.createdAt ?? null),
      stale: isStale(row.status, since, now),
    };
  });
}

export async function endorsementDetail(db: Db, row: repo.EndorsementRow, pledgeSlug: string) {
  // One after the other: inside a transaction there is one connection anyway.
  const { id, name, country, region } = (await findCityById(db, row.cityId))!;
  const mandate = await repo.findMandateMeta(db, row.id);
  const revisions = await repo.revisionsOf(db, row.id);
  const updates = await repo.progressOf(db, row.id);
  const certificate = (await latestCertificatesOf(db, [row.id])).get(row.id);
  return {
    ...toEndorsementView(row, { id, name, country, region }, pledgeSlug, mandate, certificate),
    history: revisions.map((r) => ({
      revision: r.revision,
      at: iso(r.at),
      by: { id: r.actorId, role: r.actorRole },
      action: r.action,
      status: r.status,
      scope: r.scope,
      areaKeys: r.areaKeys,
      versionNumber: r.versionNumber,
      contentHash: r.contentHash,
      reason: r.reason,
    })),
    progress: progressSummary(row, updates),
  };
}
