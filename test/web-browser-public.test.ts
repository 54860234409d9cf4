import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  announceSkip,
  expectAccessible,
  launchBrowser,
  newContext,
  type RunningServer,
  screenshots,
  startServer,
} from './helpers/browser.js';

// A visitor, in a real browser, on the demo data: picks Spanish with the switcher, reads the pledge
// and filters its signatories, then downloads the list.

const skipped = announceSkip('web-browser-public');
const SLUG = 'quito-city-action-pledge';

describe.skipIf(skipped)('a visitor', () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('reads the pledge and filters its signatories, in Spanish', { timeout: 120_000 }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Pledges');
    await expectAccessible(page);
    await screenshots(page, 'home');

    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Español' }).click();
    await page.waitForURL(/lang=es/);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Compromisos');
    expect(await page.locator('html').getAttribute('lang')).toBe('es');

    await page.getByRole('link', { name: 'Compromiso de Acción de las Ciudades de Quito', exact: true }).click();
    await page.waitForURL(`${server.url}/pledges/${SLUG}`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(
      'Compromiso de Acción de las Ciudades de Quito',
    );
    expect(await page.getByRole('heading', { level: 2, name: 'Preámbulo' }).count()).toBe(1);
    expect(await page.getByRole('heading', { level: 2, name: 'Áreas de acción' }).count()).toBe(1);
    const areas = page.getByRole('heading', { level: 3 });
    expect(await areas.count()).toBe(6);
    expect(await areas.first().innerText()).toBe('1. Gobernanza de la migración');
    expect(await page.getByText(/^Suscrita por \d+ ciudades y regiones$/).count()).toBe(6);
    expect(await page.getByText('Huella del contenido (SHA-256)').count()).toBe(1);
    expect(await page.locator('code.hash').innerText()).toMatch(/^[0-9a-f]{64}$/);
    // The language stays chosen from page to page (a cookie), without ?lang= in the address.
    expect(page.url()).not.toContain('lang=');
    await expectAccessible(page);
    await screenshots(page, 'pledge');

    await page.getByRole('link', { name: 'Ver quién lo ha suscrito' }).click();
    await page.waitForURL(`${server.url}/pledges/${SLUG}/signatories`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Firmantes');
    await page.getByLabel('Región').selectOption({ label: 'Américas' });
    await page.getByLabel('Red').selectOption('MMC');
    await page.getByRole('button', { name: 'Aplicar filtros' }).click();
    await page.waitForURL(/region=Americas/);
    expect(new URL(page.url()).searchParams.get('network')).toBe('MMC');

    const api = await fetch(
      `${server.url}/api/v1/public/pledges/${SLUG}/signatories?region=Americas&network=MMC&limit=500`,
    );
    const expected = ((await api.json()) as { items: Array<{ city: { name: string } }> }).items;
    expect(expected.length).toBeGreaterThan(1);
    const status = await page.getByRole('status').innerText();
    expect(status).toContain(`${expected.length} firmantes coinciden con los filtros`);
    const rows = page.getByRole('table').getByRole('row');
    expect(await rows.count()).toBe(expected.length + 1);
    const cities = await page.getByRole('table').locator('tbody [data-label="Ciudad o región"]').allInnerTexts();
    expect(cities).toEqual(expected.map((s) => s.city.name));
    for (const cell of await page.locator('tbody [data-label="País y región"]').allInnerTexts())
      expect(cell).toMatch(/Américas$/);
    await expectAccessible(page);
    await screenshots(page, 'signatories');

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Descargar esta lista (CSV)' }).click();
    const file = await (await download).path();
    const csv = parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as string[][];
    expect(csv[0]![0]).toBe('Ciudad o región');
    expect(csv.slice(1).map((r) => r[0])).toEqual(expected.map((s) => s.city.name));
    await context.close();
  });

  it('is told a page is not there, with the same page for any such address', { timeout: 60_000 }, async () => {
    const context = await newContext(browser, { locale: 'fr-FR' });
    const page = await context.newPage();
    const res = await page.goto(`${server.url}/pledges/no-such-pledge`);
    expect(res?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Page introuvable');
    await page.getByRole('link', { name: 'Aller à la liste des engagements' }).click();
    await page.waitForURL(`${server.url}/`);
    await page.goto(`${server.url}/pledges/no-such-pledge?lang=en`);
    await expectAccessible(page);
    await screenshots(page, 'not-found');
    await context.close();
  });
});
