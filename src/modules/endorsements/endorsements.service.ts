import { z } from 'zod';
import { type EndorsementStatus, endorsementStatuses } from '../../db/schema/index.js';
import type { ServiceContext } from '../context.js';
import { requireSignedIn } from '../../lib/authorize.js';
import { decodeCursor, toPage } from '../../lib/pagination.js';
import { findPledge } from '../pledges/index.js';
import { latestCertificatesOf } from '../certificates/index.js';
import { endorsementScopeOf } from './endorsements.access.js';
import * as repo from './endorsements.repository.js';
import type { EndorsementListQuery } from './endorsements.schemas.js';
import { toEndorsementView } from './endorsements.view.js';

type Filters = Omit<EndorsementListQuery, 'limit' | 'cursor' | 'order'>;

/** The repository's filters for the caller's scope; undefined when the pledge named does not exist. */
async function filtersOf(ctx: ServiceContext, q: Filters): Promise<repo.EndorsementFilters | undefined> {
  requireSignedIn(ctx.actor);
  let pledgeId: string | undefined;
  if (q.pledge) {
    const pledge = await findPledge(ctx.db, q.pledge);
    if (!pledge) return undefined;
    pledgeId = pledge.id;
  }
  return {
    pledgeId,
    status: q.status,
    country: q.country,
    region: q.region,
    networkCode: q.network,
    areaKey: q.areaKey,
    versionNumber: q.versionNumber,
    ...endorsementScopeOf(ctx.actor),
  };
}

// A cursor names the order it was given in: one order's cursor is refused by the other.
const newestCursor = z.tuple([z.iso.datetime(), z.uuid()]);
const queueCursor = z.tuple([z.literal('queue'), z.iso.datetime({ precision: 6 }), z.uuid()]);

/** Endorsements within the caller's scope, with the filters of API.md, newest first or in the queue's order. */
export async function listEndorsements(ctx: ServiceContext, q: EndorsementListQuery) {
  const filters = await filtersOf(ctx, q);
  if (!filters) return { items: [], nextCursor: null };
  const order = q.order ?? 'newest';
  const after =
    order === 'queue'
      ? (decodeCursor(q.cursor, queueCursor)?.slice(1) as [string, string] | undefined)
      : (decodeCursor(q.cursor, newestCursor) as [string, string] | undefined);
  const rows = await repo.listEndorsements(ctx.db, { ...filters, order, after, limit: q.limit });
  const ids = rows.map((r) => r.endorsement.id);
  const mandates = await repo.mandateMetaOf(ctx.db, ids);
  const certificates = await latestCertificatesOf(ctx.db, ids);
  return toPage(
    rows,
    q.limit,
    (r) =>
      toEndorsementView(
        r.endorsement,
        r.city,
        r.pledgeSlug,
        mandates.get(r.endorsement.id),
        certificates.get(r.endorsement.id),
      ),
    (r) =>
      order === 'queue'
        ? ['queue', r.submittedAtText, r.endorsement.id]
        : [r.endorsement.createdAt.toISOString(), r.endorsement.id],
  );
}

/**
 * How many endorsements within the caller's scope match the filters, per status (every status
 * present, 0 when none): the totals of a console, the count of a filtered list.
 */
export async function countEndorsements(ctx: ServiceContext, q: Filters): Promise<Record<EndorsementStatus, number>> {
  const counts = Object.fromEntries(endorsementStatuses.map((s) => [s, 0])) as Record<EndorsementStatus, number>;
  const filters = await filtersOf(ctx, q);
  if (!filters) return counts;
  for (const row of await repo.countByStatus(ctx.db, filters)) counts[row.status] = row.count;
  return counts;
}
