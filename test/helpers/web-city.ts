import { expect } from 'vitest';
import type { ServiceContext } from '../../src/modules/context.js';
import { createEndorsement, decideEndorsement } from '../../src/modules/endorsements/index.js';
import type { TestApp } from './app.js';
import type { TestUser } from './factories.js';
import { WebClient } from './web.js';

// The city official's pages over app.inject: a signed-in browser per person, and endorsements made
// and decided through the services.

let addresses = 0;

/** A browser signed in as `person` (each from an address of its own, apart for the throttle). */
export async function signedInAs(t: TestApp, person: TestUser, headers: Record<string, string> = {}) {
  const client = new WebClient(() => t.app, headers, `10.77.${++addresses >> 8}.${addresses & 255}`);
  const form = await client.get('/sign-in');
  const res = await client.post('/sign-in', { email: person.email, password: person.password }, { csrfFrom: form });
  expect(res.statusCode).toBe(303);
  return client;
}

export function officialContext(t: TestApp, official: TestUser): ServiceContext {
  return { db: t.db, actor: { kind: 'city_official', userId: official.id, cityId: official.cityId! } };
}

export function secretariatContext(t: TestApp, staff: TestUser): ServiceContext {
  return { db: t.db, actor: { kind: 'secretariat', userId: staff.id } };
}

const deps = (t: TestApp) => ({ publicBaseUrl: t.config.publicBaseUrl, certSigningKey: t.config.certSigningKey });

/** The official's city endorses version 1 (whole, or the given areas) through the service. */
export async function endorsedBy(
  t: TestApp,
  official: TestUser,
  slug: string,
  options: { areaKeys?: string[]; verifiedBy?: TestUser; versionNumber?: number } = {},
) {
  const { body } = await createEndorsement(officialContext(t, official), deps(t), slug, {
    versionNumber: options.versionNumber ?? 1,
    scope: options.areaKeys ? 'areas' : 'whole',
    ...(options.areaKeys ? { areaKeys: options.areaKeys } : {}),
    signatory: { name: 'Ana Alcaldesa', title: 'Mayor' },
    language: 'es',
  });
  if (options.verifiedBy) {
    await decideEndorsement(secretariatContext(t, options.verifiedBy), deps(t), body.id, { decision: 'verified' });
  }
  return body.id;
}

/** A multipart part list from a form's fields (checkbox values repeated), with an optional file. */
export function formParts(
  fields: Record<string, string | string[]>,
  file?: { name: string; filename: string; type: string; data: Buffer },
) {
  const parts: Array<{ name: string; value: string } | { name: string; filename: string; type: string; data: Buffer }> =
    [];
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push({ name, value: v });
  }
  if (file) parts.push(file);
  return parts;
}

export const tinyPdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
