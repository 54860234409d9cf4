import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUsers } from '../src/demo/seed.js';
import {
  announceSkip,
  apiAs,
  type ApiCall,
  expectAccessible,
  launchBrowser,
  newContext,
  type RunningServer,
  screenshots,
  startServer,
} from './helpers/browser.js';

// A city official's whole story in a real browser: a new official (invited by the secretariat)
// endorses the Quito pledge by areas with a mandate document, changes the areas, reports progress,
// confirms a newer version the secretariat published, and withdraws; another city's endorsement is
// the 404 page. axe-core on every page type; screenshots at 1280 and 375 px.

const skipped = announceSkip('web-browser-city');
const staff = demoUsers.find((u) => u.role === 'secretariat')!;
const slug = 'quito-city-action-pledge';
const mandatePdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

describe.skipIf(skipped)("a city official's endorsement", () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let api: ApiCall;
  let endorsementUrl: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    api = await apiAs(server, staff.email, staff.password);
    // A city of its own, not yet endorsing, and its official invited by the secretariat.
    const city = await api('/cities', 'POST', { name: 'Cuenca Browser', country: 'EC', kind: 'city' });
    expect(city.status).toBe(201);
    const cityId = ((await city.json()) as { id: string }).id;
    const invited = await api('/invitations', 'POST', {
      email: `official.cuenca.${Date.now()}@example.org`,
      name: 'Carla',
      role: 'city_official',
      cityId,
    });
    expect(invited.status).toBe(201);
    const { acceptToken } = (await invited.json()) as { acceptToken: string };
    page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/invitations/${acceptToken}`);
    await page.getByLabel('Name').fill('Carla Ordóñez');
    await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
    await page.getByLabel('Confirm password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${server.url}/account?notice=welcome`);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const h1 = () => page.getByRole('heading', { level: 1 }).innerText();
  const banner = () => page.getByRole('status').innerText();

  it('endorses the pledge by chosen areas with a mandate document, after a form with errors', async () => {
    await page.getByRole('link', { name: 'Your city' }).click();
    await page.waitForURL(`${server.url}/city`);
    expect(await h1()).toBe('Endorsements of Cuenca Browser');
    expect(await page.getByText('Your city has not endorsed this pledge.').count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'city-home-not-endorsed');

    await page.getByRole('link', { name: /Endorse this pledge/ }).click();
    await page.waitForURL(`${server.url}/city/pledges/${slug}/endorse`);
    expect(await h1()).toBe('Endorse the pledge');
    expect(await page.getByText('a PDF, PNG or JPEG file of 10 MB at most').count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'city-endorse');

    await page.getByRole('radio', { name: 'Chosen action areas' }).check();
    await page.getByLabel('Signatory title').fill('Alcaldesa de Cuenca');
    await page.getByRole('button', { name: 'Submit endorsement' }).click();
    await page.waitForLoadState();
    expect(await page.title()).toBe('Error: Endorse the pledge – Action Pledge');
    const summary = page.getByRole('alert');
    expect(await summary.getByRole('link').allInnerTexts()).toEqual([
      'Tick at least one action area, or choose "Whole pledge"',
      "Enter the signatory's name (at most 200 characters)",
    ]);
    expect(await page.getByLabel('Signatory title').inputValue()).toBe('Alcaldesa de Cuenca');
    expect(await page.getByRole('radio', { name: 'Chosen action areas' }).isChecked()).toBe(true);
    await expectAccessible(page);
    await screenshots(page, 'city-endorse-errors');

    await page.getByRole('checkbox', { name: 'Climate resilience' }).check();
    await page.getByRole('checkbox', { name: 'Inclusion and social cohesion' }).check();
    await page.getByLabel('Signatory name').fill('Carla Ordóñez');
    await page.getByRole('combobox', { name: 'Language' }).selectOption('es');
    await page.getByLabel('Statement (optional)').fill('Cuenca welcomes everyone.');
    await page
      .getByLabel('Mandate document (optional)')
      .setInputFiles({ name: 'resolution.pdf', mimeType: 'application/pdf', buffer: mandatePdf });
    await page.getByRole('button', { name: 'Submit endorsement' }).click();
    await page.waitForURL(/\/city\/endorsements\/[0-9a-f-]{36}\?notice=submitted$/);
    endorsementUrl = page.url().split('?')[0]!;
    expect(await h1()).toBe('Endorsement of Cuenca Browser');
    expect(await banner()).toContain('Your endorsement has been submitted.');
    expect(await page.locator('.status-title').innerText()).toContain('Awaiting verification');
    expect(await page.getByRole('link', { name: /Mandate document \(PDF/ }).count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'city-endorsement');
  }, 120_000);

  it('changes the action areas', async () => {
    await page.getByRole('button', { name: 'Change action areas' }).click();
    await page.waitForURL(`${endorsementUrl}/areas?`); // a form without fields, sent by GET
    expect(await page.getByRole('checkbox', { name: 'Climate resilience' }).isChecked()).toBe(true);
    await expectAccessible(page);
    await screenshots(page, 'city-areas');
    await page.getByRole('checkbox', { name: 'Migration governance' }).check();
    await page.getByLabel('Reason for the change (optional)').fill('The council added governance.');
    await page.getByRole('button', { name: 'Save the action areas' }).click();
    await page.waitForURL(`${endorsementUrl}?notice=amended`);
    expect(await banner()).toContain('The action areas have been changed.');
    expect(await page.getByText('Reason: The council added governance.').count()).toBe(1);
  }, 90_000);

  it('reports progress on an area', async () => {
    await page
      .getByRole('button', { name: /Report progress/ })
      .first()
      .click();
    await page.waitForURL(`${endorsementUrl}/progress?area=migration-governance`);
    expect(await page.getByRole('radio', { name: 'Migration governance' }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Report progress' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').getByRole('link').allInnerTexts()).toEqual([
      'Choose the stage',
      'Say what has been done (at most 10,000 characters)',
    ]);
    await expectAccessible(page);
    await screenshots(page, 'city-progress-errors');
    await page.getByRole('radio', { name: 'In progress' }).check();
    await page.getByLabel('Narrative').fill('A migrants’ desk opened at city hall.');
    await page.getByRole('button', { name: 'Report progress' }).click();
    await page.waitForURL(`${endorsementUrl}?notice=progress`);
    expect(await banner()).toBe('Your progress report has been saved.');
    expect(await page.getByText('A migrants’ desk opened at city hall.').count()).toBe(1);
  }, 90_000);

  it('sees what a newer version changed, and confirms it', async () => {
    const created = await api(`/pledges/${slug}/versions`, 'POST', {});
    expect(created.status).toBe(201);
    const { number } = (await created.json()) as { number: number };
    const removed = await api(`/pledges/${slug}/versions/${number}/areas/climate-resilience`, 'DELETE');
    expect(removed.status).toBeLessThan(300);
    const added = await api(`/pledges/${slug}/versions/${number}/areas`, 'POST', {
      key: 'digital-inclusion',
      title: { en: 'Digital inclusion', es: 'Inclusión digital', fr: 'Inclusion numérique' },
      description: { en: 'Everyone reaches the city’s services online.' },
      commitments: [{ en: 'Open the city’s services to every language spoken in it.' }],
      gcmObjectives: [16],
      sdgTargets: ['10.2'],
    });
    expect(added.status).toBe(201);
    const published = await api(`/pledges/${slug}/versions/${number}/publish`, 'POST', {
      override: { reason: 'Published directly for the browser test.' },
    });
    expect(published.status).toBe(200);

    await page.goto(endorsementUrl);
    const section = page.getByRole('region', { name: `Version ${number} has been published` });
    expect(await section.getByText('New area: Digital inclusion').count()).toBe(1);
    expect(await section.getByRole('row', { name: 'Climate resilience Dropped: no longer in the text' }).count()).toBe(
      1,
    );
    expect(await section.getByRole('row', { name: 'Migration governance Kept' }).count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'city-endorsement-newer-version');
    await page.getByRole('button', { name: 'Confirm the new version' }).click();
    await page.waitForURL(`${endorsementUrl}?notice=reconfirmed`);
    expect(await banner()).toContain('The endorsement is now on the new version.');
    expect(await page.getByRole('button', { name: 'Confirm the new version' }).count()).toBe(0);
  }, 90_000);

  it('withdraws, giving a reason and confirming', async () => {
    await page.getByRole('button', { name: 'Withdraw endorsement' }).click();
    await page.waitForURL(`${endorsementUrl}/withdraw?`);
    await page.getByRole('button', { name: 'Withdraw endorsement' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').getByRole('link').allInnerTexts()).toEqual([
      'Give the reason for the withdrawal (between 3 and 2,000 characters)',
      'Tick the box to confirm the withdrawal',
    ]);
    await expectAccessible(page);
    await screenshots(page, 'city-withdraw-errors');
    await page.getByLabel('Reason').fill('The new council withdrew it.');
    await page.getByRole('checkbox', { name: 'Yes, Cuenca Browser withdraws this endorsement' }).check();
    await page.getByRole('button', { name: 'Withdraw endorsement' }).click();
    await page.waitForURL(`${endorsementUrl}?notice=withdrawn`);
    expect(await banner()).toBe('The endorsement has been withdrawn.');
    expect(await page.getByRole('button', { name: 'Withdraw endorsement' }).count()).toBe(0);
    await page.goto(`${server.url}/city`);
    expect(await page.getByRole('link', { name: /Endorse this pledge again/ }).count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'city-home');
  }, 90_000);

  it("finds another city's endorsement to be the 404 page", async () => {
    const list = await api('/endorsements?limit=5');
    const items = ((await list.json()) as { items: Array<{ id: string; city: { name: string } }> }).items;
    const other = items.find((e) => e.city.name !== 'Cuenca Browser');
    const res = await page.goto(`${server.url}/city/endorsements/${other!.id}`);
    expect(res?.status()).toBe(404);
    expect(await h1()).toBe('Page not found');
  }, 60_000);
});
