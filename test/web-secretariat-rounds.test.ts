import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, roundComments, validationRounds } from '../src/db/schema/index.js';
import { addComment, setVerdict } from '../src/modules/rounds/index.js';
import type { ServiceContext } from '../src/modules/context.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { errorSummary, fieldError, h1Of, textOf } from './helpers/web.js';
import { signedInAs } from './helpers/web-city.js';
import { draftPledge, roundOn } from './helpers/web-rounds.js';

// The secretariat's round board: each invited network's verdict and summary, the comment table with
// an answer per comment (the service the API's resolution route calls), and closing the round,
// which asks for a ticked confirmation when some networks have not answered (the API's force).

let t: TestApp;
let secretariat: TestUser;
let mmc: TestUser;
let uclg: TestUser;

const deps = () => ({ publicBaseUrl: t.config.publicBaseUrl });
const as = (user: TestUser): ServiceContext => ({
  db: t.db,
  actor: { kind: 'network_reviewer', userId: user.id, networkId: user.networkId! },
});

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  [mmc, uclg] = await Promise.all([createReviewer(t, 'MMC'), createReviewer(t, 'UCLG')]);
});
afterAll(async () => t.close());

async function roundWithComment() {
  const id = await roundOn(t, await draftPledge(t), ['MMC', 'UCLG']);
  const comment = await addComment(as(mmc), id, { areaKey: 'services', body: 'Name the services.' });
  return { id, commentId: comment.id };
}

async function roundRow(id: string) {
  const [row] = await t.db.select().from(validationRounds).where(eq(validationRounds.id, id));
  return row!;
}

