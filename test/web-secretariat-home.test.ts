import { eq, type SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cities, endorsements, mailOutbox, networks, pledgeVersions } from '../src/db/schema/index.js';
import { failureReasonOf, maskAddress } from '../src/modules/mail/index.js';
import { retryDelaySeconds } from '../src/modules/mail/dispatcher.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
} from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { inFuture, roundRequests } from './helpers/rounds-api.js';
import { h1Of, textOf, WebClient } from './helpers/web.js';
import { endorsedBy, signedInAs } from './helpers/web-city.js';

// The secretariat's home page (/secretariat): who may open it, where the secretariat lands after
// signing in, and what it shows: endorsements to verify (the longest waiting first), rounds near
// their deadline or with every verdict in, mails given up on (recipients masked), the totals.

let t: TestApp;
let secretariat: TestUser;
const rounds = roundRequests(() => ({ t, secretariat }));

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

/** Rows of a table (that match), read straight from the database to check the page's figures. */
async function countOf(table: PgTable, where?: SQL) {
  const [row] = await t.db
    .select({ n: sql<number>`count(*)::int` })
    .from(table)
    .where(where);
  return row!.n;
}

describe('who opens /secretariat', () => {
  it('sends a visitor to sign in and back; a city official and a reviewer find the 404 page', async () => {
    const visitor = await new WebClient(() => t.app).get('/secretariat');
    expect(visitor.statusCode).toBe(303);
    expect(visitor.headers.location).toBe('/sign-in?notice=sign-in-needed&next=%2Fsecretariat');
    for (const person of [await createCityOfficial(t), await createReviewer(t)]) {
      const res = await (await signedInAs(t, person)).get('/secretariat');
      expect(res.statusCode).toBe(404);
      expect(h1Of(res.body)).toBe('Page not found');
      expect(res.body).not.toContain('href="/secretariat"');
    }
  });

  it('is where the secretariat lands after signing in, with the menu item and the console’s sections', async () => {
    const client = new WebClient(() => t.app, {}, '10.88.0.1');
    const form = await client.get('/sign-in');
    const res = await client.post(
      '/sign-in',
      { email: secretariat.email, password: secretariat.password },
      {
        csrfFrom: form,
      },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/secretariat');
    const home = await client.get('/secretariat');
    expect(home.statusCode).toBe(200);
    expect(h1Of(home.body)).toBe('What waits');
    expect(home.body).toContain('<a href="/secretariat" aria-current="page">Secretariat</a>');
    expect(home.body).toMatch(/<nav class="console-nav"[\s\S]*<a href="\/secretariat" aria-current="page">What waits/);
    // A city official still lands on /city.
    const official = await signedInAs(t, await createCityOfficial(t));
    expect((await official.get('/sign-in')).headers.location).toBe('/city');
  });
});

describe('what waits', () => {
  it('lists the endorsements awaiting verification, the longest waiting first, with their age in words', async () => {
    const { slug } = await createPublishedPledge(t);
    const made: Array<{ id: string; city: string; days: number }> = [];
    for (const days of [2, 10, 5]) {
      const official = await createCityOfficial(t);
      const id = await endorsedBy(t, official, slug);
      await t.db
        .update(endorsements)
        .set({ submittedAt: daysAgo(days) })
        .where(eq(endorsements.id, id));
      const [city] = await t.db.select().from(cities).where(eq(cities.id, official.cityId!));
      made.push({ id, city: city!.name, days });
    }
    // A verified one is not waiting.
    await endorsedBy(t, await createCityOfficial(t), slug, { verifiedBy: secretariat });

    const page = await (await signedInAs(t, secretariat)).get('/secretariat');
    const waiting = /<section[^>]*aria-labelledby="waiting-title">([\s\S]*?)<\/section>/.exec(page.body)![1]!;
    const text = textOf(waiting);
    const count = await countOf(endorsements, eq(endorsements.status, 'submitted'));
    expect(text).toContain(`${count} endorsements await verification.`);
    const order = made
      .sort((a, b) => b.days - a.days)
      .map((m) => waiting.indexOf(`href="/secretariat/endorsements/${m.id}"`));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text).toContain('waiting for 10 days');
    expect(text).toContain('No mandate document');
    expect(waiting).toContain('href="/secretariat/endorsements">See the whole verification queue</a>');
  });

  it('lists the open rounds near their deadline or with every verdict in, each linking to its board', async () => {
    const soon = await rounds.draftPledge();
    const soonId = await rounds.openRound(soon, ['MMC', 'UCLG'], inFuture(3));
    const ready = await rounds.draftPledge();
    const code = await rounds.newNetwork();
    const readyId = await rounds.openRound(ready, [code], inFuture(20));
    const verdict = await rounds.verdict(readyId, await rounds.reviewerOf(code), code, 'approve', 'Fine.');
    expect(verdict.statusCode, verdict.body).toBe(200);
    const later = await rounds.draftPledge();
    const laterId = await rounds.openRound(later, ['MMC'], inFuture(20));

    const page = await (await signedInAs(t, secretariat)).get('/secretariat');
    const part = /<section[^>]*aria-labelledby="rounds-title">([\s\S]*?)<\/section>/.exec(page.body)![1]!;
    expect(part).toContain(`href="/secretariat/rounds/${soonId}"`);
    expect(part).toContain(`href="/secretariat/rounds/${readyId}"`);
    expect(part).not.toContain(laterId);
    const text = textOf(part);
    expect(text).toMatch(/Verdicts: 0 of 2 networks/);
    expect(text).toMatch(/(3 days|2 days|72 hours) left/);
    expect(text).toContain('Verdicts: 1 of 1 networks · ✓ Every verdict is in');
    // Sooner deadline first.
    expect(part.indexOf(soonId)).toBeLessThan(part.indexOf(readyId));
  });

  it('counts the mails given up on and shows the latest, the recipient masked and the error in words', async () => {
    const failedAt = new Date('2026-03-12T14:05:00Z');
    await t.db.insert(mailOutbox).values({
      to: 'maria.lopez@quito.example.org',
      subject: 'Your endorsement has been verified',
      text: 'body',
      status: 'failed',
      attempts: 8,
      lastError: 'connect ECONNREFUSED 10.1.2.3:25',
      nextAttemptAt: new Date(failedAt.getTime() + retryDelaySeconds(8) * 1000),
    });
    const page = await (await signedInAs(t, secretariat)).get('/secretariat');
    const part = /<section[^>]*aria-labelledby="mail-title">([\s\S]*?)<\/section>/.exec(page.body)![1]!;
    const text = textOf(part);
    expect(text).toContain('1 mail could not be delivered and will not be tried again.');
    expect(text).toContain('Your endorsement has been verified');
    expect(text).toContain('To m•••z@quito.example.org');
    expect(text).toContain('given up on 12 March 2026 at 14:05 UTC, after 8 attempts');
    expect(text).toContain('The mail server could not be reached.');
    expect(page.body).not.toContain('maria.lopez');
    expect(page.body).not.toContain('10.1.2.3');
  });

  it('shows the totals from the services', async () => {
    const city = await createCity(t, { networks: ['MMC'] });
    expect(city.id).toBeTruthy();
    const expected = {
      'Published pledges': await countOf(pledgeVersions, eq(pledgeVersions.status, 'published')),
      'Verified endorsements': await countOf(endorsements, eq(endorsements.status, 'verified')),
      'Awaiting verification': await countOf(endorsements, eq(endorsements.status, 'submitted')),
      Cities: await countOf(cities),
      Networks: await countOf(networks),
    };
    const page = await (await signedInAs(t, secretariat)).get('/secretariat');
    const part = /<section[^>]*aria-labelledby="totals-title">([\s\S]*?)<\/section>/.exec(page.body)![1]!;
    const text = textOf(part);
    for (const [label, n] of Object.entries(expected)) expect(text).toContain(`${label} ${n.toLocaleString('en-GB')}`);
    expect(expected['Published pledges']).toBeGreaterThan(0);
  });

  it('speaks Spanish and French', async () => {
    const client = await signedInAs(t, secretariat);
    const es = await client.get('/secretariat?lang=es');
    expect(h1Of(es.body)).toBe('Lo pendiente');
    expect(textOf(es.body)).toContain('Adhesiones por verificar');
    const fr = await client.get('/secretariat?lang=fr');
    expect(h1Of(fr.body)).toBe('Ce qui attend');
    expect(textOf(fr.body)).toContain('Courriels non distribués');
  });
});

describe('mail failures in words', () => {
  it('masks an address and names what a recorded error comes down to', () => {
    expect(maskAddress('maria.lopez@quito.example.org')).toBe('m•••z@quito.example.org');
    expect(maskAddress('al@x.org')).toBe('a•••@x.org');
    expect(failureReasonOf('no answer from the mail server within 60000 ms')).toBe('timeout');
    expect(failureReasonOf('getaddrinfo ENOTFOUND smtp.example.org')).toBe('unreachable');
    expect(failureReasonOf('Invalid login: 535 5.7.8 Authentication failed')).toBe('authentication');
    expect(failureReasonOf("Can't send mail - all recipients were rejected: 550 5.1.1 User unknown")).toBe('refused');
    expect(failureReasonOf('something else')).toBe('other');
    expect(failureReasonOf(null)).toBe('other');
  });
});
