import { Eta } from 'eta';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../src/lib/i18n.js';
import { projectRoot } from '../src/lib/paths.js';
import { addArea, deleteArea, updateArea } from '../src/modules/pledges/areas.service.js';
import { createVersion, updateVersion } from '../src/modules/pledges/pledges.service.js';
import { versionDiffView } from '../src/web/version-diff.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

// The differences between two versions as the portal shows them: areas added, removed and moved,
// and each changed text word by word in every language whose text changed.

let t: TestApp;
let slug: string;

beforeAll(async () => {
  t = await buildTestApp();
  ({ slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] }));
  await createVersion(t.system, slug);
  await updateVersion(t.system, slug, 2, { preamble: { en: 'Cities act together on migration.' } });
  await updateArea(t.system, slug, 2, 'economy', {
    description: { en: 'What economy is about.', es: 'De qué trata la economía local.' },
    commitments: [{ en: 'Act on economy.' }, { en: 'Open a one-stop shop.' }],
    sdgTargets: ['10.7', '8.8'],
  });
  await updateArea(t.system, slug, 2, 'climate', { position: 1 });
  await deleteArea(t.system, slug, 2, 'governance');
  await addArea(t.system, slug, 2, {
    key: 'housing',
    title: { en: 'Housing', fr: 'Logement' },
    description: { en: 'Homes for all.' },
  });
});
afterAll(async () => t.close());

describe('versionDiffView', () => {
  it('names the areas added and removed, in the reader’s language', async () => {
    const diff = await versionDiffView(t.system, slug, 1, 2, translator('fr'));
    expect(diff).toMatchObject({ from: 1, to: 2, same: false });
    expect(diff.added).toEqual([{ key: 'housing', title: 'Logement', titleLang: 'fr' }]);
    expect(diff.removed).toEqual([{ key: 'governance', title: 'Domaine governance', titleLang: 'fr' }]);
  });

  it('shows a changed text word by word, only in the languages that changed', async () => {
    const diff = await versionDiffView(t.system, slug, 1, 2, translator('en'));
    const economy = diff.changed.find((c) => c.key === 'economy')!;
    const description = economy.fields.find((f) => f.field === 'description');
    expect(description).toMatchObject({ kind: 'text', label: 'Description' });
    if (description?.kind !== 'text') throw new Error('a text change expected');
    expect(description.languages.map((l) => l.lang)).toEqual(['es']);
    const words = description.languages[0]!.segments;
    expect(words.filter((s) => s.change === 'added').map((s) => s.text.trim())).toContain(
      'De qué trata la economía local.',
    );
    expect(words.filter((s) => s.change === 'removed')).toEqual([]);
  });

  it('shows lists item by item, and a move as its two places', async () => {
    const diff = await versionDiffView(t.system, slug, 1, 2, translator('en'));
    const economy = diff.changed.find((c) => c.key === 'economy')!;
    expect(economy.fields.find((f) => f.field === 'commitments')).toMatchObject({
      kind: 'list',
      items: [
        { text: 'Act on economy.', change: 'same' },
        { text: 'Open a one-stop shop.', change: 'added' },
      ],
    });
    expect(economy.fields.find((f) => f.field === 'sdgTargets')).toMatchObject({
      items: [
        { text: '10.7', change: 'same' },
        { text: '8.8', change: 'added' },
      ],
    });
    const climate = diff.changed.find((c) => c.key === 'climate')!;
    expect(climate.fields.find((f) => f.field === 'position')).toMatchObject({ kind: 'moved', from: 3, to: 1 });
  });

  it('shows the preamble’s words taken out and put in', async () => {
    const diff = await versionDiffView(t.system, slug, 1, 2, translator('en'));
    if (diff.preamble?.kind !== 'text') throw new Error('a text change expected');
    const [english] = diff.preamble.languages;
    expect(english!.lang).toBe('en');
    expect(english!.segments.map((s) => s.change)).toContain('added');
  });

  it('says when nothing differs', async () => {
    const diff = await versionDiffView(t.system, slug, 1, 1, translator('en'));
    expect(diff).toMatchObject({ same: true, added: [], removed: [], changed: [], preamble: undefined });
  });
});

describe('the version-diff partial', () => {
  const eta = new Eta({ views: `${projectRoot}/templates/web` });
  const render = async (lang: 'en' | 'es') => {
    const t9n = translator(lang);
    const diff = await versionDiffView(t.system, slug, 1, 2, t9n);
    return eta.render('./partials/version-diff', {
      diff,
      level: 2,
      t: t9n.t,
      langAttr: (l: string | undefined) => (l && l !== lang ? ` lang="${l}"` : ''),
    });
  };

  it('marks added and removed words in words as well as in lines', async () => {
    const html = await render('en');
    expect(html).toContain('<h2 id="diff-1-2">Differences from version 1</h2>');
    expect(html).toMatch(/<ins><span class="visually-hidden">added: <\/span>Open a one-stop shop\./);
    expect(html).toMatch(/<del[^>]*><span class="visually-hidden">removed: <\/span>Area governance<\/del>/);
    expect(html).toContain('Moved from place 3 to place 1.');
    expect(html).toContain('<span class="diff-language" lang="es">Español</span>');
  });

  it('escapes the texts it shows', async () => {
    await updateArea(t.system, slug, 2, 'housing', { description: { en: '<script>alert(1)</script>' } });
    const html = await render('es');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Diferencias con la versión 1');
  });
});
