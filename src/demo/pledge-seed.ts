import type { Actor } from '../lib/actor.js';
import type { ServiceContext } from '../modules/context.js';
import { findNetworkByCode } from '../modules/networks/index.js';
import { addArea } from '../modules/pledges/index.js';
import { createPledge, updateVersion } from '../modules/pledges/index.js';
import { publishVersion } from '../modules/pledges/index.js';
import { addComment, resolveComment, setVerdict } from '../modules/rounds/index.js';
import { closeRound, openRound } from '../modules/rounds/index.js';
import { findUserByEmail } from '../modules/users/index.js';
import { quitoPledge } from './quito-pledge.js';

const networkCodes = ['MMC', 'Metropolis', 'UCLG', 'GPM'] as const;

/**
 * The Quito City Action Pledge, drafted and taken through one validation round with the four
 * networks (comments, answers, verdicts) to published, through the same services the API uses.
 * `reviewerEmails` names one demo reviewer per network.
 */
export async function seedQuitoPledge(
  ctx: ServiceContext,
  reviewerEmails: Record<(typeof networkCodes)[number], string>,
  baseUrl: string,
) {
  const deps = { publicBaseUrl: baseUrl };
  const slug = quitoPledge.slug;
  await createPledge(ctx, { slug, title: quitoPledge.title, requireMandateDocument: false });
  await updateVersion(ctx, slug, 1, { preamble: quitoPledge.preamble });
  for (const area of quitoPledge.areas) await addArea(ctx, slug, 1, area);

  const round = await openRound(ctx, deps, slug, 1, {
    deadline: new Date(Date.now() + 30 * 86_400_000),
    networks: [...networkCodes],
  });
  const reviewer = async (code: (typeof networkCodes)[number]): Promise<ServiceContext> => {
    const user = await findUserByEmail(ctx.db, reviewerEmails[code]);
    const network = await findNetworkByCode(ctx.db, code);
    if (!user || !network) throw new Error(`demo reviewer for ${code} missing`);
    const actor: Actor = { kind: 'network_reviewer', userId: user.id, networkId: network.id };
    return { ...ctx, actor };
  };
  for (const c of quitoPledge.reviewComments) {
    const comment = await addComment(await reviewer(c.network), round.id, { areaKey: c.areaKey ?? null, body: c.body });
    await resolveComment(ctx, round.id, comment.id, c.resolution);
  }
  for (const code of networkCodes) {
    await setVerdict(await reviewer(code), deps, round.id, code, {
      verdict: 'approve',
      summary: `${code} endorses the text for presentation in Quito.`,
    });
  }
  await closeRound(ctx, deps, round.id);
  await publishVersion(ctx, slug, 1);
}
