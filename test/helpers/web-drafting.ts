import { and, eq } from 'drizzle-orm';
import { auditEvents, pledges, pledgeVersions } from '../../src/db/schema/index.js';
import { addArea, createPledge } from '../../src/modules/pledges/index.js';
import type { TestApp } from './app.js';
import { unique } from './factories.js';
import { csrfToken, type Page, type WebClient } from './web.js';

// The secretariat's drafting pages over app.inject: draft pledges made through the services, and
// what the pages wrote, read back from the database.

/** A pledge whose draft version 1 has these areas (English and Spanish titles). */
export async function draftPledge(t: TestApp, areaKeys: string[] = ['governance', 'climate']) {
  const slug = unique('draft-').toLowerCase();
  await createPledge(t.system, { slug, title: { en: `Draft ${slug}`, es: `Borrador ${slug}` } });
  for (const key of areaKeys) {
    await addArea(t.system, slug, 1, {
      key,
      title: { en: `Area ${key}`, es: `Área ${key}` },
      description: { en: `What ${key} is about.` },
    });
  }
  return slug;
}

export async function versionRow(t: TestApp, slug: string, n = 1) {
  const [row] = await t.db
    .select({ version: pledgeVersions })
    .from(pledgeVersions)
    .innerJoin(pledges, eq(pledges.id, pledgeVersions.pledgeId))
    .where(and(eq(pledges.slug, slug), eq(pledgeVersions.number, n)));
  if (!row) throw new Error(`no version ${n} of ${slug}`);
  return row.version;
}

/** The audit actions recorded about an entity, oldest first. */
export async function auditActions(t: TestApp, entityId: string) {
  const rows = await t.db.select().from(auditEvents).where(eq(auditEvents.entityId, entityId)).orderBy(auditEvents.seq);
  return rows.map((r) => r.action);
}

/** A form sent with a field repeated (ticked checkboxes), as a browser sends it, with `from`'s token. */
export async function postPairs(
  t: TestApp,
  client: WebClient,
  url: string,
  pairs: Array<[string, string]>,
  from: Page,
) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
    },
    payload: new URLSearchParams([...pairs, ['_csrf', csrfToken(from.body)]]).toString(),
  });
}

/** The version's ETag that a page's forms carry. */
export function etagOf(html: string): string {
  const found = /name="etag" value="([^"]*)"/.exec(html)?.[1];
  if (found === undefined) throw new Error('no etag on the page');
  return found.replace(/&quot;/g, '"');
}

/** The hidden fields (the ETag and the fingerprints) of the form posting to `action`, as a browser sends them. */
export function hiddenFields(html: string, action: string): Record<string, string> {
  const form = new RegExp(`<form[^>]*action="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[\\s\\S]*?</form>`).exec(
    html,
  )?.[0];
  if (!form) throw new Error(`no form posting to ${action}`);
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    if (m[1] !== '_csrf') fields[m[1]!] = m[2]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  }
  return fields;
}
