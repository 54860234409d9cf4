import { deflateSync, crc32 } from 'node:zlib';
import PDFDocument from 'pdfkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUsers } from '../src/demo/seed.js';
import {
  announceSkip,
  apiToken,
  expectAccessible,
  launchBrowser,
  newContext,
  type RunningServer,
  screenshots,
  startServer,
} from './helpers/browser.js';

// The secretariat's verification in a real browser: it signs in and lands on what waits, goes to
// the queue, filters it, opens an endorsement whose mandate (a PDF) is shown in the page, and
// verifies it; another, with an image mandate, is rejected with a note after a first try without.
// axe-core on each page type; screenshots at 1280 and 375 px.

const skipped = announceSkip('web-browser-secretariat-queue');
const staff = demoUsers.find((u) => u.role === 'secretariat')!;
const slug = 'quito-city-action-pledge';

/** A council resolution as a real one-page PDF. */
function resolutionPdf(city: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4', info: { Title: `Resolution of ${city}` } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.fontSize(20).text(`City council of ${city}`).moveDown();
    doc.fontSize(12).text('Resolution 2026-14: the city endorses the Quito City Action Pledge.');
    doc.end();
  });
}

/** A real PNG (a plain rectangle), as a scanned mandate would be sent. */
function scannedPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0xe8)]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe.skipIf(skipped)("the secretariat's verification", () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let api: (path: string, method?: string, body?: unknown, type?: string) => Promise<Response>;
  const stamp = Date.now().toString(36);
  const cityA = `Wellington ${stamp}`;
  const cityB = `Suva ${stamp}`;

  /** A city of Oceania endorsing the pledge (the secretariat on its behalf), with its mandate. */
  async function endorsementOf(name: string, country: string, mandate: Buffer, type: string) {
    const city = await api('/cities', 'POST', { name, country, kind: 'city' });
    expect(city.status).toBe(201);
    const cityId = ((await city.json()) as { id: string }).id;
    const pledge = (await (await api(`/pledges/${slug}`)).json()) as { publishedVersion: number };
    const created = await api(`/pledges/${slug}/endorsements`, 'POST', {
      cityId,
      versionNumber: pledge.publishedVersion,
      scope: 'whole',
      signatory: { name: `Mayor of ${name}`, title: 'Mayor' },
      language: 'en',
      statement: `${name} welcomes everyone.`,
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    expect((await api(`/endorsements/${id}/mandate`, 'PUT', mandate, type)).status).toBe(201);
    return id;
  }

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const token = await apiToken(server, staff.email, staff.password);
    api = (path, method = 'GET', body, type = 'application/json') =>
      fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
        body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
      });
    await endorsementOf(cityA, 'NZ', await resolutionPdf(cityA), 'application/pdf');
    await endorsementOf(cityB, 'FJ', scannedPng(480, 320), 'image/png');
    page = await (await newContext(browser)).newPage();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const h1 = () => page.getByRole('heading', { level: 1 }).innerText();
  const banner = () => page.getByRole('status').first().innerText();

  it('signs in and lands on what waits', async () => {
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('Email').fill(staff.email);
    await page.getByLabel('Password').fill(staff.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/secretariat`);
    expect(await h1()).toBe('What waits');
    const waiting = page.getByRole('region', { name: 'Endorsements to verify' });
    expect(await waiting.getByText(/endorsements? awaits? verification/).count()).toBe(1);
    expect(await waiting.getByRole('listitem').count()).toBeGreaterThan(0);
    expect(await page.getByRole('region', { name: 'Totals' }).getByText('Awaiting verification').count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-home');
  }, 90_000);

  it('filters the queue and opens an endorsement, its mandate shown in the page', async () => {
    await page.getByRole('link', { name: 'See the whole verification queue' }).click();
    await page.waitForURL(`${server.url}/secretariat/endorsements`);
    expect(await h1()).toBe('Endorsements');
    await page.getByRole('combobox', { name: 'Region' }).selectOption('Oceania');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\/secretariat\/endorsements\?status=submitted&region=Oceania/);
    expect(await page.getByRole('link', { name: cityA }).count()).toBe(1);
    expect(await page.getByRole('link', { name: cityB }).count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-queue');

    await page.getByRole('link', { name: cityA }).click();
    await page.waitForURL(/\/secretariat\/endorsements\/[0-9a-f-]{36}$/);
    expect(await h1()).toBe(`Endorsement of ${cityA}`);
    const frame = page.getByTitle(`Mandate document of ${cityA}`);
    expect(await frame.isVisible()).toBe(true);
    // The frame's document is the PDF itself, served inline to the secretariat.
    const src = (await frame.getAttribute('src'))!;
    const served = await page.request.get(`${server.url}${src}`);
    expect(served.headers()['content-type']).toBe('application/pdf');
    expect(served.headers()['content-disposition']).toMatch(/^inline;/);
    // Opened in the frame, not downloaded: the browser shows it there.
    expect(page.frames().some((f) => f.url().endsWith(src))).toBe(true);
    expect(await page.getByRole('link', { name: /Download the mandate document \(PDF/ }).count()).toBe(1);
    await expectAccessible(page);
    // The PDF viewer draws a frame once it is in view, a moment later: the screenshot is for a person.
    await frame.scrollIntoViewIfNeeded();
    await page.waitForTimeout(1_500);
    await screenshots(page, 'secretariat-endorsement');
  }, 90_000);

  it('verifies it', async () => {
    // The page afresh: after the screenshots' resizing, headless Chromium may still route clicks to
    // the PDF viewer's frame where the narrow layout had put it.
    await page.reload();
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/secretariat\/endorsements\/[0-9a-f-]{36}\?notice=verified$/);
    expect(await banner()).toContain('The endorsement is verified');
    expect(await page.locator('.status-title').innerText()).toContain('Verified');
    expect(await page.getByRole('button', { name: 'Verify' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: /^AP-/ }).count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-endorsement-verified');
  }, 90_000);

  it('rejects another with a note, after trying without one', async () => {
    await page.getByRole('link', { name: 'Back to the endorsements' }).click();
    await page.getByRole('combobox', { name: 'Region' }).selectOption('Oceania');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/region=Oceania/);
    expect(await page.getByRole('link', { name: cityA }).count()).toBe(0);
    await page.getByRole('link', { name: cityB }).click();
    await page.waitForURL(/\/secretariat\/endorsements\/[0-9a-f-]{36}$/);
    expect(await page.getByRole('img', { name: `Mandate document of ${cityB}` }).isVisible()).toBe(true);
    // The image itself arrived and was decoded, at its own width.
    await page.waitForFunction("document.querySelector('img.mandate-image').naturalWidth === 480");

    await page.getByRole('button', { name: 'Reject' }).click();
    await page.waitForLoadState();
    expect(await page.title()).toBe(`Error: Endorsement of ${cityB} – Action Pledge`);
    expect(await page.getByRole('alert').getByRole('link').allInnerTexts()).toEqual([
      'Write a note for the city saying what is wrong (2,000 characters at most)',
    ]);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-endorsement-errors');

    await page.getByLabel('Note').fill('The scan is blank: send the signed resolution.');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.waitForURL(/\?notice=rejected$/);
    expect(await banner()).toContain('The endorsement is rejected');
    expect(await page.locator('.status-title').innerText()).toContain('Rejected');
    expect(await page.getByText('Reason: The scan is blank: send the signed resolution.').count()).toBe(1);
  }, 90_000);
});
