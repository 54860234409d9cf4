import type { DbContext } from '../../db/tx.js';
import { enqueueMail, enqueueMailToSecretariat } from '../mail/index.js';
import * as repo from './rounds.repository.js';

interface RoundFacts {
  roundId: string;
  pledgeTitle: string;
  versionNumber: number;
  deadline: Date;
  baseUrl: string;
}

const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
const roundLink = (f: RoundFacts) => `${f.baseUrl}/api/v1/rounds/${f.roundId}`;

/** Each message has a dedupe key: sent once, however many instances or retries ask. */
export async function notifyRoundOpened(ctx: DbContext, f: RoundFacts, networkIds: string[]): Promise<void> {
  for (const r of await repo.reviewersOf(ctx.db, networkIds)) {
    await enqueueMail(ctx, {
      to: r.email,
      dedupeKey: `round:${f.roundId}:opened:${r.id}`,
      subject: `Review requested: ${f.pledgeTitle}, version ${f.versionNumber}`,
      text: [
        `Dear ${r.name},`,
        '',
        `The secretariat has opened a validation round on version ${f.versionNumber} of "${f.pledgeTitle}" and ` +
          `invites your network to review it.`,
        `Please comment (in general or on an action area) and give your network's verdict by ${day(f.deadline)}.`,
        '',
        roundLink(f),
      ].join('\n'),
    });
  }
}

export async function remindSilentNetwork(ctx: DbContext, f: RoundFacts, networkId: string): Promise<void> {
  for (const r of await repo.reviewersOf(ctx.db, [networkId])) {
    await enqueueMail(ctx, {
      to: r.email,
      dedupeKey: `round:${f.roundId}:reminder:${networkId}:${r.id}`,
      subject: `Reminder: your verdict on ${f.pledgeTitle}, version ${f.versionNumber}, is due ${day(f.deadline)}`,
      text: [
        `Dear ${r.name},`,
        '',
        `Your network has not yet given its verdict on version ${f.versionNumber} of "${f.pledgeTitle}".`,
        `The round closes at ${day(f.deadline)}; verdicts after that are still accepted but marked late.`,
        '',
        roundLink(f),
      ].join('\n'),
    });
  }
}

export async function notifyRoundClosed(
  ctx: DbContext,
  f: RoundFacts & { outcome: string },
  networkIds: string[],
): Promise<void> {
  for (const r of await repo.reviewersOf(ctx.db, networkIds)) {
    await enqueueMail(ctx, {
      to: r.email,
      dedupeKey: `round:${f.roundId}:closed:${r.id}`,
      subject: `Validation round closed: ${f.pledgeTitle}, version ${f.versionNumber}`,
      text: [
        `Dear ${r.name},`,
        '',
        `The validation round on version ${f.versionNumber} of "${f.pledgeTitle}" is closed. Outcome: ` +
          `${f.outcome.replace('_', ' ')}.`,
        'Thank you for your review. The responses to your comments are in the round.',
        '',
        roundLink(f),
      ].join('\n'),
    });
  }
}

export async function notifyVerdict(
  ctx: DbContext,
  f: RoundFacts & { networkCode: string; verdict: string; decidedAt: Date; summary?: string },
): Promise<void> {
  await enqueueMailToSecretariat(ctx, {
    dedupePrefix: `round:${f.roundId}:verdict:${f.networkCode}:${f.decidedAt.getTime()}:`,
    subject:
      `${f.networkCode}: ${f.verdict === 'approve' ? 'approves' : 'requests changes to'} ${f.pledgeTitle}, ` +
      `version ${f.versionNumber}`,
    text: [
      `${f.networkCode} gave its verdict on version ${f.versionNumber} of "${f.pledgeTitle}": ` +
        `${f.verdict.replace('_', ' ')}.`,
      ...(f.summary ? ['', f.summary] : []),
      '',
      roundLink(f),
    ].join('\n'),
  });
}
