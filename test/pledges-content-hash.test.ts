import { computeContentHash } from '../src/modules/pledges/content.js';
import type { Area } from '../src/modules/pledges/pledges.schemas.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { pledgeRequests } from './helpers/pledges-api.js';

let t: TestApp;
let secretariat: TestUser;
let reviewer: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  reviewer = await createReviewer(t, 'MMC');
});
afterAll(async () => t.close());

const { call, newPledge, publish, openRound, closeWith, versionRow, auditActions } = pledgeRequests(() => ({
  t,
  secretariat,
  reviewer,
}));

describe('The content hash seals the text of a version when it is frozen', () => {
  it('is stable for a fixed input (golden value)', () => {
    const hash = computeContentHash('golden-pledge', 1, { en: 'Preamble' }, [
      {
        key: 'a',
        position: 1,
        title: { en: 'A' },
        description: { en: 'D' },
        commitments: [],
        gcmObjectives: [1],
        gcrAreas: [],
        sdgTargets: ['10.7'],
      },
    ]);
    expect(hash).toBe('0b20b44d32c8b2f5d5d8c8d6ac18195190c93c3b602280c4368473e626df7580');
  });

  it('orders areas by position, whatever the order of the array, and covers every field', () => {
    const a: Area = {
      key: 'a',
      position: 1,
      title: { en: 'A' },
      description: { en: 'D' },
      commitments: [],
      gcmObjectives: [],
      gcrAreas: [],
      sdgTargets: [],
    };
    const b: Area = { ...a, key: 'b', position: 2 };
    const base = computeContentHash('p', 1, { en: 'P' }, [a, b]);
    expect(computeContentHash('p', 1, { en: 'P' }, [b, a])).toBe(base);
    expect(computeContentHash('q', 1, { en: 'P' }, [a, b])).not.toBe(base);
    expect(computeContentHash('p', 2, { en: 'P' }, [a, b])).not.toBe(base);
    expect(computeContentHash('p', 1, { en: 'P', fr: 'P' }, [a, b])).not.toBe(base);
    expect(
      computeContentHash('p', 1, { en: 'P' }, [
        { ...a, position: 2 },
        { ...b, position: 1 },
      ]),
    ).not.toBe(base);
    expect(computeContentHash('p', 1, { en: 'P' }, [{ ...a, sdgTargets: ['10.7'] }, b])).not.toBe(base);
    expect(computeContentHash('p', 1, { en: 'P' }, [{ ...a, commitments: [{ en: 'C' }] }, b])).not.toBe(base);
  });

  it('is computed when the version is frozen and matches the stored text read back', async () => {
    const pledge = await newPledge();
    const v = `/pledges/${pledge.id}/versions/1`;
    const preamble = { en: 'We, the mayors,', es: 'Nosotros, los alcaldes,', fr: 'Nous, les maires,' };
    expect((await call('PATCH', v, secretariat, { preamble })).statusCode).toBe(200);
    const sent: Area[] = [
      {
        key: 'governance',
        position: 1,
        title: { en: 'Migration governance', fr: 'Gouvernance des migrations' },
        description: { en: 'Cities govern migration.' },
        commitments: [{ en: 'Create an office', es: 'Crear una oficina' }],
        gcmObjectives: [1, 23],
        gcrAreas: ['reception-and-admission'],
        sdgTargets: ['10.7', '16.b'],
      },
      {
        key: 'services',
        position: 2,
        title: { en: 'Access to essential services' },
        description: { en: 'Everyone uses services.' },
        commitments: [],
        gcmObjectives: [15],
        gcrAreas: ['health', 'education'],
        sdgTargets: ['3.8'],
      },
    ];
    // Added in reverse, the first one moved to position 1.
    expect((await call('POST', `${v}/areas`, secretariat, { ...sent[1]!, position: undefined })).statusCode).toBe(201);
    expect((await call('POST', `${v}/areas`, secretariat, sent[0]!)).statusCode).toBe(201);
    expect((await call('GET', v, secretariat)).json().contentHash).toBeNull();

    const roundId = await openRound(pledge.id, 1);
    const frozen = (await call('GET', v, secretariat)).json();
    expect(frozen.status).toBe('in_review');
    expect(frozen.frozenAt).toBeTruthy();
    expect(frozen.contentHash).toBe(computeContentHash(pledge.slug, 1, preamble, sent));
    expect(frozen.contentHash).toBe(computeContentHash(pledge.slug, 1, frozen.preamble, frozen.areas));
    expect((await versionRow(pledge.id, 1)).contentHash).toBe(frozen.contentHash);
    expect((await call('GET', `/pledges/${pledge.id}`, secretariat)).json().versions[0].contentHash).toBe(
      frozen.contentHash,
    );
    const opened = (await auditActions(roundId)).find((e) => e.action === 'round.opened');
    expect(opened?.summary).toMatchObject({
      version: { before: 'draft', after: 'in_review', contentHash: frozen.contentHash },
    });

    // Publishing keeps the hash computed at freezing.
    await closeWith(roundId, 'approve');
    const done = await publish(pledge.id, 1, false);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().contentHash).toBe(frozen.contentHash);
    expect(done.json().frozenAt).toBe(frozen.frozenAt);
  });
});
