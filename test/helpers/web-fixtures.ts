import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { createCity, type TestUser } from './factories.js';

const api = (path: string) => `/api/v1${path}`;

/**
 * A city that endorsed a published pledge and whose endorsement the secretariat verified (so it is
 * on the public list), through the API as the secretariat endorsing on the city's behalf.
 */
export async function verifiedSignatory(
  t: TestApp,
  secretariat: TestUser,
  slug: string,
  options: {
    country: string;
    name?: string;
    networks?: string[];
    areaKeys?: string[];
    signatory?: { name: string; title: string };
    language?: 'en' | 'es' | 'fr';
  },
) {
  const city = await createCity(t, { country: options.country, networks: options.networks ?? [], name: options.name });
  const created = await t.app.inject({
    method: 'POST',
    url: api(`/pledges/${slug}/endorsements`),
    headers: secretariat.headers,
    payload: {
      cityId: city.id,
      versionNumber: 1,
      scope: options.areaKeys ? 'areas' : 'whole',
      ...(options.areaKeys ? { areaKeys: options.areaKeys } : {}),
      signatory: options.signatory ?? { name: `Mayor of ${city.name}`, title: 'Mayor' },
      language: options.language ?? 'en',
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  const decided = await t.app.inject({
    method: 'POST',
    url: api(`/endorsements/${id}/decision`),
    headers: secretariat.headers,
    payload: { decision: 'verified' },
  });
  expect(decided.statusCode, decided.body).toBe(200);
  return { id, city, serial: decided.json().certificate.serial as string };
}
