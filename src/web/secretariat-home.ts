import type { FastifyInstance } from 'fastify';
import type { MessageKey, Translator } from '../lib/i18n.js';
import { countCities } from '../modules/cities/index.js';
import { countEndorsements, listEndorsements } from '../modules/endorsements/index.js';
import { type FailureReason, mailFailures } from '../modules/mail/index.js';
import { listNetworks } from '../modules/networks/index.js';
import { listPledges } from '../modules/pledges/index.js';
import { ROUND_ATTENTION_DAYS, roundsNeedingAttention } from '../modules/rounds/index.js';
import { consoleMenu, signedInSecretariat } from './secretariat-common.js';
import { ageInWords, pledgeTitles, queueRow } from './secretariat-endorsements.js';

// The secretariat's first page: what waits for it (endorsements to verify, the oldest first;
// validation rounds near their deadline or ready to close; mails given up on) and the totals.
// Each part is read through its module's service, which decides what the secretariat may see.

/** How many of the oldest endorsements, and of the latest failed mails, the page lists. */
const WAITING_SHOWN = 5;
const FAILURES_SHOWN = 5;

const reasonKeys = {
  timeout: 'secretariat.home.mail.reason.timeout',
  unreachable: 'secretariat.home.mail.reason.unreachable',
  refused: 'secretariat.home.mail.reason.refused',
  authentication: 'secretariat.home.mail.reason.authentication',
  other: 'secretariat.home.mail.reason.other',
} as const satisfies Record<FailureReason, MessageKey>;

/** "3 days left" or "passed 2 days ago": a deadline seen from `now`, in words. */
function deadlineInWords(deadline: Date, now: Date, t: Translator): string {
  const seconds = (deadline.getTime() - now.getTime()) / 1000;
  return seconds >= 0
    ? t.t('secretariat.home.rounds.left', { time: t.duration(seconds) })
    : t.t('secretariat.home.rounds.passed', { time: ageInWords(-seconds, t) });
}

export default async function secretariatHome(app: FastifyInstance) {
  app.get('/secretariat', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const now = new Date();
    // Independent reads: on PostgreSQL they go out together, each on a connection of the pool.
    const [pledges, counts, waiting, rounds, mail, cities, networks] = await Promise.all([
      listPledges(ctx),
      countEndorsements(ctx, {}),
      listEndorsements(ctx, { status: 'submitted', order: 'queue', limit: WAITING_SHOWN }),
      roundsNeedingAttention(ctx, now),
      mailFailures(ctx, FAILURES_SHOWN),
      countCities(ctx),
      listNetworks(ctx),
    ]);
    const titles = pledgeTitles(pledges, t);
    return reply.page('secretariat-home', {
      title: t.t('secretariat.home.title'),
      consoleMenu: consoleMenu(request),
      awaiting: counts.submitted,
      waiting: waiting.items.map((e) => queueRow(e, titles, now, t)),
      attentionDays: ROUND_ATTENTION_DAYS,
      rounds: rounds.map((r) => ({
        href: `/secretariat/rounds/${r.id}`,
        pledge: t.pick(r.pledge.title),
        versionNumber: r.versionNumber,
        deadline: r.deadline,
        timeLeft: deadlineInWords(r.deadline, now, t),
        answered: r.answered,
        invited: r.invited,
        everyVerdictIn: r.everyVerdictIn,
      })),
      mailFailures: mail.count,
      failedMails: mail.latest.map((m) => ({ ...m, reason: t.t(reasonKeys[m.reason]) })),
      totals: [
        {
          label: t.t('secretariat.home.totals.pledges'),
          value: pledges.filter((p) => p.status === 'published').length,
        },
        { label: t.t('secretariat.home.totals.verified'), value: counts.verified },
        { label: t.t('secretariat.home.totals.awaiting'), value: counts.submitted },
        { label: t.t('secretariat.home.totals.cities'), value: cities },
        { label: t.t('secretariat.home.totals.networks'), value: networks.length },
      ],
    });
  });
}
