import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import type { MessageKey, Translator } from '../lib/i18n.js';
import {
  type AuditQuery,
  auditQuerySchema,
  type ChainVerification,
  listAuditEvents,
  verifyAuditChain,
} from '../modules/audit/index.js';
import type { ServiceContext } from '../modules/context.js';
import { findUserByEmail, getUser } from '../modules/users/index.js';
import type { FormError } from './render.js';
import { ADMIN_PAGE_SIZE, adminPage, pagePosition, pager, queryText } from './secretariat-admin-common.js';
import { signedInSecretariat } from './secretariat-common.js';
import { roleNames } from './secretariat-users.js';

// The audit log (the audit service of GET /audit): newest first, filtered by action, actor (by
// their email address), kind of record and a range of days, a page at a time; and "Verify chain"
// (GET /audit/verify's check), its answer in words: intact with the count checked, or where the
// chain breaks.

const filterFields = ['action', 'entityType', 'actor', 'from', 'to'] as const;
type Filters = Record<(typeof filterFields)[number], string>;

const day = z.iso.date();
const DAY_MS = 86_400_000;

/** The filters from the query string, as the audit service takes them, or the problems with them. */
async function readFilters(
  request: FastifyRequest,
  ctx: ServiceContext,
  t: Translator,
): Promise<{ values: Filters; query: Partial<AuditQuery>; errors: FormError[] }> {
  const values = Object.fromEntries(filterFields.map((f) => [f, queryText(request, f)])) as Filters;
  const errors: FormError[] = [];
  const query: Partial<AuditQuery> = {};
  const text = z.string().max(100);
  for (const name of ['action', 'entityType'] as const) {
    if (!values[name]) continue;
    if (text.safeParse(values[name]).success) query[name] = values[name];
    else errors.push({ field: name, message: t.t('secretariat.audit.error.long') });
  }
  if (values.actor) {
    const user = z.email().safeParse(values.actor).success ? await findUserByEmail(ctx.db, values.actor) : undefined;
    if (user) query.actor = user.id;
    else errors.push({ field: 'actor', message: t.t('secretariat.audit.error.actor') });
  }
  // Whole days in UTC, as the log's times are shown: "to" takes in the whole of its day.
  for (const name of ['from', 'to'] as const) {
    if (!values[name]) continue;
    if (!day.safeParse(values[name]).success) {
      errors.push({ field: name, message: t.t('secretariat.audit.error.date') });
      continue;
    }
    const start = new Date(`${values[name]}T00:00:00Z`);
    query[name] = name === 'from' ? start : new Date(start.getTime() + DAY_MS - 1);
  }
  if (query.from && query.to && query.from > query.to)
    errors.push({ field: 'to', message: t.t('secretariat.audit.error.range') });
  return { values, query, errors };
}

/** Who did it, in words: the person's name and address, else the role (the system, a visitor). */
async function actorNames(ctx: ServiceContext, ids: string[], t: Translator) {
  const names = new Map<string, string>();
  for (const id of new Set(ids)) {
    try {
      const user = await getUser(ctx, id);
      names.set(id, `${user.name} (${user.email})`);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 404) throw err;
      names.set(id, t.t('secretariat.audit.unknownActor'));
    }
  }
  return names;
}

const actorRoles: Record<string, MessageKey> = {
  ...roleNames,
  system: 'secretariat.audit.role.system',
  anonymous: 'secretariat.audit.role.anonymous',
};

/** The chain's check in words. */
function verification(result: ChainVerification, t: Translator) {
  const checked = { count: result.checked };
  if (result.ok)
    return {
      ok: true,
      title: t.t('secretariat.audit.verify.intact'),
      text: t.t('secretariat.audit.verify.intactText', checked),
    };
  const text = {
    unlinked: 'secretariat.audit.verify.unlinked',
    altered: 'secretariat.audit.verify.altered',
    truncated: 'secretariat.audit.verify.truncated',
  } as const satisfies Record<NonNullable<ChainVerification['breaks']>, MessageKey>;
  return {
    ok: false,
    title: t.t('secretariat.audit.verify.broken'),
    text: t.t(text[result.breaks ?? 'altered'], { ...checked, id: result.firstBadEventId ?? '' }),
  };
}

export function auditPages(app: FastifyInstance) {
  async function auditPage(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServiceContext,
    checked?: ChainVerification,
  ) {
    const { t } = request.web;
    // The answer of "Verify chain" comes with the log as it is, unfiltered.
    const { values, query, errors } = checked
      ? { values: Object.fromEntries(filterFields.map((f) => [f, ''])) as Filters, query: {}, errors: [] }
      : await readFilters(request, ctx, t);
    const position = checked ? { page: 1 } : pagePosition(request);
    const events = errors.length
      ? { items: [], nextCursor: null }
      : await listAuditEvents(ctx, auditQuerySchema.parse({ ...query, limit: ADMIN_PAGE_SIZE, ...position }));
    const names = await actorNames(
      ctx,
      events.items.flatMap((e) => (e.actor.id ? [e.actor.id] : [])),
      t,
    );
    return reply.page(
      'secretariat-audit',
      {
        ...adminPage(request),
        title: t.t('secretariat.audit.title'),
        errors,
        values,
        filtered: Object.values(values).some(Boolean),
        verification: checked && verification(checked, t),
        events: events.items.map((e) => ({
          at: e.at,
          actor: e.actor.id ? names.get(e.actor.id) : undefined,
          role: actorRoles[e.actor.role] ? t.t(actorRoles[e.actor.role]!) : e.actor.role,
          action: e.action,
          entityType: e.entityType,
          entityId: e.entityId,
          chainSeq: e.chainSeq,
          summary: JSON.stringify(e.summary, null, 2),
        })),
        pages: pager('/secretariat/audit', values, position, events.items.length, events.nextCursor),
      },
      errors.length ? 400 : 200,
    );
  }

  app.get('/secretariat/audit', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return auditPage(request, reply, ctx);
  });

  // "Verify chain": the answer is shown at once with the log, not after a redirect. It is a reading
  // made now (a link to a stored answer could show one that no longer holds), and sending the form
  // again only checks again.
  app.post('/secretariat/audit', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    return auditPage(request, reply, ctx, await verifyAuditChain(ctx));
  });
}
