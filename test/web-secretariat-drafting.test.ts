import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addArea, createVersion, getVersion, updateArea } from '../src/modules/pledges/index.js';
import { openRound } from '../src/modules/rounds/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { errorSummary, fieldError, h1Of, inputValue, textOf, type WebClient } from './helpers/web.js';
import { secretariatContext, signedInAs } from './helpers/web-city.js';
import { auditActions, draftPledge, hiddenFields, postPairs, versionRow } from './helpers/web-drafting.js';

// A draft's action areas on the secretariat's pages: added and edited in three languages with
// their commitments and references (each problem said beside its field, the input kept), moved up
// and down, removed after a confirmation; a stale edit shows the other person's text beside one's
// own and saving again replaces it. Through the pledges services, with their audit events.

let t: TestApp;
let staff: TestUser;
let client: WebClient;

beforeAll(async () => {
  t = await buildTestApp();
  staff = await createSecretariat(t);
  client = await signedInAs(t, staff);
});
afterAll(async () => t.close());

const base = (slug: string) => `/secretariat/pledges/${slug}/versions/1`;
const areasOf = async (slug: string, n = 1) => (await getVersion(t.system, slug, n)).version.areas;

describe('adding an action area', () => {
  it('says each problem beside its field and keeps every answer, ticked boxes included', async () => {
    const slug = await draftPledge(t);
    const form = await client.get(`${base(slug)}/new-area`);
    expect(form.statusCode).toBe(200);
    expect(h1Of(form.body)).toBe('Add an action area');
    const res = await postPairs(
      t,
      client,
      `${base(slug)}/areas`,
      [
        ['key', 'Housing!'],
        ['title-en', ''],
        ['title-es', 'Vivienda'],
        ['commitments-en', 'Open shelters.'],
        ['commitments-es', 'Abrir albergues.\nUna línea sin inglés.'],
        ['gcmObjectives', '15'],
        ['gcmObjectives', '24'],
        ['gcrAreas', 'health'],
        ['sdgTargets', '10.7, 99.9'],
        ...Object.entries(hiddenFields(form.body, `${base(slug)}/areas`)),
      ],
      form,
    );
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body).map(([field]) => field)).toEqual([
      'key',
      'title-en',
      'description-en',
      'commitments-en',
      'gcmObjectives',
      'sdgTargets',
    ]);
    expect(fieldError(res.body, 'sdgTargets')).toBe(
      'Enter SDG targets such as 10.7 or 16.b, separated by commas, each once',
    );
    expect(fieldError(res.body, 'gcmObjectives')).toBe('Choose GCM objectives from the list, numbered 1 to 23');
    expect(inputValue(res.body, 'key')).toBe('Housing!');
    expect(inputValue(res.body, 'title-es')).toBe('Vivienda');
    expect(inputValue(res.body, 'sdgTargets')).toBe('10.7, 99.9');
    expect(res.body).toContain('>Abrir albergues.\nUna línea sin inglés.</textarea>');
    expect(res.body).toMatch(/value="15" id="gcmObjectives-15" checked>/);
    expect(res.body).toMatch(/value="health" id="gcrAreas-health" checked>/);
    expect(await areasOf(slug)).toHaveLength(2);
  });

  it('adds the area with its commitments line by line in each language, its references, an audit event', async () => {
    const slug = await draftPledge(t);
    const form = await client.get(`${base(slug)}/new-area`);
    const res = await postPairs(
      t,
      client,
      `${base(slug)}/areas`,
      [
        ['key', 'housing'],
        ['title-en', 'Housing'],
        ['title-fr', 'Logement'],
        ['description-en', 'Homes for everyone.'],
        ['description-fr', 'Un toit pour tous.'],
        ['commitments-en', 'Open shelters.\r\n\r\nBuild homes.\r\n'],
        ['commitments-fr', 'Ouvrir des abris.\r\n\r\n'],
        ['gcmObjectives', '16'],
        ['gcmObjectives', '15'],
        ['gcrAreas', 'health'],
        ['sdgTargets', '10.7 11.1'],
        ...Object.entries(hiddenFields(form.body, `${base(slug)}/areas`)),
      ],
      form,
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/secretariat/pledges/${slug}?notice=area-added#area-housing`);
    const housing = (await areasOf(slug)).find((a) => a.key === 'housing');
    expect(housing).toMatchObject({
      position: 3,
      title: { en: 'Housing', fr: 'Logement' },
      description: { en: 'Homes for everyone.', fr: 'Un toit pour tous.' },
      commitments: [{ en: 'Open shelters.', fr: 'Ouvrir des abris.' }, { en: 'Build homes.' }],
      gcmObjectives: [16, 15],
      gcrAreas: ['health'],
      sdgTargets: ['10.7', '11.1'],
    });
    expect(await auditActions(t, (await versionRow(t, slug)).id)).toContain('area.added');
    const page = textOf((await client.get(res.headers.location as string)).body);
    expect(page).toContain('The action area has been added.');
    expect(page).toContain('Housing Key: housing Homes for everyone. 2 commitments · GCM objectives 16, 15');

    const again = await client.post(
      `${base(slug)}/areas`,
      {
        key: 'housing',
        'title-en': 'Again',
        'description-en': 'Again.',
        ...hiddenFields(form.body, `${base(slug)}/areas`),
      },
      { csrfFrom: form },
    );
    // The form's ETag is stale now (the area was added): the page says so and keeps the form.
    expect(again.statusCode).toBe(409);
    const fresh = await client.post(
      `${base(slug)}/areas`,
      {
        key: 'housing',
        'title-en': 'Again',
        'description-en': 'Again.',
        ...hiddenFields(again.body, `${base(slug)}/areas`),
      },
      { csrfFrom: again },
    );
    expect(fresh.statusCode).toBe(409);
    expect(fieldError(fresh.body, 'key')).toBe('This version already has an action area with this key: choose another');
  });
});

