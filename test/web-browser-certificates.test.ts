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

// Anyone checking a certificate in a real browser, on the demo data: by its serial number, by
// uploading its PDF, and a PDF someone tampered with.

const skipped = announceSkip('web-browser-certificates');

describe.skipIf(skipped)('checking a certificate', () => {
  let server: RunningServer;
  let browser: Browser;
  let serial: string;
  let pdf: Buffer;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const staff = demoUsers.find((u) => u.role === 'secretariat')!;
    const token = await apiToken(server, staff.email, staff.password);
    const list = await fetch(
      `${server.url}/api/v1/endorsements?pledge=quito-city-action-pledge&status=verified&limit=1`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const [endorsement] = ((await list.json()) as { items: Array<{ id: string; certificate: { serial: string } }> })
      .items;
    serial = endorsement!.certificate.serial;
    const download = await fetch(`${server.url}/api/v1/endorsements/${endorsement!.id}/certificate.pdf`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(download.status).toBe(200);
    pdf = Buffer.from(await download.arrayBuffer());
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function verifyPage(): Promise<Page> {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/`);
    await page
      .getByRole('navigation', { name: 'Main menu' })
      .getByRole('link', { name: 'Check a certificate' })
      .click();
    await page.waitForURL(`${server.url}/verify`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Check a certificate');
    return page;
  }

  it('by its serial number, typed as a person types it', { timeout: 90_000 }, async () => {
    const page = await verifyPage();
    await expectAccessible(page);
    await screenshots(page, 'verify');
    await page.getByLabel('Serial number').fill(serial.toLowerCase().replace(/-/g, ' '));
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForURL(`${server.url}/certificates/${serial}`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`Certificate ${serial}`);
    // In words, in colour and with a sign.
    expect(await page.locator('.status-valid .tag-valid').innerText()).toBe('✓ Valid');
    // Runs in the page, where globalThis is the window (this project has no DOM types).
    const colour = await page
      .locator('.tag-valid')
      .evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color,
      );
    expect(colour).toBe('rgb(0, 90, 48)');
    expect(
      await page.getByText('This certificate is valid: the endorsement it states stands as certified.').count(),
    ).toBe(1);
    expect(await page.getByRole('link', { name: 'Quito City Action Pledge' }).count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'certificate');
    await page.context().close();
  });

  it('by uploading its PDF, which is genuine', { timeout: 90_000 }, async () => {
    const page = await verifyPage();
    await page
      .getByLabel('Certificate PDF')
      .setInputFiles({ name: 'certificate.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Result of the check');
    const result = await page.getByRole('status').innerText();
    expect(result).toContain('The document is genuine');
    expect(result).toContain('Its signature checks out and its text is exactly the text that was certified.');
    await expectAccessible(page);
    await screenshots(page, 'verify-result');
    await page.getByRole('link', { name: `Open the page of certificate ${serial}` }).click();
    await page.waitForURL(`${server.url}/certificates/${serial}`);
    await page.context().close();
  });

  it('by uploading a PDF someone changed, which is said to be altered', { timeout: 90_000 }, async () => {
    const tampered = Buffer.from(pdf);
    const at = pdf.indexOf('stream\n') + 200;
    tampered[at] = tampered[at]! ^ 0x01;
    const page = await verifyPage();
    await page
      .getByLabel('Certificate PDF')
      .setInputFiles({ name: 'certificate.pdf', mimeType: 'application/pdf', buffer: tampered });
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForLoadState();
    const result = await page.getByRole('status').innerText();
    expect(result).toContain('Warning: do not rely on this document');
    expect(result).toContain('The document was changed after it was signed');
    await expectAccessible(page);
    await screenshots(page, 'verify-result-altered');
    await page.context().close();
  });

  it(
    'with a serial that cannot be one, which the error summary says, linking to the field',
    { timeout: 90_000 },
    async () => {
      const page = await verifyPage();
      await page.getByLabel('Serial number').fill('AP-12');
      await page.getByRole('button', { name: 'Check' }).click();
      await page.waitForLoadState();
      expect(await page.title()).toBe('Error: Check a certificate – Action Pledge');
      const summary = page.getByRole('alert');
      expect(await summary.getByRole('heading', { name: 'There is a problem' }).count()).toBe(1);
      const link = summary.getByRole('link', {
        name: 'Enter the serial number as printed on the certificate, like AP-7K3M-Q9XR',
      });
      expect(await link.getAttribute('href')).toBe('#serial');
      expect(await page.getByLabel('Serial number').inputValue()).toBe('AP-12');
      expect(await page.getByLabel('Serial number').getAttribute('aria-invalid')).toBe('true');
      await expectAccessible(page);
      await screenshots(page, 'verify-errors');
      await page.context().close();
    },
  );
});