describe('the round board', () => {
  it('shows each network’s verdict and summary, or that it has none yet, and every comment', async () => {
    const { id } = await roundWithComment();
    await setVerdict(as(uclg), deps(), id, 'UCLG', { verdict: 'request_changes', summary: 'Add housing.' });
    const client = await signedInAs(t, secretariat);
    const page = await client.get(`/secretariat/rounds/${id}`);
    expect(page.statusCode).toBe(200);
    expect(h1Of(page.body)).toBe('Validation round: version 1');
    expect(page.body).toContain('<nav class="console-nav"');
    expect(page.body).toMatch(/<a href="\/secretariat\/pledges"[^>]*aria-current="page"/);
    const text = textOf(page.body);
    expect(text).toMatch(/MMC Mayors Migration Council No verdict yet/);
    expect(text).toMatch(/UCLG [^]*Request changes Add housing\./);
    expect(text).toMatch(/Area services MMC · [^·]+ UTC Name the services\. Not answered yet/);
    expect(page.body).toMatch(/href="\/secretariat\/pledges\/round-pledge-[^"]+">Back to the pledge/);
  });

  it('is the 404 page for a reviewer, even of an invited network', async () => {
    const { id } = await roundWithComment();
    const reviewer = await signedInAs(t, mmc);
    expect((await reviewer.get(`/secretariat/rounds/${id}`)).statusCode).toBe(404);
    expect((await reviewer.get(`/secretariat/rounds/${id}/close`)).statusCode).toBe(404);
  });

  it('answers a comment, marking it resolved, through the service with its audit event', async () => {
    const { id, commentId } = await roundWithComment();
    const client = await signedInAs(t, secretariat);
    const board = await client.get(`/secretariat/rounds/${id}`);
    const res = await client.post(
      `/secretariat/rounds/${id}/comments/${commentId}/answer`,
      { [`response-${commentId}`]: 'Listed in the next version.', [`status-${commentId}`]: 'accepted' },
      { csrfFrom: board },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/secretariat/rounds/${id}?notice=answered#comment-${commentId}`);
    const [row] = await t.db.select().from(roundComments).where(eq(roundComments.id, commentId));
    expect(row).toMatchObject({ resolutionStatus: 'accepted', resolutionResponse: 'Listed in the next version.' });
    const audit = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'round.comment_resolved')));
    expect(audit).toHaveLength(1);
    const page = await client.get(res.headers.location as string);
    expect(textOf(page.body)).toMatch(/Resolved Accepted · [^·]+ UTC/);
    expect(page.body).toContain('>Listed in the next version.</textarea>');
    expect(page.body).toContain(`value="accepted" id="status-${commentId}" checked`);
    // The reviewer reads the answer beside their comment.
    const reviewer = textOf((await (await signedInAs(t, mmc)).get(`/review/rounds/${id}`)).body);
    expect(reviewer).toMatch(/The secretariat’s answer · Accepted · [^·]+ UTC Listed in the next version\./);
  });

  it('keeps the answer and says what is missing beside the fields', async () => {
    const { id, commentId } = await roundWithComment();
    const client = await signedInAs(t, secretariat);
    const board = await client.get(`/secretariat/rounds/${id}`);
    const res = await client.post(
      `/secretariat/rounds/${id}/comments/${commentId}/answer`,
      { [`response-${commentId}`]: 'We will see.' },
      { csrfFrom: board },
    );
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([[`status-${commentId}`, 'Choose Accepted, Rejected or Noted']]);
    expect(res.body).toContain('>We will see.</textarea>');
    const empty = await client.post(
      `/secretariat/rounds/${id}/comments/${commentId}/answer`,
      { [`status-${commentId}`]: 'noted' },
      { csrfFrom: board },
    );
    expect(fieldError(empty.body, `response-${commentId}`)).toBe('Write the answer (at most 10,000 characters)');
    expect(empty.body).toContain(`value="noted" id="status-${commentId}-noted" checked`);
    const missing = await client.post(
      `/secretariat/rounds/${id}/comments/00000000-0000-4000-8000-000000000000/answer`,
      { 'response-00000000-0000-4000-8000-000000000000': 'x', 'status-00000000-0000-4000-8000-000000000000': 'noted' },
      { csrfFrom: board },
    );
    expect(missing.statusCode).toBe(404);
  });

  it('closes at once when every network has answered, and says the outcome in words', async () => {
    const { id } = await roundWithComment();
    await setVerdict(as(mmc), deps(), id, 'MMC', { verdict: 'approve' });
    await setVerdict(as(uclg), deps(), id, 'UCLG', { verdict: 'approve' });
    const client = await signedInAs(t, secretariat);
    const board = await client.get(`/secretariat/rounds/${id}`);
    expect(textOf(board.body)).toContain('Every invited network has given its verdict.');
    const res = await client.post(`/secretariat/rounds/${id}/close`, {}, { csrfFrom: board });
    expect(res.headers.location).toBe(`/secretariat/rounds/${id}?notice=closed`);
    expect(await roundRow(id)).toMatchObject({ status: 'closed', outcome: 'approved', forced: false });
    const text = textOf((await client.get(res.headers.location as string)).body);
    expect(text).toContain('The round is closed.');
    expect(text).toContain('Validated: every invited network approved this version.');
    expect(text).not.toContain('Close round');
    const again = await client.post(`/secretariat/rounds/${id}/close`, {}, { csrfFrom: board });
    expect(again.headers.location).toBe(`/secretariat/rounds/${id}?notice=already-closed`);
  });

  it('asks for a ticked confirmation naming the silent networks before closing over silence', async () => {
    const { id } = await roundWithComment();
    await setVerdict(as(mmc), deps(), id, 'MMC', { verdict: 'approve' });
    const client = await signedInAs(t, secretariat);
    const board = await client.get(`/secretariat/rounds/${id}`);
    expect(textOf(board.body)).toContain('UCLG have not given a verdict yet.');
    const first = await client.post(`/secretariat/rounds/${id}/close`, {}, { csrfFrom: board });
    expect(first.headers.location).toBe(`/secretariat/rounds/${id}/close`);
    expect((await roundRow(id)).status).toBe('open');

    const confirm = await client.get(first.headers.location as string);
    expect(h1Of(confirm.body)).toBe('Close over silence');
    expect(textOf(confirm.body)).toContain('1 of the 2 invited networks have given their verdict.');
    expect(textOf(confirm.body)).toContain('UCLG (United Cities and Local Governments)');
    const unticked = await client.post(`/secretariat/rounds/${id}/close`, { force: 'yes' }, { csrfFrom: confirm });
    expect(unticked.statusCode).toBe(400);
    expect(errorSummary(unticked.body)).toEqual([
      ['confirm', 'Tick the box to close the round without their verdicts'],
    ]);
    expect((await roundRow(id)).status).toBe('open');

    const closed = await client.post(
      `/secretariat/rounds/${id}/close`,
      { force: 'yes', confirm: 'yes' },
      { csrfFrom: confirm },
    );
    expect(closed.headers.location).toBe(`/secretariat/rounds/${id}?notice=closed`);
    expect(await roundRow(id)).toMatchObject({ status: 'closed', outcome: 'changes_requested', forced: true });
    const [event] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'round.closed')));
    expect(event?.summary).toMatchObject({ forced: true, silentNetworks: ['UCLG'] });
    const text = textOf((await client.get(`/secretariat/rounds/${id}`)).body);
    expect(text).toContain('Changes requested: not every invited network approved this version.');
    expect(text).toContain('Closed over the silence of UCLG');
    // Nothing left to confirm: the confirmation page sends back to the board.
    expect((await client.get(`/secretariat/rounds/${id}/close`)).headers.location).toBe(`/secretariat/rounds/${id}`);
  });

  it('speaks Spanish and French', async () => {
    const { id } = await roundWithComment();
    const client = await signedInAs(t, secretariat);
    expect(h1Of((await client.get(`/secretariat/rounds/${id}?lang=es`)).body)).toBe('Ronda de validación: versión 1');
    const fr = await client.get(`/secretariat/rounds/${id}?lang=fr`);
    expect(h1Of(fr.body)).toBe('Cycle de validation : version 1');
    expect(textOf(fr.body)).toContain('Enregistrer la réponse');
  });
});
