import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, NotFoundError } from '../lib/errors.js';
import type { MessageKey, Translator } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import { canSeeVersion, findPledge, findVisiblePledge, getVersion } from '../modules/pledges/index.js';
import type { RoundView } from '../modules/rounds/index.js';
import { versionDiffView } from './version-diff.js';

// What the two sides of a validation round share: the reviewers' pages (review.ts) and the
// secretariat's round board (secretariat-rounds.ts). The rounds service decides who sees a round
// and what it allows; these say its state, verdicts, comments and answers in words.

const roundParams = z.object({ id: z.uuid() });

/** The round named in the path; an id that could never exist is the same 404 as a missing round. */
export function roundIdOf(request: FastifyRequest): string {
  const parsed = roundParams.safeParse(request.params);
  if (!parsed.success) throw new NotFoundError('Round');
  return parsed.data.id;
}

export const verdictKeys = {
  approve: 'review.verdict.approve',
  request_changes: 'review.verdict.request_changes',
} as const satisfies Record<string, MessageKey>;

export const outcomeKeys = {
  approved: 'review.outcome.approved',
  changes_requested: 'review.outcome.changes_requested',
} as const satisfies Record<string, MessageKey>;

export const resolutionKeys = {
  accepted: 'review.resolution.accepted',
  rejected: 'review.resolution.rejected',
  noted: 'review.resolution.noted',
} as const satisfies Record<string, MessageKey>;

/** A network's verdict in words ("No verdict yet" while it has none). */
export function verdictText(verdict: keyof typeof verdictKeys | null, t: Translator): string {
  return verdict ? t.t(verdictKeys[verdict]) : t.t('review.verdict.none');
}

/** How long a round still takes comments: "3 days left", "deadline passed 2 hours ago", "Closed". */
export function timeLeft(round: { status: string; deadline: Date }, t: Translator, now = new Date()): string {
  if (round.status !== 'open') return t.t('review.time.closed');
  const seconds = (round.deadline.getTime() - now.getTime()) / 1000;
  return seconds > 0
    ? t.t('review.time.left', { duration: t.duration(seconds) })
    : t.t('review.time.overdue', { duration: t.duration(-seconds) });
}

/** What the round's services said no to, in words (a round closed meanwhile); else undefined. */
export function roundRefusal(err: unknown, t: Translator): string | undefined {
  if (err instanceof AppError && err.code === 'invalid_state') return t.t('review.error.closed');
  return undefined;
}

type Version = Awaited<ReturnType<typeof getVersion>>['version'];
type Comment = RoundView['comments'][number];

/** A comment as both sides read it: its area's title, network, time, late mark and the answer. */
export function commentView(c: Comment, areaTitle: (key: string) => { text: string; lang: string }, t: Translator) {
  return {
    id: c.id,
    area: c.areaKey ? areaTitle(c.areaKey) : { text: t.t('review.comment.general'), lang: t.lang },
    areaKey: c.areaKey,
    network: c.network,
    body: c.body,
    at: c.createdAt,
    late: c.late,
    answer: c.resolution && {
      status: c.resolution.status,
      statusText: t.t(resolutionKeys[c.resolution.status]),
      response: c.resolution.response,
      at: c.resolution.resolvedAt,
    },
  };
}

/** The round's pledge and version as the actor may read them, and its areas' titles by key. */
export async function roundText(ctx: ServiceContext, round: RoundView, t: Translator) {
  const pledge = (await findPledge(ctx.db, round.pledgeId))!;
  const { version } = await getVersion(ctx, round.pledgeSlug, round.versionNumber);
  const titles = new Map(version.areas.map((a) => [a.key, t.pick(a.title)]));
  const areaTitle = (key: string) => titles.get(key) ?? { text: key, lang: 'en' };
  return { pledgeTitle: t.pick(pledge.title), version, areaTitle };
}

/**
 * The differences from the version this one was copied from, when the actor may read that one too
 * (a reviewer never sees a draft); none for a first version.
 */
export async function diffFromPrevious(ctx: ServiceContext, version: Version, t: Translator) {
  if (version.copiedFrom === null) return undefined;
  const { versions } = await findVisiblePledge(ctx.db, ctx.actor, version.pledgeSlug);
  const previous = versions.find((v) => v.number === version.copiedFrom);
  if (!previous || !canSeeVersion(ctx.actor, previous.status)) return undefined;
  return versionDiffView(ctx, version.pledgeSlug, previous.number, version.number, t);
}
