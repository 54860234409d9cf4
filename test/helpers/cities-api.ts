import type { InjectOptions } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { type TestUser, unique } from './factories.js';
import type { Page } from './http.js';

export interface City {
  id: string;
  name: string;
  country: string;
  countryName: { en: string; es: string; fr: string };
  kind: string;
  region: string;
  subregion: string | null;
  population: number | null;
  latitude: number | null;
  longitude: number | null;
  networks: string[];
  preferredLanguage: string;
  createdAt: string;
  updatedAt: string;
}
export type CityPage = Page<City>;
export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}
export interface CityAuditEvent {
  action: string;
  entityType: string;
  entityId: string;
  actor: { id: string | null; role: string };
  summary: Record<string, unknown>;
}

type Headers = Record<string, string>;
export const NO_AUTH: Headers = {};

export interface ImportResult {
  created: number;
  updated: number;
  errors: Array<{ line: number; message: string }>;
}

export const sorted = (values: string[]) => [...values].sort();
export const byName = (cities: City[], name: string) => cities.find((c) => c.name === name);
/** A CSV file from lines; the line number of lines[i] is i + 1 (the header is line 1). */
export const csvOf = (lines: string[], eol = '\n') => lines.join(eol) + eol;

/**
 * The /cities requests of a test file, made as the secretariat user `admin` unless other headers
 * are given. `session()` is read at call time, so this can be set up before beforeAll has run.
 */
export function cityRequests(session: () => { t: TestApp; admin: TestUser }) {
  const inject = (options: InjectOptions) => session().t.app.inject(options);
  const adminHeaders = () => session().admin.headers;

  const postCity = (payload: object, headers: Headers = adminHeaders()) =>
    inject({ method: 'POST', url: '/api/v1/cities', headers, payload });
  const getCity = (id: string, headers: Headers = adminHeaders()) =>
    inject({ method: 'GET', url: `/api/v1/cities/${id}`, headers });
  const patchCity = (id: string, payload: object, headers: Headers = adminHeaders()) =>
    inject({ method: 'PATCH', url: `/api/v1/cities/${id}`, headers, payload });
  const listCities = (query: Record<string, string | number>, headers: Headers = adminHeaders()) =>
    inject({
      method: 'GET',
      url: '/api/v1/cities',
      headers,
      query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
    });

  /** Creates a city through the API and returns it (fails the test unless 201). */
  async function apiCity(overrides: Record<string, unknown> = {}): Promise<City> {
    const res = await postCity({ name: unique('City '), country: 'EC', kind: 'city', ...overrides });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<City>();
  }

  /** Every city whose name contains `q` (walks all pages). */
  async function citiesNamed(q: string, extra: Record<string, string> = {}): Promise<City[]> {
    const all: City[] = [];
    let cursor: string | null = null;
    do {
      const res = await listCities({ q, limit: 500, ...extra, ...(cursor ? { cursor } : {}) });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<CityPage>();
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  /** The audit events of one city, newest first. */
  async function auditOf(entityId: string): Promise<CityAuditEvent[]> {
    const res = await inject({
      method: 'GET',
      url: `/api/v1/audit?entityType=city&entityId=${entityId}`,
      headers: adminHeaders(),
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ items: CityAuditEvent[] }>().items;
  }

  const importCsv = (
    csv: string,
    user: { headers: Record<string, string> } = session().admin,
    contentType = 'text/csv',
  ) =>
    inject({
      method: 'POST',
      url: '/api/v1/cities/import',
      headers: { ...user.headers, 'content-type': contentType },
      payload: csv,
    });

  /** Imports a file and insists on a 200. */
  async function importOk(csv: string): Promise<ImportResult> {
    const res = await importCsv(csv);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ImportResult>();
  }

  return { postCity, getCity, patchCity, listCities, apiCity, citiesNamed, auditOf, importCsv, importOk };
}
