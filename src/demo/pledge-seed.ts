import type { Actor } from '../lib/actor.js';
import type { ServiceContext } from '../modules/context.js';
import { findNetworkByCode } from '../modules/networks/index.js';
import { addArea } from '../modules/pledges/index.js';
import { createPledge, updateVersion } from '../modules/pledges/index.js';
import { publishVersion } from '../modules/pledges/index.js';
import { addComment, resolveComment, setVerdict } from '../modules/rounds/index.js';
import { closeRound, openRound } from '../modules/rounds/index.js';
import { findUserByEmail } from '../modules/users/index.js';
import type { SetClock } from './endorsement-seed.js';
import { quitoPledge } from './quito-pledge.js';
import { PREPARATION } from './timeline.js';

const networkCodes = ['MMC', 'Metropolis', 'UCLG', 'GPM'] as const;

const HOUR = 3_600_000;
const later = (d: Date, hours: number) => new Date(d.getTime() + hours * HOUR);

/**
 * The Quito City Action Pledge, drafted and taken through one validation round with the four
 * networks (comments, answers, verdicts) to published, through the same services the API uses,
 * each step at its date in the autumn of 2019 (timeline.ts's PREPARATION), published on the
 * morning of the Forum. `reviewerEmails` names one demo reviewer per network.
 */
export async function seedQuitoPledge(
  ctx: ServiceContext,
  setClock: SetClock,
  reviewerEmails: Record<(typeof networkCodes)[number], string>,
  baseUrl: string,
) {
  const deps = { publicBaseUrl: baseUrl };
  const slug = quitoPledge.slug;
  setClock(PREPARATION.drafted);
  await createPledge(ctx, { slug, title: quitoPledge.title, requireMandateDocument: false });
  setClock(later(PREPARATION.drafted, 1));
  await updateVersion(ctx, slug, 1, { preamble: quitoPledge.preamble });
  for (const [i, area] of quitoPledge.areas.entries()) {
    setClock(later(PREPARATION.drafted, 24 * (i + 1)));
    await addArea(ctx, slug, 1, area);
  }

  setClock(PREPARATION.roundOpened);
  const round = await openRound(ctx, deps, slug, 1, {
    deadline: PREPARATION.roundDeadline,
    networks: [...networkCodes],
  });
  const reviewer = async (code: (typeof networkCodes)[number]): Promise<ServiceContext> => {
    const user = await findUserByEmail(ctx.db, reviewerEmails[code]);
    const network = await findNetworkByCode(ctx.db, code);
    if (!user || !network) throw new Error(`demo reviewer for ${code} missing`);
    const actor: Actor = { kind: 'network_reviewer', userId: user.id, networkId: network.id };
    return { ...ctx, actor };
  };
  // Comments over three weeks, then the secretariat's answers, then the verdicts.
  const comments = [];
  for (const [i, c] of quitoPledge.reviewComments.entries()) {
    setClock(later(PREPARATION.firstComment, 24 * 3 * i + i));
    const comment = await addComment(await reviewer(c.network), round.id, { areaKey: c.areaKey ?? null, body: c.body });
    comments.push({ id: comment.id, resolution: c.resolution });
  }
  for (const [i, c] of comments.entries()) {
    setClock(later(PREPARATION.answers, i));
    await resolveComment(ctx, round.id, c.id, c.resolution);
  }
  for (const [i, code] of networkCodes.entries()) {
    setClock(later(PREPARATION.verdicts, 24 * i));
    await setVerdict(await reviewer(code), deps, round.id, code, {
      verdict: 'approve',
      summary: `${code} endorses the text for presentation in Quito.`,
    });
  }
  setClock(PREPARATION.roundClosed);
  await closeRound(ctx, deps, round.id);
  setClock(PREPARATION.published);
  await publishVersion(ctx, slug, 1);
}
