import type { DbContext } from '../../db/tx.js';
import type { Localised } from '../../db/schema/index.js';
import type { Translator } from '../../lib/i18n.js';
import {
  enqueueMail,
  enqueueMailToSecretariat,
  type MailContent,
  mailText,
  mailTranslator,
  portalLinks,
} from '../mail/index.js';
import * as repo from './rounds.repository.js';

export interface RoundFacts {
  roundId: string;
  /** The pledge's title in each language it has: each mail names it in its reader's. */
  pledgeTitle: Localised;
  versionNumber: number;
  deadline: Date;
  baseUrl: string;
}

const params = (t: Translator, f: RoundFacts) => ({
  pledge: t.pick(f.pledgeTitle).text,
  version: String(f.versionNumber),
  deadline: t.dateTime(f.deadline),
});

/** The round's page for a reviewer. */
const reviewLink = (f: RoundFacts) => portalLinks.reviewRound(f.baseUrl, f.roundId);

export function roundOpenedMessage(t: Translator, f: RoundFacts, name: string): MailContent {
  const p = params(t, f);
  return {
    subject: t.t('mail.round.opened.subject', p),
    text: mailText(t, name, [
      t.t('mail.round.opened.body', p),
      { lead: t.t('mail.round.opened.action', p), link: reviewLink(f) },
    ]),
  };
}

export function roundReminderMessage(t: Translator, f: RoundFacts, name: string): MailContent {
  const p = params(t, f);
  return {
    subject: t.t('mail.round.reminder.subject', p),
    text: mailText(t, name, [
      t.t('mail.round.reminder.body', p),
      { lead: t.t('mail.round.reminder.action', p), link: reviewLink(f) },
    ]),
  };
}

export function roundClosedMessage(
  t: Translator,
  f: RoundFacts & { outcome: 'approved' | 'changes_requested' },
  name: string,
): MailContent {
  const p = { ...params(t, f), outcome: t.t(`mail.round.outcome.${f.outcome}`) };
  return {
    subject: t.t('mail.round.closed.subject', p),
    text: mailText(t, name, [
      t.t('mail.round.closed.body', p),
      { lead: t.t('mail.round.closed.action'), link: reviewLink(f) },
    ]),
  };
}

export function verdictMessage(
  t: Translator,
  f: RoundFacts & { networkCode: string; verdict: 'approve' | 'request_changes'; summary?: string },
): MailContent {
  const p = { ...params(t, f), network: f.networkCode };
  return {
    subject: t.t(`mail.round.verdict.${f.verdict}.subject`, p),
    text: mailText(t, undefined, [
      t.t(`mail.round.verdict.${f.verdict}.body`, p),
      f.summary ? t.t('mail.round.verdict.summary', { summary: f.summary }) : undefined,
      { lead: t.t('mail.round.verdict.action'), link: portalLinks.secretariatRound(f.baseUrl, f.roundId) },
    ]),
  };
}

/** Each message has a dedupe key: sent once, however many instances or retries ask. */
export async function notifyRoundOpened(ctx: DbContext, f: RoundFacts, networkIds: string[]): Promise<void> {
  for (const r of await repo.reviewersOf(ctx.db, networkIds)) {
    await enqueueMail(ctx, {
      to: r.email,
      dedupeKey: `round:${f.roundId}:opened:${r.id}`,
      ...roundOpenedMessage(mailTranslator(r.language), f, r.name),
    });
  }
}

export async function remindSilentNetwork(ctx: DbContext, f: RoundFacts, networkId: string): Promise<void> {
  for (const r of await repo.reviewersOf(ctx.db, [networkId])) {
    await enqueueMail(ctx, {
      to: r.email,
      dedupeKey: `round:${f.roundId}:reminder:${networkId}:${r.id}`,
      ...roundReminderMessage(mailTranslator(r.language), f, r.name),
    });
  }
}

export async function notifyRoundClosed(
  ctx: DbContext,
  f: RoundFacts & { outcome: 'approved' | 'changes_requested' },
  networkIds: string[],
): Promise<void> {
  for (const r of await repo.reviewersOf(ctx.db, networkIds)) {
    await enqueueMail(ctx, {
      to: r.email,
      dedupeKey: `round:${f.roundId}:closed:${r.id}`,
      ...roundClosedMessage(mailTranslator(r.language), f, r.name),
    });
  }
}

/** Each active secretariat user hears of a network's verdict, in their language. */
export async function notifyVerdict(
  ctx: DbContext,
  f: RoundFacts & { networkCode: string; verdict: 'approve' | 'request_changes'; decidedAt: Date; summary?: string },
): Promise<void> {
  await enqueueMailToSecretariat(ctx, {
    dedupePrefix: `round:${f.roundId}:verdict:${f.networkCode}:${f.decidedAt.getTime()}:`,
    compose: (t) => verdictMessage(t, f),
  });
}
