// HTTP over a real listening socket (supertest and node:http), where app.inject cannot look:
// streamed downloads arriving whole, chunked uploads, a keep-alive connection after a 413.
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

const api = (path: string) => `/api/v1${path}`;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
const MANDATE_LIMIT = 10 * 1024 * 1024;

let t: TestApp;
let origin: string;
let staff: TestUser;
let slug: string;
/** Two verified endorsements (with certificates) and one still submitted, by city name. */
const cities: Array<{ name: string; endorsementId: string; official: TestUser; verified: boolean }> = [];

async function endorse(name: string, verified: boolean) {
  const city = await createCity(t, { name, country: 'PT' });
  const official = await createCityOfficial(t, city.id);
  const created = await request(origin)
    .post(api(`/pledges/${slug}/endorsements`))
    .set(official.headers)
    .send({ versionNumber: 1, scope: 'whole', signatory: { name: 'Mayor', title: 'Mayor' }, language: 'en' });
  expect(created.status, created.text).toBe(201);
  const endorsementId: string = created.body.id;
  if (verified) {
    const decided = await request(origin)
      .post(api(`/endorsements/${endorsementId}/decision`))
      .set(staff.headers)
      .send({ decision: 'verified' });
    expect(decided.status, decided.text).toBe(200);
  }
  cities.push({ name, endorsementId, official, verified });
}

beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  staff = await createSecretariat(t);
  ({ slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] }));
  await endorse(unique('Lisboa '), true);
  await endorse(unique('Évora '), true);
  await endorse(unique('Porto '), false);
});
afterAll(async () => t?.close());

describe('streamed downloads over a socket', () => {
  it('the endorsement report as CSV arrives whole, chunked, and parses', async () => {
    const res = await request(origin)
      .get(api(`/pledges/${slug}/reports/endorsements.csv`))
      .set(staff.headers);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const rows = parse(res.text.replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(cities.length);
    for (const city of cities) {
      const row = rows.find((r) => r.id === city.endorsementId);
      expect(row?.city).toBe(city.name);
      expect(row?.status).toBe(city.verified ? 'verified' : 'submitted');
    }
  });

  it('the endorsement report as Excel arrives whole and loads, its rows those of the data', async () => {
    const res = await request(origin)
      .get(api(`/pledges/${slug}/reports/endorsements.xlsx`))
      .set(staff.headers)
      .responseType('blob');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const body: Buffer = res.body;
    const workbook = new ExcelJS.Workbook();
    // ExcelJS's types take an ArrayBuffer (its own `Buffer` interface), not Node's Buffer.
    await workbook.xlsx.load(new Uint8Array(body).buffer);
    const sheet = workbook.getWorksheet('Endorsements')!;
    const header = sheet.getRow(1).values as unknown[];
    const cell = (row: number, name: string) => sheet.getRow(row).getCell(header.indexOf(name)).value;
    expect(sheet.rowCount).toBe(cities.length + 1);
    const byId = new Map(cities.map((c) => [c.endorsementId, c]));
    for (let row = 2; row <= sheet.rowCount; row++) {
      const city = byId.get(String(cell(row, 'id')));
      expect(city).toBeDefined();
      expect(cell(row, 'city')).toBe(city!.name);
      byId.delete(String(cell(row, 'id')));
    }
    expect(byId.size).toBe(0);
  });

  it('the certificates ZIP arrives whole: one PDF per verified endorsement', async () => {
    const res = await request(origin)
      .get(api(`/pledges/${slug}/certificates.zip`))
      .set(staff.headers)
      .responseType('blob');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/zip');
    const body: Buffer = res.body;
    const zip = await JSZip.loadAsync(body);
    const entries = Object.values(zip.files).filter((f) => !f.dir);
    expect(entries).toHaveLength(cities.filter((c) => c.verified).length);
    for (const entry of entries) {
      expect(entry.name).toMatch(/^AP-[A-Z0-9]{4}-[A-Z0-9]{4}-.+\.pdf$/);
      const pdf = await entry.async('nodebuffer');
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(pdf.subarray(-6).toString('latin1')).toContain('%%EOF');
    }
  });
});

describe('chunked uploads over a socket', () => {
  /** The body in several writes, with Transfer-Encoding: chunked and no Content-Length. */
  function chunked(body: Buffer, parts = 4): Buffer[] {
    const size = Math.ceil(body.length / parts);
    return Array.from({ length: parts }, (_, i) => body.subarray(i * size, (i + 1) * size));
  }

  it('a mandate document sent in chunks is stored: 201 with its hash and size', async () => {
    const { endorsementId, official } = cities.find((c) => !c.verified)!;
    const upload = request(origin)
      .put(api(`/endorsements/${endorsementId}/mandate`))
      .set(official.headers)
      .set('content-type', 'application/pdf')
      .set('transfer-encoding', 'chunked');
    for (const part of chunked(PDF)) upload.write(part);
    const res = await upload;
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ size: PDF.length, mediaType: 'application/pdf' });
    const stored = await request(origin)
      .get(api(`/endorsements/${endorsementId}/mandate`))
      .set(official.headers);
    expect(stored.status).toBe(200);
    const storedPdf: Buffer = stored.body;
    expect(storedPdf.equals(PDF)).toBe(true);
  });

  it('a certificate sent in chunks to POST /certificates/verify is checked: 200, it matches', async () => {
    const { endorsementId, official } = cities.find((c) => c.verified)!;
    const download = await request(origin)
      .get(api(`/endorsements/${endorsementId}/certificate.pdf`))
      .set(official.headers);
    expect(download.status).toBe(200);
    const pdf: Buffer = download.body;
    const check = request(origin)
      .post(api('/certificates/verify'))
      .set('content-type', 'application/pdf')
      .set('transfer-encoding', 'chunked');
    for (const part of chunked(pdf, 7)) check.write(part);
    const res = await check;
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'valid', matches: true });
  });
});

