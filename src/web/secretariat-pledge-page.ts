import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { languages, type MessageKey, type Translator } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import { listNetworks } from '../modules/networks/index.js';
import { getPledge, getVersion, isEditable, versionStateMachine } from '../modules/pledges/index.js';
import { listPledgeRounds } from '../modules/rounds/index.js';
import type { FormError } from './render.js';
import { consoleMenu, signedInSecretariat } from './secretariat-common.js';
import {
  fingerprints,
  labelsIn,
  pledgeNotice,
  pledgePath,
  slugOf,
  type TheirText,
  versionOf,
  versionPath,
  versionStatusKeys,
} from './secretariat-pledge-common.js';
import { versionDiffView } from './version-diff.js';

// One pledge for the secretariat: its versions, the draft's editor (the preamble here, each action
// area on a page of its own), opening a validation round, making a new version, publishing; and one
// version's page with its differences from the one before. The forms of this page post to
// secretariat-drafting.ts and secretariat-publishing.ts, which show this page again with a problem.

/** What a form of the pledge page sent, when the page comes back with a problem. */
export interface PledgeForms {
  errors?: FormError[];
  /** The typed values: preamble-en, preamble-es, preamble-fr, deadline, reason. */
  values?: Record<string, string>;
  networks?: string[];
  /** The ETag the preamble form was opened with: kept, so a change made meanwhile is still caught. */
  etag?: string;
  /** The preamble's fingerprints the form was opened with, kept likewise. */
  bases?: Record<string, string>;
  /** After a stale preamble edit: the other person's text of each language that differs. */
  conflict?: Record<string, TheirText>;
  status?: number;
}

type Round = Awaited<ReturnType<typeof listPledgeRounds>>[number];

function roundView(round: Round, t: Translator) {
  const words: MessageKey =
    round.status === 'open'
      ? 'secretariat.pledge.round.open'
      : round.outcome === 'approved'
        ? 'secretariat.pledge.round.approved'
        : 'secretariat.pledge.round.changesRequested';
  return {
    href: `/secretariat/rounds/${round.id}`,
    versionNumber: round.versionNumber,
    networks: t.list(round.networks.map((n) => n.code)),
    deadline: t.dateTime(round.deadline),
    state: t.t(words, { date: t.date(round.closedAt ?? round.deadline) }),
  };
}

async function pledgeView(ctx: ServiceContext, slug: string, t: Translator) {
  const pledge = await getPledge(ctx, slug);
  const versions = await Promise.all(pledge.versions.map((v) => getVersion(ctx, slug, v.number)));
  const latest = versions.at(-1);
  const draft = latest && isEditable(latest.version.status) ? latest : undefined;
  // The newest version that may still be published (validated, or with a reason), after the published one.
  const publishable = versions
    .filter((v) => v.version.number > (pledge.publishedVersion ?? 0))
    .findLast((v) => versionStateMachine.can('publish_with_override', v.version.status))?.version;
  const rounds = await listPledgeRounds(ctx, slug);
  return {
    pledge,
    titleText: t.pick(pledge.title),
    versions: versions.map(({ version: v }) => ({
      number: v.number,
      status: t.t(versionStatusKeys[v.status]),
      contentHash: v.contentHash,
      publishedAt: v.publishedAt && t.date(v.publishedAt),
      href: versionPath(slug, v.number),
    })),
    draft: draft && {
      number: draft.version.number,
      etag: draft.etag,
      preamble: draft.version.preamble,
      areas: draft.version.areas.map((a, i, all) => ({
        key: a.key,
        position: a.position,
        first: i === 0,
        last: i === all.length - 1,
        title: t.pick(a.title),
        description: t.pick(a.description),
        commitments: a.commitments.length,
        gcm: a.gcmObjectives.join(', '),
        sdg: a.sdgTargets.join(', '),
        gcr: a.gcrAreas.length,
        href: `${versionPath(slug, draft.version.number)}/areas/${a.key}`,
      })),
    },
    latest: latest && { number: latest.version.number, status: t.t(versionStatusKeys[latest.version.status]) },
    rounds: rounds.map((r) => roundView(r, t)),
    publish: publishable && {
      number: publishable.number,
      validated: versionStateMachine.can('publish', publishable.status),
      status: t.t(versionStatusKeys[publishable.status]),
    },
  };
}

/** The pledge page, fresh or with the problem of one of its forms. */
export async function showPledge(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServiceContext,
  slug: string,
  forms: PledgeForms = {},
) {
  const { t } = request.web;
  const view = await pledgeView(ctx, slug, t);
  const preamble = view.draft?.preamble;
  const current = Object.fromEntries(languages.map((lang) => [`preamble-${lang}`, preamble?.[lang] ?? '']));
  const values: Record<string, string> = { ...current, deadline: '', reason: '', ...forms.values };
  const networks = await listNetworks(ctx);
  return reply.page(
    'secretariat-pledge',
    {
      ...view,
      title: view.titleText.text,
      slug,
      consoleMenu: consoleMenu(request),
      notice: pledgeNotice(request, t),
      errors: forms.errors ?? [],
      values,
      etag: forms.etag ?? view.draft?.etag ?? '',
      bases: forms.bases ?? fingerprints(current),
      conflict: forms.conflict ?? {},
      preambleLabels: labelsIn(t, 'secretariat.pledge.preamble'),
      // A network's name, and its code where the name does not say it ("Metropolis").
      networkChoices: networks.map((n) => ({
        value: n.code,
        label: n.name === n.code ? n.name : `${n.name} (${n.code})`,
      })),
      networksChecked: forms.networks ?? [],
      publicHref: view.pledge.publishedVersion ? `/pledges/${slug}` : undefined,
    },
    forms.status ?? (forms.errors?.length ? 400 : 200),
  );
}

/** A version's text as the secretariat reads it, with its rounds and its differences from the one before. */
async function versionPage(request: FastifyRequest, reply: FastifyReply, ctx: ServiceContext) {
  const { t } = request.web;
  const { slug, n } = versionOf(request);
  const [{ version }, pledge] = await Promise.all([getVersion(ctx, slug, n), getPledge(ctx, slug)]);
  const rounds = (await listPledgeRounds(ctx, slug)).filter((r) => r.versionNumber === n);
  return reply.page('secretariat-pledge-version', {
    title: t.t('pledge.versionNumber', { number: n }),
    pledgeTitle: t.pick(pledge.title),
    consoleMenu: consoleMenu(request),
    pledgeHref: pledgePath(slug),
    number: n,
    status: t.t(versionStatusKeys[version.status]),
    editable: isEditable(version.status),
    contentHash: version.contentHash,
    frozenAt: version.frozenAt && t.dateTime(version.frozenAt),
    publishedAt: version.publishedAt && t.dateTime(version.publishedAt),
    overrideReason: version.publishOverrideReason,
    copiedFrom: version.copiedFrom,
    rounds: rounds.map((r) => roundView(r, t)),
    diff: n > 1 ? await versionDiffView(ctx, slug, n - 1, n, t) : undefined,
    preamble: t.pick(version.preamble),
    areas: version.areas.map((a) => ({
      key: a.key,
      title: t.pick(a.title),
      description: t.pick(a.description),
      commitments: a.commitments.map((c) => t.pick(c)),
    })),
  });
}

export function pledgePage(app: FastifyInstance) {
  app.get('/secretariat/pledges/:slug', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return showPledge(request, reply, ctx, slugOf(request));
  });

  app.get('/secretariat/pledges/:slug/versions/:n', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return versionPage(request, reply, ctx);
  });
}
