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

// A validation round in a real browser, from both sides: the secretariat (through the API) drafts
// a pledge with two areas and opens a round for MMC and UCLG; MMC's reviewer comments on an area
// and approves, after a verdict form with an error; UCLG's comments in general and asks for
// changes; the secretariat answers a comment and closes the round; another round, left silent, is
// closed over silence after its confirmation; a reviewer of a third network finds the round to be
// the 404 page. axe-core on every page type; screenshots at 1280 and 375 px.

const skipped = announceSkip('web-browser-rounds');
const user = (email: string) => demoUsers.find((u) => u.email === email)!;
const staff = demoUsers.find((u) => u.role === 'secretariat')!;
const mmc = user('reviewer.mmc@demo.actionpledge.org');
const uclg = user('reviewer.uclg@demo.actionpledge.org');
const gpm = demoUsers.find((u) => u.role === 'network_reviewer' && u.network === 'GPM')!;

describe.skipIf(skipped)('a validation round', () => {
  let server: RunningServer;
  let browser: Browser;
  let api: ApiCall;
  let roundId: string;
  let silentRoundId: string;

  /** A pledge drafted through the API with two areas in English and Spanish, under review. */
  async function roundFor(slug: string, networks: string[]): Promise<string> {
    const created = await api('/pledges', 'POST', {
      slug,
      title: { en: 'Welcoming Cities Pledge', es: 'Compromiso de Ciudades Acogedoras' },
    });
    expect(created.status).toBe(201);
    const areas = [
      ['housing', 'Housing for newcomers', 'Vivienda para recién llegados'],
      ['languages', 'Language classes', 'Clases de idiomas'],
    ];
    for (const [key, en, es] of areas) {
      const added = await api(`/pledges/${slug}/versions/1/areas`, 'POST', {
        key,
        title: { en, es },
        description: { en: `${en} in every district.`, es: `${es} en cada distrito.` },
        commitments: [{ en: `Report on ${key} every year.` }],
        gcmObjectives: [16],
        sdgTargets: ['10.7', '11.1'],
      });
      expect(added.status).toBe(201);
    }
    const deadline = new Date(Date.now() + 12 * 86_400_000).toISOString();
    const opened = await api(`/pledges/${slug}/versions/1/rounds`, 'POST', { deadline, networks });
    expect(opened.status).toBe(201);
    return ((await opened.json()) as { id: string }).id;
  }

  /** A new browser signed in as a demo user, on the page the sign-in leads to. */
  async function signedIn(person: { email: string; password: string }, landing: string): Promise<Page> {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}${landing}`);
    return page;
  }

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    api = await apiAs(server, staff.email, staff.password);
    roundId = await roundFor(`welcoming-${Date.now()}`, ['MMC', 'UCLG']);
    silentRoundId = await roundFor(`welcoming-silent-${Date.now()}`, ['Metropolis']);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const h1 = (page: Page) => page.getByRole('heading', { level: 1 }).innerText();

  it('MMC comments on an area and approves, after a verdict form with an error', async () => {
    const page = await signedIn(mmc, '/review');
    expect(await h1(page)).toBe('Validation rounds');
    expect(await page.getByRole('row', { name: /Welcoming Cities Pledge · Version 1/ }).innerText()).toMatch(
      /12 days left\s+No verdict yet/,
    );
    await expectAccessible(page);
    await screenshots(page, 'review-inbox');

    await page.getByRole('link', { name: /Welcoming Cities Pledge · Version 1/ }).click();
    await page.waitForURL(`${server.url}/review/rounds/${roundId}`);
    expect(await h1(page)).toBe('Version 1 under review');
    expect(await page.getByRole('heading', { name: '1. Housing for newcomers' }).count()).toBe(1);
    await expectAccessible(page);
    await screenshots(page, 'review-round');

    await page.getByLabel('Summary').fill('We approve, with one comment.');
    await page.getByRole('button', { name: 'Send verdict' }).click();
    await page.waitForLoadState();
    expect(await page.title()).toBe('Error: Version 1 under review – Action Pledge');
    expect(await page.getByRole('alert').getByRole('link').allInnerTexts()).toEqual([
      'Choose Approve or Request changes',
    ]);
    expect(await page.getByLabel('Summary').inputValue()).toBe('We approve, with one comment.');
    await expectAccessible(page);
    await screenshots(page, 'review-round-errors');

    await page.getByLabel('Action area').selectOption({ label: 'Housing for newcomers' });
    await page.getByLabel('Comment', { exact: true }).fill('Say how many homes a year.');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await page.waitForURL(`${server.url}/review/rounds/${roundId}?notice=commented`);
    const housing = page.getByRole('region', { name: '1. Housing for newcomers' });
    expect(await housing.getByText('Say how many homes a year.').count()).toBe(1);

    await page.getByRole('radio', { name: 'Approve' }).check();
    await page.getByLabel('Summary').fill('We approve, with one comment.');
    await page.getByRole('button', { name: 'Send verdict' }).click();
    await page.waitForURL(`${server.url}/review/rounds/${roundId}?notice=verdict`);
    expect(await page.getByRole('status').innerText()).toContain('verdict has been sent');
    expect(await page.getByRole('radio', { name: 'Approve' }).isChecked()).toBe(true);

    await page.getByRole('link', { name: 'Back to the validation rounds' }).click();
    await page.getByRole('link', { name: 'Endorsements of your network’s member cities' }).click();
    await page.waitForURL(`${server.url}/review/endorsements`);
    expect(await h1(page)).toBe('Endorsements of your network’s member cities');
    await expectAccessible(page);
    await screenshots(page, 'review-endorsements');
  }, 120_000);

  it('UCLG comments in general and requests changes, in Spanish', async () => {
    const page = await signedIn(uclg, '/review');
    await page.goto(`${server.url}/review/rounds/${roundId}?lang=es`);
    expect(await h1(page)).toBe('Versión 1 en revisión');
    await page.getByLabel('Comentario', { exact: true }).fill('Add a third area on health.');
    await page.getByRole('button', { name: 'Comentar', exact: true }).click();
    await page.waitForURL(`${server.url}/review/rounds/${roundId}?notice=commented`);
    await page.getByRole('radio', { name: 'Pedir cambios' }).check();
    await page.getByLabel('Resumen').fill('Health is missing.');
    await page.getByRole('button', { name: 'Enviar veredicto' }).click();
    await page.waitForURL(`${server.url}/review/rounds/${roundId}?notice=verdict`);
    const general = page.getByRole('region', { name: 'Comentarios generales' });
    expect(await general.getByText('Add a third area on health.').count()).toBe(1);
    await expectAccessible(page);
  }, 60_000);

  it('the secretariat answers a comment, marks it resolved and closes the round', async () => {
    const page = await signedIn(staff, '/secretariat');
    await page.goto(`${server.url}/secretariat/rounds/${roundId}`);
    expect(await h1(page)).toBe('Validation round: version 1');
    const verdicts = page.getByRole('region', { name: 'Verdicts of the networks' });
    expect(await verdicts.getByRole('row', { name: /MMC/ }).innerText()).toContain('We approve, with one comment.');
    expect(await verdicts.getByRole('row', { name: /UCLG/ }).innerText()).toContain('Request changes');

    const row = page.getByRole('row', { name: /Say how many homes a year/ });
    await row.getByLabel('Answer').fill('Version 2 will say 500 homes a year.');
    await row.getByRole('radio', { name: 'Accepted' }).check();
    await row.getByRole('button', { name: /Save answer/ }).click();
    await page.waitForURL(new RegExp(`/secretariat/rounds/${roundId}\\?notice=answered`));
    const answered = page.getByRole('row', { name: /Say how many homes a year/ });
    expect(await answered.innerText()).toMatch(/Resolved\s+Accepted/);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-round');

    await page.getByRole('button', { name: 'Close round' }).click();
    await page.waitForURL(`${server.url}/secretariat/rounds/${roundId}?notice=closed`);
    expect(await page.locator('.status').innerText()).toContain(
      'Changes requested: not every invited network approved this version.',
    );
    await expectAccessible(page);
    await screenshots(page, 'secretariat-round-closed');

    // The reviewer reads the answer beside the comment, the round now read-only.
    const reviewer = await signedIn(mmc, '/review');
    await reviewer.goto(`${server.url}/review/rounds/${roundId}`);
    expect(await reviewer.getByText('Version 2 will say 500 homes a year.').count()).toBe(1);
    expect(await reviewer.getByRole('button', { name: 'Send verdict' }).count()).toBe(0);
    await expectAccessible(reviewer);
    await screenshots(reviewer, 'review-round-closed');
  }, 120_000);

  it('closes a silent round only after the confirmation is ticked', async () => {
    const page = await signedIn(staff, '/secretariat');
    await page.goto(`${server.url}/secretariat/rounds/${silentRoundId}`);
    await page.getByRole('button', { name: 'Close round' }).click();
    await page.waitForURL(`${server.url}/secretariat/rounds/${silentRoundId}/close`);
    expect(await h1(page)).toBe('Close over silence');
    await page.getByRole('button', { name: 'Close over silence' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').getByRole('link').allInnerTexts()).toEqual([
      'Tick the box to close the round without their verdicts',
    ]);
    await expectAccessible(page);
    await screenshots(page, 'secretariat-round-close');
    await page.getByRole('checkbox', { name: 'Yes, close the round without the verdicts of Metropolis' }).check();
    await page.getByRole('button', { name: 'Close over silence' }).click();
    await page.waitForURL(`${server.url}/secretariat/rounds/${silentRoundId}?notice=closed`);
    expect(await page.locator('.status').innerText()).toContain('Closed over the silence of Metropolis');
  }, 60_000);

  it('a reviewer of a network the round does not invite finds the 404 page', async () => {
    const page = await signedIn(gpm, '/review');
    const res = await page.goto(`${server.url}/review/rounds/${roundId}`);
    expect(res?.status()).toBe(404);
    expect(await h1(page)).toBe('Page not found');
  }, 60_000);
});
