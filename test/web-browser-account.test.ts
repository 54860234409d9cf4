import type { Browser } from 'playwright-core';
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

// Signing in and out in a real browser with the demo accounts, accepting an invitation, and a
// form sent without its CSRF token.

const skipped = announceSkip('web-browser-account');
const official = demoUsers.find((u) => u.email.startsWith('official.quito'))!;
const staff = demoUsers.find((u) => u.role === 'secretariat')!;

describe.skipIf(skipped)('a person with an account', () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs in after a wrong password, sees the account, and signs out', { timeout: 90_000 }, async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/sign-in`);
    await expectAccessible(page);
    await screenshots(page, 'sign-in');

    await page.getByLabel('Email').fill(official.email);
    await page.getByLabel('Password').fill('not the right password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
    expect(await page.title()).toBe('Error: Sign in – Action Pledge');
    const summary = page.getByRole('alert');
    expect(await summary.getByRole('link').innerText()).toBe('The email address or the password is not right');
    expect(await page.getByLabel('Email').inputValue()).toBe(official.email);
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await expectAccessible(page);
    await screenshots(page, 'sign-in-errors');

    await page.getByLabel('Password').fill(official.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // A city official lands on their city's page.
    await page.waitForURL(`${server.url}/city`);
    await page.getByRole('link', { name: 'Your account' }).click();
    await page.waitForURL(`${server.url}/account`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your account');
    expect(await page.getByText('Signed in as').innerText()).toContain('Signed in as');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'ap_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await expectAccessible(page);
    await screenshots(page, 'account');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.url}/sign-in?notice=signed-out`);
    expect(await page.getByRole('status').innerText()).toBe('You have signed out.');
    await page.goto(`${server.url}/account`);
    await page.waitForURL(/\/sign-in\?notice=sign-in-needed/);
    await page.context().close();
  });

  it('chooses a language for the account, which every page then speaks', { timeout: 90_000 }, async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('Email').fill(staff.email);
    await page.getByLabel('Password').fill(staff.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The secretariat lands on its console.
    await page.waitForURL(`${server.url}/secretariat`);
    await page.getByRole('link', { name: 'Your account' }).click();
    await page.waitForURL(`${server.url}/account`);
    await page.getByRole('radio', { name: 'Español' }).check();
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.waitForURL(`${server.url}/account?notice=saved`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Su cuenta');
    expect(await page.getByRole('status').innerText()).toBe('Sus datos se han guardado.');
    await page.goto(`${server.url}/verify`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Comprobar un certificado');
    await page.goto(`${server.url}/account`);
    await page.getByRole('radio', { name: 'El idioma de mi navegador' }).check();
    await page.getByRole('button', { name: 'Guardar los datos' }).click();
    await page.waitForURL(`${server.url}/account?notice=saved`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your account');
    await page.context().close();
  });

  it('is refused a form sent without its CSRF token, with a page that says why', { timeout: 90_000 }, async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.locator('input[name="_csrf"]').evaluate((input) => input.remove());
    await page.getByLabel('Email').fill(official.email);
    await page.getByLabel('Password').fill(official.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('This form could not be sent');
    expect((await page.context().cookies()).some((c) => c.name === 'ap_session')).toBe(false);
    await expectAccessible(page);
    await screenshots(page, 'csrf-refused');
    await page.context().close();
  });

  it('accepts an invitation, setting a name and a password', { timeout: 90_000 }, async () => {
    const token = await apiToken(server, staff.email, staff.password);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const cities = await fetch(`${server.url}/api/v1/cities?limit=1`, { headers });
    const [city] = ((await cities.json()) as { items: Array<{ id: string; name: string }> }).items;
    const email = `new.official.${Date.now()}@example.org`;
    const invited = await fetch(`${server.url}/api/v1/invitations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email, name: 'María', role: 'city_official', cityId: city!.id }),
    });
    expect(invited.status).toBe(201);
    const { acceptToken } = (await invited.json()) as { acceptToken: string };

    const page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/invitations/${acceptToken}`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Create your account');
    await page.getByLabel('Name').fill('María José Pérez');
    await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
    await page.getByLabel('Confirm password').fill('a different passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').getByRole('link').innerText()).toBe('The two passwords are not the same');
    expect(await page.getByLabel('Name').inputValue()).toBe('María José Pérez');
    await expectAccessible(page);
    await screenshots(page, 'invitation-errors');

    await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
    await page.getByLabel('Confirm password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${server.url}/account?notice=welcome`);
    expect(await page.getByRole('status').innerText()).toBe('Your account has been created and you are signed in.');
    expect(await page.getByText(email).count()).toBe(1);
    await page.goto(`${server.url}/invitations/${acceptToken}`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('This invitation cannot be used');
    await page.context().close();
  });
});
