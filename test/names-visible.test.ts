import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleText } from '../src/lib/text.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { apiCaller, type Method } from './helpers/http.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { newSlug } from './helpers/pledges-api.js';

// Each shows nothing: zero-width space, non-joiner and joiner, word joiner, byte order mark,
// soft hyphen, a bidirectional mark, the Hangul filler, the blank Braille pattern, and spaces.
const invisibles = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u200E', '\u3164', '\u2800', '\u3000'];
const blank = ` ${invisibles.join('')} \u200B`;
const visibleMessage = 'must contain a visible character, not only spaces or invisible ones';

describe('visibleText, the one rule for names and titles', () => {
  const name = visibleText(200);

  it('refuses text made only of invisible characters, each alone or all together', () => {
    for (const value of [...invisibles, blank, '\u200B\u200B\u200B']) {
      const result = name.safeParse(value);
      expect(result.success, JSON.stringify(value)).toBe(false);
      // JavaScript's trim already removes some (the byte order mark, the ideographic space).
      const message = value.trim() === '' ? 'Too small: expected string to have >=1 characters' : visibleMessage;
      expect(result.error?.issues.map((i) => i.message)).toEqual([message]);
    }
  });

  it('keeps names in any script, joiners inside them included, trimmed of their spaces', () => {
    for (const value of ['Quito', 'Łódź', 'القاهرة', '東京', 'क्‍ष', 'Ana 👩‍⚕️'])
      expect(name.parse(` ${value} `)).toBe(value);
  });

  it('refuses control characters (NUL among them) but keeps tabs and line breaks', () => {
    for (const value of ['Quito\u0000', 'Qui\u0007to', '\u001BQuito', 'Quito\u0085']) {
      expect(
        name.safeParse(value).error?.issues.map((i) => i.message),
        JSON.stringify(value),
      ).toEqual(['must not contain control characters']);
    }
    expect(name.parse('First line.\n\tSecond line.\r\n')).toBe('First line.\n\tSecond line.');
  });
});

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const call = apiCaller(() => t);

/** A 400 whose only error is the visible-character rule, at `path`. */
async function expectInvisibleRefused(method: Method, path: string, body: object, field: string, who?: TestUser) {
  const res = await call(method, path, who ?? admin, body);
  expect(res.statusCode, res.body).toBe(400);
  expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: field, message: visibleMessage }] });
}

describe('Every human-readable name and title refuses one made only of invisible characters', () => {
  it('a city name (POST /cities)', async () => {
    await expectInvisibleRefused('POST', '/cities', { name: blank, country: 'EC', kind: 'city' }, 'name');
  });

  it('a network name (POST /networks)', async () => {
    await expectInvisibleRefused('POST', '/networks', { code: unique('N').replace(/-/g, ''), name: blank }, 'name');
  });

  it("a user's name, when invited, when accepting and when renamed", async () => {
    const invitation = { email: `${unique('inv-')}@example.org`, role: 'secretariat' };
    await expectInvisibleRefused('POST', '/invitations', { ...invitation, name: blank }, 'name');
    const accept = { token: 'inv_0123456789abcdef', password: 'a long enough password' };
    await expectInvisibleRefused('POST', '/invitations/accept', { ...accept, name: blank }, 'name');
    const user = await createCityOfficial(t);
    await expectInvisibleRefused('PATCH', `/users/${user.id}`, { name: blank }, 'name');
  });

  it("a pledge's title and an action area's title", async () => {
    await expectInvisibleRefused('POST', '/pledges', { slug: newSlug(), title: { en: blank } }, 'title.en');
    const { slug } = await createPublishedPledge(t);
    const draft = await call('POST', `/pledges/${slug}/versions`, admin, {});
    expect(draft.statusCode, draft.body).toBe(201);
    const area = { key: 'housing', title: { en: blank }, description: { en: 'Housing for all.' } };
    await expectInvisibleRefused('POST', `/pledges/${slug}/versions/2/areas`, area, 'title.en');
  });

  it('a translation made only of invisible characters is dropped, like a blank one', async () => {
    const res = await call('POST', '/pledges', admin, { slug: newSlug(), title: { en: 'Lisbon Pledge', es: blank } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().title).toEqual({ en: 'Lisbon Pledge' });
  });

  it("an endorsement's signatory name and title", async () => {
    const { slug } = await createPublishedPledge(t);
    const official = await createCityOfficial(t);
    const endorsement = { versionNumber: 1, scope: 'whole', language: 'en' };
    const path = `/pledges/${slug}/endorsements`;
    await expectInvisibleRefused(
      'POST',
      path,
      { ...endorsement, signatory: { name: blank, title: 'Mayor' } },
      'signatory.name',
      official,
    );
    await expectInvisibleRefused(
      'POST',
      path,
      { ...endorsement, signatory: { name: 'Ana Ruiz', title: blank } },
      'signatory.title',
      official,
    );
  });
});
