import type { Browser, BrowserContext, Page } from 'playwright-core';
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

// The secretariat drafts a pledge in a real browser: creates it (after a form with an error), writes
// the preamble and two action areas in English and Spanish, meets a colleague's edit made in
// another browser as a conflict and saves over it, orders and nearly removes an area, opens a
// validation round for two networks; the round closes (the reviewers answer through the API) with
// changes requested; a second version, its differences, and publishing it with a reason. axe-core
// on every page type; screenshots at 1280 and 375 px.

const skipped = announceSkip('web-browser-secretariat-pledges');
const staff = demoUsers.find((u) => u.role === 'secretariat')!;
const reviewer = (network: string) => demoUsers.find((u) => u.network === network)!;
const slug = `housing-pledge-${Date.now()}`;
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(skipped)('the secretariat drafts a pledge', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let colleague: BrowserContext;
  let pledgeUrl: string;

  async function signIn(context: BrowserContext) {
    const signing = await context.newPage();
    await signing.goto(`${server.url}/sign-in`);
    await signing.getByLabel('Email').fill(staff.email);
    await signing.getByLabel('Password').fill(staff.password);
    await signing.getByRole('button', { name: 'Sign in' }).click();
    await signing.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    return signing;
  }

  async function api(path: string, token: string, method = 'GET', body?: unknown) {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return res.json() as Promise<Record<string, unknown>>;
  }

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    page = await signIn(await newContext(browser));
    colleague = await newContext(browser);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const h1 = () => page.getByRole('heading', { level: 1 }).innerText();
  const banner = () => page.getByRole('status').innerText();
  const summaryLinks = () => page.getByRole('alert').getByRole('link').allInnerTexts();

  it('creates a pledge after a form with an error', async () => {
    await page.goto(`${server.url}/secretariat/pledges`);
    expect(await h1()).toBe('Pledges');
    await expectAccessible(page);
    await screenshots(page, 'secretariat-pledges');

    await page.getByLabel('Slug').fill('Housing Pledge');
    await page.getByLabel('Title (English)').fill('City Housing Pledge');
    await page.getByLabel('Title (Spanish)').fill('Compromiso urbano por la vivienda');
    await page.getByRole('checkbox', { name: 'Mandate document required' }).check();
    await page.getByRole('button', { name: 'Create pledge' }).click();
    await page.waitForLoadState();
    expect(await summaryLinks()).toEqual([
      'Enter a slug of 3 to 80 lowercase letters, digits and single hyphens, such as quito-2026',
    ]);
    expect(await page.getByLabel('Title (Spanish)').inputValue()).toBe('Compromiso urbano por la vivienda');
    await expectAccessible(page);
    await screenshots(page, 'secretariat-pledges-errors');

    await page.getByLabel('Slug').fill(slug);
    await page.getByRole('button', { name: 'Create pledge' }).click();
    await page.waitForURL(`${server.url}/secretariat/pledges/${slug}?notice=created`);
    pledgeUrl = `${server.url}/secretariat/pledges/${slug}`;
    expect(await h1()).toBe('City Housing Pledge');
    expect(await banner()).toContain('The pledge has been created');
  }, 90_000);

  it('writes the preamble and two action areas in English and Spanish', async () => {
    await page.getByLabel('Preamble (English)').fill('Cities commit to housing everyone who arrives.');
    await page.getByLabel('Preamble (Spanish)').fill('Las ciudades se comprometen a alojar a quien llegue.');
    await page.getByRole('button', { name: 'Save preamble' }).click();
    await page.waitForURL(`${pledgeUrl}?notice=preamble`);

    const areas = [
      {
        key: 'shelter',
        en: 'Emergency shelter',
        es: 'Albergue de emergencia',
        commitments: ['Open shelters in winter.', 'Keep families together.'],
        commitmentsEs: ['Abrir albergues en invierno.', 'Mantener unidas a las familias.'],
      },
      {
        key: 'homes',
        en: 'Lasting homes',
        es: 'Viviendas duraderas',
        commitments: ['Build social housing.'],
        commitmentsEs: ['Construir vivienda social.'],
      },
    ];
    for (const area of areas) {
      await page.getByRole('link', { name: 'Add an action area' }).click();
      expect(await h1()).toBe('Add an action area');
      await page.getByLabel('Key').fill(area.key);
      await page.getByLabel('Title (English)').fill(area.en);
      await page.getByLabel('Title (Spanish)').fill(area.es);
      await page.getByLabel('Description (English)').fill(`What ${area.en.toLowerCase()} means.`);
      await page.getByLabel('Description (Spanish)').fill(`Qué significa ${area.es.toLowerCase()}.`);
      await page.getByLabel('Commitments (English)').fill(area.commitments.join('\n'));
      await page.getByLabel('Commitments (Spanish)').fill(area.commitmentsEs.join('\n'));
      await page.getByRole('checkbox', { name: /^Objective 15:/ }).check();
      await page.getByRole('checkbox', { name: 'Accommodation, energy and natural resource management' }).check();
      await page.getByLabel('SDG targets').fill('11.1, 10.7');
      if (area.key === 'shelter') {
        await expectAccessible(page);
        await screenshots(page, 'secretariat-pledge-area');
      }
      await page.getByRole('button', { name: 'Add action area' }).click();
      await page.waitForURL(`${pledgeUrl}?notice=area-added#area-${area.key}`);
    }
    const listed = page.locator('.drafting-area h4');
    expect(await listed.allInnerTexts()).toEqual(['Emergency shelter', 'Lasting homes']);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-pledge');

    // In Spanish, the texts and the page.
    await page.goto(`${pledgeUrl}?lang=es`);
    expect(await page.locator('.drafting-area h4').allInnerTexts()).toEqual([
      'Albergue de emergencia',
      'Viviendas duraderas',
    ]);
    await page.goto(`${pledgeUrl}?lang=en`);
  }, 120_000);

  it('shows a colleague’s edit made meanwhile as a conflict, and saves over it', async () => {
    const editUrl = `${pledgeUrl}/versions/1/areas/shelter`;
    await page.goto(editUrl);
    expect(await h1()).toBe('Edit an action area');
    // A colleague, in another browser, changes the English description first.
    const other = await signIn(colleague);
    await other.goto(editUrl);
    await other.getByLabel('Description (English)').fill('Shelter for everyone, every night.');
    await other.getByRole('button', { name: 'Save action area' }).click();
    await other.waitForURL(`${pledgeUrl}?notice=area-saved#area-shelter`);

    await page.getByLabel('Title (Spanish)').fill('Refugio de emergencia');
    await page.getByRole('button', { name: 'Save action area' }).click();
    await page.waitForLoadState();
    expect(await summaryLinks()).toEqual([
      'Someone else changed this version since you opened it. Their text is shown above yours: check it, then save ' +
        'again to replace it with yours',
    ]);
    const theirs = page.locator('.their-text');
    expect(await theirs.count()).toBe(1);
    expect(await theirs.innerText()).toContain('Shelter for everyone, every night.');
    expect(await page.getByLabel('Title (Spanish)').inputValue()).toBe('Refugio de emergencia');
    await expectAccessible(page);
    await screenshots(page, 'secretariat-pledge-area-conflict');

    // Keeping their description, then saving again.
    await page.getByLabel('Description (English)').fill('Shelter for everyone, every night.');
    await page.getByRole('button', { name: 'Save action area' }).click();
    await page.waitForURL(`${pledgeUrl}?notice=area-saved#area-shelter`);
    expect(await banner()).toBe('The action area has been saved.');
  }, 120_000);

  it('moves an area, and turns back from removing one', async () => {
    const homes = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Lasting homes' }) });
    await homes.getByRole('button', { name: /Move up/ }).click();
    await page.waitForURL(`${pledgeUrl}?notice=moved#area-homes`);
    expect(await page.locator('.drafting-area h4').allInnerTexts()).toEqual(['Lasting homes', 'Emergency shelter']);

    await page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'Emergency shelter' }) })
      .getByRole('link', { name: /Remove/ })
      .click();
    expect(await h1()).toBe('Remove an action area');
    await expectAccessible(page);
    await screenshots(page, 'secretariat-pledge-area-remove');
    await page.getByRole('link', { name: 'Cancel, keep it' }).click();
    await page.waitForURL(pledgeUrl);
  }, 90_000);

  it('opens a validation round for two networks', async () => {
    await page.getByRole('button', { name: 'Open validation round' }).click();
    await page.waitForLoadState();
    expect(await summaryLinks()).toEqual([
      'Tick at least one network to invite',
      'Enter the deadline as a day from today on',
    ]);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-pledge-errors');
    await page.getByRole('checkbox', { name: 'Mayors Migration Council (MMC)' }).check();
    await page.getByRole('checkbox', { name: 'United Cities and Local Governments (UCLG)' }).check();
    await page.getByLabel('Deadline').fill(day(21));
    await page.getByRole('button', { name: 'Open validation round' }).click();
    await page.waitForURL(`${pledgeUrl}?notice=round-opened`);
    const round = page.getByRole('row', { name: /Round on version 1/ });
    expect(await round.innerText()).toContain('MMC and UCLG');
    expect(await page.getByRole('button', { name: 'Save preamble' }).count()).toBe(0);
  }, 90_000);

  it('makes a second version after changes were requested, sees its differences, and publishes it', async () => {
    // The round closes through the API: MMC approves, UCLG asks for changes.
    const round = await page.getByRole('link', { name: 'Round on version 1' }).getAttribute('href');
    const roundId = round!.split('/').pop()!;
    for (const [network, verdict] of [
      ['MMC', 'approve'],
      ['UCLG', 'request_changes'],
    ] as const) {
      const token = await apiToken(server, reviewer(network).email, reviewer(network).password);
      await api(`/rounds/${roundId}/reviews/${network}`, token, 'PUT', { verdict, summary: 'Read.' });
    }
    await api(`/rounds/${roundId}/close`, await apiToken(server, staff.email, staff.password), 'POST', {});

    await page.goto(pledgeUrl);
    expect(await page.getByRole('row', { name: /Round on version 1/ }).innerText()).toContain('changes requested');
    await page.getByRole('button', { name: 'New version' }).click();
    await page.waitForURL(`${pledgeUrl}?notice=version-created`);
    expect(await page.getByRole('heading', { name: 'Draft version 2' }).count()).toBe(1);
    await page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'Lasting homes' }) })
      .getByRole('link', { name: /Edit/ })
      .click();
    await page.getByLabel('Description (English)').fill('What lasting affordable homes means.');
    await page.getByRole('button', { name: 'Save action area' }).click();
    await page.waitForURL(`${pledgeUrl}?notice=area-saved#area-homes`);

    await page.getByRole('link', { name: 'Version 2 and its differences from version 1' }).click();
    expect(await h1()).toBe('Version 2');
    const diff = page.getByRole('region', { name: 'Differences from version 1' });
    expect((await diff.locator('ins').allTextContents()).map((s) => s.trim())).toEqual([
      'added: affordable  (end of change)',
    ]);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-pledge-version');

    await page.goto(pledgeUrl);
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.waitForLoadState();
    expect(await summaryLinks()).toEqual([
      'Give the reason for publishing a version the networks have not validated (at least 10 characters)',
    ]);
    await page.getByLabel('Reason').fill('UCLG’s changes are made; the Forum opens tomorrow.');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.waitForURL(`${pledgeUrl}?notice=published`);
    expect(await banner()).toBe('The version has been published.');
    expect(await page.getByRole('row', { name: /Version 2 and its differences/ }).innerText()).toContain('Published');
    await expectAccessible(page);
    await screenshots(page, 'secretariat-pledge-published');
  }, 120_000);
});