describe('a keep-alive connection', () => {
  interface Answer {
    status: number;
    headers: IncomingHttpHeaders;
    body: Buffer;
    localPort: number | undefined;
  }

  /** One request through `agent`, resolved with the whole answer. */
  function send(agent: Agent, method: string, path: string, headers: Record<string, string>, body?: Buffer) {
    return new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(`${origin}${path}`, { agent, method, headers }, (res) => {
        const localPort = res.socket.localPort;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), localPort }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('still answers on the same connection after a 413 for a mandate over 10 MB', async () => {
    const { endorsementId, official } = cities.find((c) => !c.verified)!;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let connections = 0;
    const countConnection = () => connections++;
    t.app.server.on('connection', countConnection);
    try {
      const headers = { ...official.headers, 'content-type': 'application/pdf' };
      const path = api(`/endorsements/${endorsementId}/mandate`);
      const tooLarge = Buffer.concat([PDF, Buffer.alloc(MANDATE_LIMIT + 1 - PDF.length, 0x20)]);
      const refused = await send(agent, 'PUT', path, headers, tooLarge);
      expect(refused.status).toBe(413);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(refused.body.toString('utf8'))).toMatchObject({ status: 413, code: 'payload_too_large' });
      expect(refused.headers.connection).not.toBe('close');

      const accepted = await send(agent, 'PUT', path, headers, PDF);
      expect(accepted.status, accepted.body.toString('utf8')).toBe(201);
      expect(JSON.parse(accepted.body.toString('utf8'))).toMatchObject({ size: PDF.length });
      // The same socket: the same local port, and the server saw one connection for both.
      expect(accepted.localPort).toBe(refused.localPort);
      expect(connections).toBe(1);
    } finally {
      t.app.server.off('connection', countConnection);
      agent.destroy();
    }
  });
});
