import type { Area } from '../src/modules/pledges/pledges.schemas.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat, type TestUser } from './helpers/factories.js';
import { expectProblem } from './helpers/http.js';
import { areaBody, pledgeRequests } from './helpers/pledges-api.js';

let t: TestApp;
let secretariat: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const { call, newPledge, versionRow, auditActions } = pledgeRequests(() => ({ t, secretariat }));

describe('Two editors on one draft: every edit bumps the ETag, and If-Match stops a stale one', () => {
  it('bumps the ETag on every edit and honours If-Match', async () => {
    const pledge = await newPledge(['first']);
    const v = `/pledges/${pledge.id}/versions/1`;
    const etag0 = (await call('GET', v, secretariat)).headers.etag as string;
    expect(etag0).toMatch(/^"[^"]+"$/);

    // PATCH version
    const p1 = await call('PATCH', v, secretariat, { preamble: { en: 'One' } }, { 'if-match': etag0 });
    expect(p1.statusCode, p1.body).toBe(200);
    const etag1 = p1.headers.etag as string;
    expect(etag1).not.toBe(etag0);
    expect((await call('GET', v, secretariat)).headers.etag).toBe(etag1);
    expectProblem(
      await call('PATCH', v, secretariat, { preamble: { en: 'Stale' } }, { 'if-match': etag0 }),
      412,
      'precondition_failed',
    );

    // POST area
    expectProblem(
      await call('POST', `${v}/areas`, secretariat, areaBody('stale'), { 'if-match': etag0 }),
      412,
      'precondition_failed',
    );
    const a1 = await call('POST', `${v}/areas`, secretariat, areaBody('second'), { 'if-match': etag1 });
    expect(a1.statusCode, a1.body).toBe(201);
    const etag2 = a1.headers.etag as string;
    expect(etag2).not.toBe(etag1);

    // PATCH area
    expectProblem(
      await call('PATCH', `${v}/areas/second`, secretariat, { title: { en: 'Stale' } }, { 'if-match': etag1 }),
      412,
      'precondition_failed',
    );
    const a2 = await call('PATCH', `${v}/areas/second`, secretariat, { title: { en: 'Fresh' } }, { 'if-match': etag2 });
    expect(a2.statusCode, a2.body).toBe(200);
    const etag3 = a2.headers.etag as string;
    expect(etag3).not.toBe(etag2);

    // DELETE area
    expectProblem(
      await call('DELETE', `${v}/areas/second`, secretariat, undefined, { 'if-match': etag2 }),
      412,
      'precondition_failed',
    );
    const d = await call('DELETE', `${v}/areas/second`, secretariat, undefined, { 'if-match': etag3 });
    expect(d.statusCode).toBe(204);
    const etag4 = d.headers.etag as string;
    expect(etag4).not.toBe(etag3);
    expect((await call('GET', v, secretariat)).headers.etag).toBe(etag4);

    // Nothing stale got through.
    const text = (await call('GET', v, secretariat)).json();
    expect(text.preamble).toEqual({ en: 'One' });
    expect(text.areas.map((a: Area) => a.key)).toEqual(['first']);

    // '*', a weak form of the current tag, one current tag in a list, or no header at all pass.
    const star = await call('PATCH', v, secretariat, { preamble: { en: 'Star' } }, { 'if-match': '*' });
    expect(star.statusCode).toBe(200);
    const weak = await call('POST', `${v}/areas`, secretariat, areaBody('weak'), {
      'if-match': `W/${star.headers.etag as string}`,
    });
    expect(weak.statusCode, weak.body).toBe(201);
    const listed = await call(
      'PATCH',
      `${v}/areas/weak`,
      secretariat,
      { title: { en: 'Listed' } },
      { 'if-match': `${etag0}, ${weak.headers.etag as string}` },
    );
    expect(listed.statusCode, listed.body).toBe(200);
    expect((await call('PATCH', v, secretariat, { preamble: { en: 'No header' } })).statusCode).toBe(200);
    expect((await call('DELETE', `${v}/areas/weak`, secretariat)).statusCode).toBe(204);
    expect((await call('GET', v, secretariat)).json().preamble).toEqual({ en: 'No header' });

    const events = (await auditActions((await versionRow(pledge.id, 1)).id)).map((e) => e.action);
    expect(events.filter((a) => a === 'version.updated')).toHaveLength(3);
  });
});
