import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUsers } from '../src/demo/seed.js';
import {
  announceSkip,
  expectAccessible,
  launchBrowser,
  newContext,
  type RunningServer,
  screenshots,
  startServer,
} from './helpers/browser.js';

// The secretariat's administration in a real browser, as a person uses it: inviting someone after
// a form with errors, adding a city, importing a CSV file with one bad line, adding a city to a
// network, filtering the audit log and verifying its chain. axe-core on every page type;
// screenshots at 1280 and 375 px.

const skipped = announceSkip('web-browser-secretariat-admin');
const staff = demoUsers.find((u) => u.role === 'secretariat')!;
const stamp = Date.now().toString(36);
const cityName = `Riobamba ${stamp}`;

describe.skipIf(skipped)("the secretariat's administration", () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('Email').fill(staff.email);
    await page.getByLabel('Password').fill(staff.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const h1 = () => page.getByRole('heading', { level: 1 }).innerText();
  const notice = () => page.locator('.notice').innerText();
  const section = (name: string) =>
    page.getByRole('navigation', { name: 'Secretariat sections' }).getByRole('link', { name });

  it('invites someone, after a form with errors', { timeout: 120_000 }, async () => {
    await page.goto(`${server.url}/secretariat/users`);
    expect(await h1()).toBe('Users and invitations');
    expect(await page.getByRole('cell', { name: staff.email }).count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-users');

    await page.getByRole('link', { name: 'Invite someone' }).click();
    await page.waitForURL(`${server.url}/secretariat/users/invite`);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-invite');

    const email = `carla.${stamp}@example.org`;
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('radio', { name: 'City official' }).check();
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').getByRole('link').allInnerTexts()).toEqual([
      'Enter the person’s name (at most 200 characters)',
    ]);
    expect(await page.getByLabel('Email address').inputValue()).toBe(email);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-invite-errors');

    // The form's own checks first, then the invitation service's: a city official needs a city.
    await page.getByLabel('Name', { exact: true }).fill('Carla Ordóñez');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').getByRole('link').allInnerTexts()).toEqual([
      'Choose the city this official acts for',
    ]);
    expect(await page.getByRole('radio', { name: 'City official' }).isChecked()).toBe(true);
    await page.getByLabel('City', { exact: true }).selectOption({ label: 'Quito (EC)' });
    await page.getByLabel('Language of the invitation').selectOption('es');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.waitForURL(`${server.url}/secretariat/users?notice=invited`);
    expect(await notice()).toContain('The invitation has been sent by mail');
    const pending = page.getByRole('table', { name: 'Pending invitations' });
    expect(await pending.getByRole('row', { name: new RegExp(email) }).innerText()).toMatch(/Quito \(EC\)\s+Español/);

    // The confirmation asked before deactivating an account (left without confirming).
    await page
      .getByRole('row', { name: new RegExp(demoUsers.find((u) => u.role === 'network_reviewer')!.email) })
      .getByRole('link', { name: /Deactivate/ })
      .click();
    expect(await h1()).toMatch(/^Deactivate the account of /);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-user-deactivate');
  });

  it('adds a city, and imports a CSV file with one bad line', { timeout: 120_000 }, async () => {
    await section('Cities').click();
    await page.waitForURL(`${server.url}/secretariat/cities`);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-cities');

    await page.getByRole('link', { name: 'Add a city' }).click();
    await page.getByLabel('Name').fill(cityName);
    await page.getByLabel('Country').selectOption({ label: 'Ecuador' });
    await page.getByLabel('Kind of local government').selectOption('city');
    await page.getByLabel('Population (optional)').fill('264000');
    await expectAccessible(page);
    await screenshots(page, 'secretariat-city');
    await page.getByRole('button', { name: 'Add city' }).click();
    await page.waitForURL(/\/secretariat\/cities\?q=.*&notice=created$/);
    expect(await notice()).toBe('The city has been added.');
    expect(await page.getByRole('row', { name: new RegExp(cityName) }).innerText()).toMatch(/Ecuador\s+Americas/);

    await page.getByRole('link', { name: 'Import cities from a CSV file' }).click();
    await page.waitForURL(`${server.url}/secretariat/cities/import`);
    await expectAccessible(page);
    const csv = ['name,country,kind,networks', `Ambato ${stamp},EC,city,MMC`, `Atlantis ${stamp},XX,city,`].join('\n');
    await page
      .getByLabel('CSV file')
      .setInputFiles({ name: 'cities.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import cities' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').innerText()).toMatch(
      /1 city added[\s\S]*0 cities changed[\s\S]*1 line left out/,
    );
    const problems = page.getByRole('table', { name: 'Lines left out, and why' });
    expect(await problems.getByRole('row').nth(1).innerText()).toMatch(/^3\s+country\s+“XX” is not a country code/);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-cities-import');
  });

  it('adds the new city to a network', { timeout: 120_000 }, async () => {
    await section('Networks').click();
    await page.waitForURL(`${server.url}/secretariat/networks`);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-networks');

    await page
      .getByRole('region', { name: /UCLG/ })
      .getByRole('link', { name: /^Every member/ })
      .click();
    await page.getByLabel('City name').fill(cityName);
    await page.getByRole('button', { name: 'Find cities' }).click();
    await page.getByRole('button', { name: `Add to the network ${cityName}` }).click();
    await page.waitForURL(`${server.url}/secretariat/networks/UCLG?notice=added`);
    expect(await notice()).toBe('The city is now a member of the network.');
    expect(await page.getByRole('row', { name: new RegExp(cityName) }).count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-network');
  });

  it('filters the audit log and verifies its chain', { timeout: 120_000 }, async () => {
    await section('Audit log').click();
    await page.waitForURL(`${server.url}/secretariat/audit`);
    await page.getByLabel('Action code').fill('city.created');
    await page.getByLabel('Who (email address)').fill(staff.email);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/\/secretariat\/audit\?action=city\.created/);
    const rows = page.getByRole('table', { name: 'Audit log' }).getByRole('row');
    // The heading row, then the two cities this story added (the form's, then the import's).
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(1).innerText()).toContain('city.created');
    await expectAccessible(page);
    await screenshots(page, 'secretariat-audit');

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').innerText()).toMatch(/The chain is intact\s+[\d,]+ events checked/);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-audit-verified');
  });
});
