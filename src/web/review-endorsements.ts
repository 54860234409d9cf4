import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Translator } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import { listEndorsements } from '../modules/endorsements/index.js';
import { findNetworkById } from '../modules/networks/index.js';
import { findPledge } from '../modules/pledges/index.js';
import { areasOfVersion, statusKeys } from './endorsement-common.js';

// A reviewer reads the endorsements of their network's member cities (never changes them): the
// endorsements listing service decides which (the API's GET /endorsements for a reviewer), newest
// first, a page at a time.

export const ENDORSEMENTS_PER_PAGE = 50;

const pageQuery = z.object({ cursor: z.string().max(500).optional() });

type Guard = (request: FastifyRequest, reply: FastifyReply) => ServiceContext | undefined;

export function reviewEndorsementPages(app: FastifyInstance, signedInReviewer: Guard) {
  const db = () => app.database.db;

  /** Pledge titles and area titles, read once a page for each pledge and version the rows name. */
  function namesFor(ctx: ServiceContext, t: Translator) {
    const pledges = new Map<string, Promise<{ text: string; lang: string }>>();
    const areas = new Map<string, ReturnType<typeof areasOfVersion>>();
    return {
      pledge: (slug: string) => {
        if (!pledges.has(slug))
          pledges.set(
            slug,
            findPledge(db(), slug).then((p) => (p ? t.pick(p.title) : { text: slug, lang: 'en' })),
          );
        return pledges.get(slug)!;
      },
      areas: (slug: string, version: number) => {
        const key = `${slug}/${version}`;
        if (!areas.has(key)) areas.set(key, areasOfVersion(ctx, slug, version, t));
        return areas.get(key)!;
      },
    };
  }

  app.get('/review/endorsements', async (request, reply) => {
    const ctx = signedInReviewer(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const query = pageQuery.safeParse(request.query ?? {});
    const cursor = query.success ? query.data.cursor : undefined;
    const network = await findNetworkById(db(), request.web.session!.user.networkId!);
    const page = await listEndorsements(ctx, { limit: ENDORSEMENTS_PER_PAGE, cursor });
    const names = namesFor(ctx, t);
    const rows = [];
    for (const e of page.items) {
      const areas = await names.areas(e.pledgeSlug, e.versionNumber);
      rows.push({
        status: e.status,
        statusText: t.t(statusKeys[e.status]),
        city: e.city.name,
        pledge: await names.pledge(e.pledgeSlug),
        versionNumber: e.versionNumber,
        whole: e.scope === 'whole',
        areas: e.areaKeys.map((k) => areas.get(k)?.title ?? { text: k, lang: 'en' }),
        submittedAt: e.submittedAt,
        verifiedAt: e.verifiedAt,
        withdrawnAt: e.withdrawnAt,
      });
    }
    return reply.page('review-endorsements', {
      title: t.t('review.endorsements.title'),
      network: network?.name ?? '',
      rows,
      next: page.nextCursor ? `/review/endorsements?cursor=${encodeURIComponent(page.nextCursor)}` : null,
      first: cursor ? '/review/endorsements' : null,
    });
  });
}
