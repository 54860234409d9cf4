import type { Area } from '../src/modules/pledges/pledges.schemas.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { expectProblem } from './helpers/http.js';
import { areaBody, type PledgeJson, pledgeRequests } from './helpers/pledges-api.js';

let t: TestApp;
let secretariat: TestUser;
let reviewer: TestUser;
let official: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  reviewer = await createReviewer(t, 'MMC');
  official = await createCityOfficial(t);
});
afterAll(async () => t.close());

const { call, newPledge, versionRow, auditActions } = pledgeRequests(() => ({ t, secretariat, reviewer }));

describe('The secretariat writes the action areas of a draft, in order', () => {
  const areasPath = (p: PledgeJson, n = 1) => `/pledges/${p.id}/versions/${n}/areas`;
  const keysOf = async (p: PledgeJson, n = 1) => {
    const v = (await call('GET', `/pledges/${p.id}/versions/${n}`, secretariat)).json();
    return v.areas.map((a: Area) => [a.key, a.position]);
  };

  it('validates the key', async () => {
    const pledge = await newPledge();
    for (const key of ['Upper', 'UPPER', 'has space', 'x', 'under_score', '-lead', 'double--hyphen', 'a'.repeat(65)]) {
      expectProblem(await call('POST', areasPath(pledge), secretariat, areaBody(key)), 400, 'validation_failed');
    }
    expect(await keysOf(pledge)).toEqual([]);
  });

  it('refuses a duplicate key in the same version with 409, but the same key in another pledge is fine', async () => {
    const pledge = await newPledge(['governance']);
    expectProblem(await call('POST', areasPath(pledge), secretariat, areaBody('governance')), 409, 'conflict');
    const other = await newPledge();
    expect((await call('POST', areasPath(other), secretariat, areaBody('governance'))).statusCode).toBe(201);
  });

  it('checks GCM objectives, SDG targets and GCR areas', async () => {
    const pledge = await newPledge();
    const bad: Array<Record<string, unknown>> = [
      { gcmObjectives: [0] },
      { gcmObjectives: [24] },
      { gcmObjectives: [3, 3] },
      { gcmObjectives: [1.5] },
      { sdgTargets: ['10'] },
      { sdgTargets: ['18.1'] },
      { sdgTargets: ['x'] },
      { sdgTargets: ['10.7', '10.7'] },
      { gcrAreas: ['not-a-gcr-area'] },
      { gcrAreas: ['health', 'health'] },
    ];
    for (const extra of bad) {
      const res = await call('POST', areasPath(pledge), secretariat, areaBody('refs', extra));
      expectProblem(res, 400, 'validation_failed');
      // One error, on the one bad field.
      const [field] = Object.keys(extra);
      expect(res.json().errors, JSON.stringify(extra)).toEqual([
        expect.objectContaining({ path: expect.stringContaining(field!) }),
      ]);
    }
    const good = await call(
      'POST',
      areasPath(pledge),
      secretariat,
      areaBody('refs', {
        gcmObjectives: [1, 15, 23],
        sdgTargets: ['10.7', '16.b'],
        gcrAreas: ['health', 'local-integration'],
      }),
    );
    expect(good.statusCode, good.body).toBe(201);
    expect(good.json()).toMatchObject({
      gcmObjectives: [1, 15, 23],
      sdgTargets: ['10.7', '16.b'],
      gcrAreas: ['health', 'local-integration'],
    });
    // The same rules apply to PATCH.
    expectProblem(
      await call('PATCH', `${areasPath(pledge)}/refs`, secretariat, { gcmObjectives: [24] }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('PATCH', `${areasPath(pledge)}/refs`, secretariat, { sdgTargets: ['18.1'] }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('PATCH', `${areasPath(pledge)}/refs`, secretariat, { gcrAreas: ['mars'] }),
      400,
      'validation_failed',
    );
    expect((await call('GET', `/pledges/${pledge.id}/versions/1`, secretariat)).json().areas[0]).toMatchObject({
      gcmObjectives: [1, 15, 23],
    });
  });

  it('needs English title and description; the other languages are optional', async () => {
    const pledge = await newPledge();
    expectProblem(
      await call('POST', areasPath(pledge), secretariat, {
        key: 'lang',
        title: { es: 'Título' },
        description: { en: 'D' },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('POST', areasPath(pledge), secretariat, {
        key: 'lang',
        title: { en: 'T' },
        description: { fr: 'Description' },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('POST', areasPath(pledge), secretariat, { key: 'lang', title: { en: 'T' } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('POST', areasPath(pledge), secretariat, {
        key: 'lang',
        title: { en: 'T' },
        description: { en: 'D' },
        commitments: [{ es: 'x' }],
      }),
      400,
      'validation_failed',
    );
    const ok = await call('POST', areasPath(pledge), secretariat, {
      key: 'lang',
      title: { en: 'Title', es: 'Título', fr: 'Titre' },
      description: { en: 'Description' },
      commitments: [{ en: 'Do this', fr: 'Faire ceci' }],
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({
      title: { en: 'Title', es: 'Título', fr: 'Titre' },
      description: { en: 'Description' },
      commitments: [{ en: 'Do this', fr: 'Faire ceci' }],
    });
    expectProblem(
      await call('PATCH', `${areasPath(pledge)}/lang`, secretariat, { title: { fr: 'Titre seul' } }),
      400,
      'validation_failed',
    );
    expectProblem(await call('PATCH', `${areasPath(pledge)}/lang`, secretariat, {}), 400, 'validation_failed');
  });

  it('is edited by the secretariat only', async () => {
    const pledge = await newPledge(['only']);
    expectProblem(await call('POST', areasPath(pledge), null, areaBody('nope')), 401);
    // Not the secretariat: forbidden.
    expectProblem(await call('POST', areasPath(pledge), reviewer, areaBody('nope')), 403);
    expectProblem(await call('PATCH', `${areasPath(pledge)}/only`, official, { title: { en: 'x' } }), 403);
    expectProblem(await call('DELETE', `${areasPath(pledge)}/only`, reviewer), 403);
    expect(await keysOf(pledge)).toEqual([['only', 1]]);
  });

  it('inserts at a position, reorders and compacts, keeping positions 1..n', async () => {
    const pledge = await newPledge(['a1', 'b2', 'c3']);
    expect(await keysOf(pledge)).toEqual([
      ['a1', 1],
      ['b2', 2],
      ['c3', 3],
    ]);

    const first = await call('POST', areasPath(pledge), secretariat, areaBody('z0', { position: 1 }));
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().position).toBe(1);
    expect(await keysOf(pledge)).toEqual([
      ['z0', 1],
      ['a1', 2],
      ['b2', 3],
      ['c3', 4],
    ]);

    const middle = await call('POST', areasPath(pledge), secretariat, areaBody('mid', { position: 3 }));
    expect(middle.json().position).toBe(3);
    expect(await keysOf(pledge)).toEqual([
      ['z0', 1],
      ['a1', 2],
      ['mid', 3],
      ['b2', 4],
      ['c3', 5],
    ]);

    // A position past the end goes last.
    const last = await call('POST', areasPath(pledge), secretariat, areaBody('end', { position: 99 }));
    expect(last.json().position).toBe(6);

    // Move down, move up, move past the end.
    const down = await call('PATCH', `${areasPath(pledge)}/z0`, secretariat, { position: 4 });
    expect(down.statusCode, down.body).toBe(200);
    expect(down.json().position).toBe(4);
    expect(await keysOf(pledge)).toEqual([
      ['a1', 1],
      ['mid', 2],
      ['b2', 3],
      ['z0', 4],
      ['c3', 5],
      ['end', 6],
    ]);
    expect((await call('PATCH', `${areasPath(pledge)}/end`, secretariat, { position: 1 })).json().position).toBe(1);
    expect(await keysOf(pledge)).toEqual([
      ['end', 1],
      ['a1', 2],
      ['mid', 3],
      ['b2', 4],
      ['z0', 5],
      ['c3', 6],
    ]);
    expect(
      (
        await call('PATCH', `${areasPath(pledge)}/a1`, secretariat, {
          position: 50,
          title: { en: 'Moved and renamed' },
        })
      ).json(),
    ).toMatchObject({
      position: 6,
      title: { en: 'Moved and renamed' },
    });
    expect(await keysOf(pledge)).toEqual([
      ['end', 1],
      ['mid', 2],
      ['b2', 3],
      ['z0', 4],
      ['c3', 5],
      ['a1', 6],
    ]);
    // The same position is a no-op for the order.
    expect((await call('PATCH', `${areasPath(pledge)}/b2`, secretariat, { position: 3 })).statusCode).toBe(200);
    expect(await keysOf(pledge)).toEqual([
      ['end', 1],
      ['mid', 2],
      ['b2', 3],
      ['z0', 4],
      ['c3', 5],
      ['a1', 6],
    ]);

    // Deleting compacts.
    const del = await call('DELETE', `${areasPath(pledge)}/b2`, secretariat);
    expect(del.statusCode).toBe(204);
    expect(await keysOf(pledge)).toEqual([
      ['end', 1],
      ['mid', 2],
      ['z0', 3],
      ['c3', 4],
      ['a1', 5],
    ]);
    expect((await call('DELETE', `${areasPath(pledge)}/end`, secretariat)).statusCode).toBe(204);
    expect((await call('DELETE', `${areasPath(pledge)}/a1`, secretariat)).statusCode).toBe(204);
    expect(await keysOf(pledge)).toEqual([
      ['mid', 1],
      ['z0', 2],
      ['c3', 3],
    ]);

    expectProblem(await call('PATCH', `${areasPath(pledge)}/b2`, secretariat, { position: 1 }), 404, 'not_found');
    expectProblem(await call('DELETE', `${areasPath(pledge)}/b2`, secretariat), 404, 'not_found');
    expectProblem(
      await call('PATCH', `${areasPath(pledge)}/never-existed`, secretariat, { title: { en: 'x' } }),
      404,
      'not_found',
    );
    expectProblem(
      await call('POST', areasPath(pledge), secretariat, areaBody('zero', { position: 0 })),
      400,
      'validation_failed',
    );
  });

  it('edits the fields of an area and audits added, updated and removed', async () => {
    const pledge = await newPledge(['keep', 'gone']);
    const res = await call('PATCH', `${areasPath(pledge)}/keep`, secretariat, {
      description: { en: 'New description' },
      commitments: [{ en: 'One' }, { en: 'Two' }],
      gcmObjectives: [16],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      key: 'keep',
      position: 1,
      title: { en: 'Title keep' },
      description: { en: 'New description' },
      commitments: [{ en: 'One' }, { en: 'Two' }],
      gcmObjectives: [16],
    });
    expect((await call('DELETE', `${areasPath(pledge)}/gone`, secretariat)).statusCode).toBe(204);
    const versionId = (await versionRow(pledge.id, 1)).id;
    const events = await auditActions(versionId);
    const actions = events.map((e) => e.action);
    expect(actions.filter((a) => a === 'area.added')).toHaveLength(2);
    expect(actions).toContain('area.updated');
    expect(actions).toContain('area.removed');
    const updated = events.find((e) => e.action === 'area.updated')!;
    expect(updated.summary).toMatchObject({
      key: 'keep',
      before: { description: { en: 'Description keep' } },
      after: { description: { en: 'New description' } },
    });
  });
});