describe('editing, moving and removing an area', () => {
  it('shows the area as it is, one commitment a line, and saves the changes', async () => {
    const slug = await draftPledge(t, ['governance']);
    await updateArea(t.system, slug, 1, 'governance', {
      commitments: [{ en: 'Plan.', es: 'Planificar.' }, { en: 'Act.' }, { en: 'Report.', es: 'Informar.' }],
      gcmObjectives: [23],
    });
    const url = `${base(slug)}/areas/governance`;
    const form = await client.get(url);
    expect(h1Of(form.body)).toBe('Edit an action area');
    expect(form.body).toContain('>Planificar.\n\nInformar.</textarea>');
    expect(form.body).toMatch(/value="23" id="gcmObjectives-23" checked>/);
    expect(form.body).not.toContain('name="key"');
    const res = await client.post(
      url,
      {
        ...hiddenFields(form.body, url),
        'title-en': 'Migration governance',
        'title-es': 'Gobernanza de la migración',
        'description-en': 'Who decides what.',
        'commitments-en': 'Plan.\nAct.',
        'commitments-es': 'Planificar.\nActuar.',
        sdgTargets: '16.b',
      },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(303);
    expect((await areasOf(slug))[0]).toMatchObject({
      title: { en: 'Migration governance', es: 'Gobernanza de la migración' },
      commitments: [
        { en: 'Plan.', es: 'Planificar.' },
        { en: 'Act.', es: 'Actuar.' },
      ],
      gcmObjectives: [],
      sdgTargets: ['16.b'],
    });
    expect(await auditActions(t, (await versionRow(t, slug)).id)).toContain('area.updated');
  });

  it('moves an area up and down, and moves nothing from a page someone else changed meanwhile', async () => {
    const slug = await draftPledge(t, ['governance', 'climate', 'inclusion']);
    const page = await client.get(`/secretariat/pledges/${slug}`);
    expect(page.body).not.toMatch(/name="position" value="0"/);
    const move = (key: string, position: number, from = page) =>
      client.post(
        `${base(slug)}/areas/${key}/move`,
        { position: String(position), ...hiddenFields(from.body, `${base(slug)}/areas/${key}/move`) },
        { csrfFrom: from },
      );
    const down = await move('governance', 2);
    expect(down.headers.location).toBe(`/secretariat/pledges/${slug}?notice=moved#area-governance`);
    expect((await areasOf(slug)).map((a) => a.key)).toEqual(['climate', 'governance', 'inclusion']);
    // The page opened before the move is stale now.
    const stale = await move('inclusion', 2);
    expect(stale.headers.location).toBe(`/secretariat/pledges/${slug}?notice=stale`);
    expect(textOf((await client.get(stale.headers.location as string)).body)).toContain('so nothing was moved');
    const fresh = await client.get(`/secretariat/pledges/${slug}`);
    await move('inclusion', 2, fresh);
    expect((await areasOf(slug)).map((a) => a.key)).toEqual(['climate', 'inclusion', 'governance']);
    expect(
      (await client.post(`${base(slug)}/areas/climate/move`, { position: 'top' }, { csrfFrom: fresh })).statusCode,
    ).toBe(400);
  });

  it('removes an area after its confirmation, and asks again when the page was stale', async () => {
    const slug = await draftPledge(t, ['governance', 'climate']);
    const url = `${base(slug)}/areas/climate/remove`;
    const confirm = await client.get(url);
    expect(h1Of(confirm.body)).toBe('Remove an action area');
    expect(textOf(confirm.body)).toContain('Remove this action area from draft version 1? Area climate');
    await updateArea(t.system, slug, 1, 'climate', { description: { en: 'Changed meanwhile.' } });
    const stale = await client.post(url, hiddenFields(confirm.body, url), { csrfFrom: confirm });
    expect(stale.statusCode).toBe(409);
    expect(errorSummary(stale.body)[0]![0]).toBe('remove');
    expect(textOf(stale.body)).toContain('Changed meanwhile.');
    const res = await client.post(url, hiddenFields(stale.body, url), { csrfFrom: stale });
    expect(res.headers.location).toBe(`/secretariat/pledges/${slug}?notice=removed`);
    expect((await areasOf(slug)).map((a) => a.key)).toEqual(['governance']);
    expect(await auditActions(t, (await versionRow(t, slug)).id)).toContain('area.removed');
    expect((await client.get(url)).statusCode).toBe(404);
  });
});

describe('a stale edit of an area', () => {
  it('shows the fields the other person changed beside the kept ones; saving again replaces theirs', async () => {
    const slug = await draftPledge(t, ['governance']);
    const url = `${base(slug)}/areas/governance`;
    const opened = await client.get(url);
    const colleague = secretariatContext(t, await createSecretariat(t));
    await updateArea(colleague, slug, 1, 'governance', {
      description: { en: 'What governance is about, said better.' },
      gcmObjectives: [1, 2],
    });
    // Mine changes the Spanish title only; the rest is the form as it was opened.
    const mine = {
      'title-en': 'Area governance',
      'title-es': 'Gobernanza',
      'description-en': 'What governance is about.',
    };
    const stale = await client.post(url, { ...hiddenFields(opened.body, url), ...mine }, { csrfFrom: opened });
    expect(stale.statusCode).toBe(409);
    expect(errorSummary(stale.body)).toEqual([
      [
        'description-en',
        'Someone else changed this version since you opened it. Their text is shown above yours: check it, ' +
          'then save again to replace it with yours',
      ],
    ]);
    const text = textOf(stale.body);
    expect(text).toContain(
      'Description (English), as someone else saved it while you were editing: What governance is about, said better.',
    );
    expect(text).toContain('GCM objectives, as someone else saved it while you were editing: 1, 2');
    expect(text).not.toContain('Title (Spanish), as someone else saved it');
    expect(inputValue(stale.body, 'title-es')).toBe('Gobernanza');

    const again = await client.post(url, { ...hiddenFields(stale.body, url), ...mine }, { csrfFrom: stale });
    expect(again.statusCode).toBe(303);
    expect((await areasOf(slug))[0]).toMatchObject({
      title: { en: 'Area governance', es: 'Gobernanza' },
      description: { en: 'What governance is about.' },
      gcmObjectives: [],
    });
  });

  it('sends a form for a version no longer a draft back to the pledge, which says why', async () => {
    const slug = await draftPledge(t, ['governance']);
    const url = `${base(slug)}/areas/governance`;
    const opened = await client.get(url);
    await openRound(t.system, { publicBaseUrl: t.config.publicBaseUrl }, slug, 1, {
      deadline: new Date(Date.now() + 86_400_000),
      networks: ['MMC'],
    });
    const res = await client.post(url, { ...hiddenFields(opened.body, url), 'title-en': 'Late' }, { csrfFrom: opened });
    expect(res.headers.location).toBe(`/secretariat/pledges/${slug}?notice=not-draft`);
    expect((await client.get(url)).headers.location).toBe(`/secretariat/pledges/${slug}?notice=not-draft`);
    expect(textOf((await client.get(res.headers.location as string)).body)).toContain(
      'This version is no longer a draft',
    );
  });
});

describe('a version and its differences', () => {
  it('shows the differences from the version before, word by word', async () => {
    const { slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    await createVersion(t.system, slug);
    await updateArea(t.system, slug, 2, 'climate', { description: { en: 'What climate resilience is about.' } });
    await addArea(t.system, slug, 2, { key: 'housing', title: { en: 'Housing' }, description: { en: 'Homes.' } });
    const list = await client.get(`/secretariat/pledges/${slug}`);
    expect(list.body).toContain(
      `<a href="/secretariat/pledges/${slug}/versions/2">Version 2 and its differences from version 1</a>`,
    );
    const page = await client.get(`/secretariat/pledges/${slug}/versions/2`);
    expect(h1Of(page.body)).toBe('Version 2');
    const text = textOf(page.body);
    expect(text).toContain('Differences from version 1');
    expect(text).toContain('Action areas added added: Housing');
    expect(text).toContain('Description English What climate added: resilience (end of change) is about.');
    expect(text).toContain('Edit this draft');
  });
});
