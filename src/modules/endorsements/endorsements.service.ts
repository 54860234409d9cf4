import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { requireSignedIn } from '../../lib/authorize.js';
import { decodeCursor, toPage } from '../../lib/pagination.js';
import { findPledge } from '../pledges/index.js';
import { latestCertificatesOf } from '../certificates/index.js';
import { endorsementScopeOf } from './endorsements.access.js';
import * as repo from './endorsements.repository.js';
import type { EndorsementListQuery } from './endorsements.schemas.js';
import { toEndorsementView } from './endorsements.view.js';

/** Endorsements within the caller's scope, newest first, with the filters of API.md. */
export async function listEndorsements(ctx: ServiceContext, q: EndorsementListQuery) {
  requireSignedIn(ctx.actor);
  let pledgeId: string | undefined;
  if (q.pledge) {
    const pledge = await findPledge(ctx.db, q.pledge);
    if (!pledge) return { items: [], nextCursor: null };
    pledgeId = pledge.id;
  }
  const before = decodeCursor(q.cursor, z.tuple([z.iso.datetime(), z.uuid()])) as [string, string] | undefined;
  const rows = await repo.listEndorsements(ctx.db, {
    pledgeId,
    status: q.status,
    country: q.country,
    region: q.region,
    networkCode: q.network,
    areaKey: q.areaKey,
    versionNumber: q.versionNumber,
    ...endorsementScopeOf(ctx.actor),
    before,
    limit: q.limit,
  });
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
    (r) => [r.endorsement.createdAt.toISOString(), r.endorsement.id],
  );
}
