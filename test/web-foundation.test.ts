import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseOutage } from '../src/db/outage.js';
import authPlugin from '../src/plugins/auth.js';
import { setUpPages } from '../src/web/setup.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { h1Of, textOf, WebClient } from './helpers/web.js';

// What every page shares: the layout's landmarks, the language (switcher, preference, browser),
// the stylesheet, the 404, 500 and 503 pages, and the refusal of a form without its CSRF token.

let t: TestApp;
let slug: string;
beforeAll(async () => {
  t = await buildTestApp();
  ({ slug } = await createPublishedPledge(t));
});
afterAll(async () => t.close());

const browser = (headers: Record<string, string> = {}) => new WebClient(() => t.app, headers);

describe('the layout', () => {
  it.each(['/', '/pledges/:slug', '/verify', '/sign-in', '/nowhere'])(
    '%s has the language, a skip link to the main landmark, the language switcher and the footer',
    async (path) => {
      const page = await browser().get(path.replace(':slug', slug));
      const html = page.body;
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
      expect(html).toContain('<a class="skip-link" href="#main">Skip to main content</a>');
      expect(html).toContain('<main id="main"');
      expect(html).toContain('<nav class="languages" aria-label="Language">');
      expect(html).toMatch(/<a href="[^"]*lang=en" lang="en" hreflang="en" aria-current="true">English<\/a>/);
      expect(html).toMatch(/<a href="[^"]*lang=es" lang="es" hreflang="es">Español<\/a>/);
      expect(html).toMatch(/<a href="[^"]*lang=fr" lang="fr" hreflang="fr">Français<\/a>/);
      expect(html).toContain('<footer class="site-footer">');
      // Nothing is fetched from another host: no absolute URL in a src or href.
      expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
      expect(page.headers['cache-control']).toBe('no-store');
    },
  );

  it('links the switcher to the same page with its query kept', async () => {
    const page = await browser().get(`/pledges/${slug}/signatories?region=Europe`);
    expect(page.body).toContain(`href="/pledges/${slug}/signatories?region=Europe&amp;lang=fr"`);
  });
});

describe('the language', () => {
  it("follows the browser's Accept-Language by its q-values", async () => {
    const page = await browser({ 'accept-language': 'de-DE,fr;q=0.8,es;q=0.9' }).get('/');
    expect(page.body).toMatch(/^<!DOCTYPE html>\n<html lang="es">/);
    expect(h1Of(page.body)).toBe('Compromisos');
  });

  it('is what the switcher picked, remembered in a cookie over the browser’s language', async () => {
    const visitor = browser({ 'accept-language': 'es' });
    const picked = await visitor.get('/verify?lang=fr');
    expect(h1Of(picked.body)).toBe('Vérifier un certificat');
    expect(visitor.cookies.get('ap_lang')).toBe('fr');
    const later = await visitor.get('/sign-in');
    expect(h1Of(later.body)).toBe('Se connecter');
    expect(later.body).toMatch(/<a href="\/sign-in\?lang=fr" lang="fr" hreflang="fr" aria-current="true">/);
  });

  it('ignores a language the portal does not speak', async () => {
    const page = await browser().get('/?lang=de');
    expect(page.body).toMatch(/<html lang="en">/);
  });

  it('formats dates and numbers for the language', async () => {
    const page = await browser().get(`/pledges/${slug}?lang=fr`);
    const year = new Date().getUTCFullYear();
    expect(textOf(page.body)).toMatch(new RegExp(`Version 1, publiée le \\d{1,2} [a-zéû]+ ${year}`));
  });
});

describe('the stylesheet', () => {
  it('is served under its content hash with a year of caching, and nothing else is under /assets', async () => {
    const page = await browser().get('/');
    const href = /<link rel="stylesheet" href="(\/assets\/portal\.[0-9a-f]{16}\.css)">/.exec(page.body)?.[1];
    expect(href).toBeDefined();
    const css = await t.app.inject({ method: 'GET', url: href! });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.body).toContain(':focus-visible');
    expect(css.body).not.toMatch(/@import|url\(\s*['"]?(?:https?:)?\/\//);
    const stale = await t.app.inject({ method: 'GET', url: '/assets/portal.0000000000000000.css' });
    expect(stale.statusCode).toBe(404);
  });
});

describe('pages that are not there', () => {
  it('answer a browser with the 404 page, and the API with problem+json as before', async () => {
    for (const path of ['/no-such-page', `/pledges/${slug}/no/such/page`, '/certificates/AP-2345-6789/x']) {
      const page = await browser().get(path);
      expect(page.statusCode).toBe(404);
      expect(h1Of(page.body)).toBe('Page not found');
    }

    const api = await t.app.inject({ method: 'GET', url: '/no-such-page', headers: { accept: 'application/json' } });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toContain('application/problem+json');

    const apiFromBrowser = await browser().get('/api/v1/no/such/route');
    expect(apiFromBrowser.statusCode).toBe(404);
    expect(apiFromBrowser.headers['content-type']).toContain('application/problem+json');
  });

  it('is the same page for a pledge that does not exist and one that is not published', async () => {
    const missing = await browser().get('/pledges/no-such-pledge');
    const malformed = await browser().get('/pledges/NOT%20A%20SLUG');
    for (const page of [missing, malformed]) {
      expect(page.statusCode).toBe(404);
      expect(h1Of(page.body)).toBe('Page not found');
    }
  });
});

describe('a form sent without its CSRF token', () => {
  it('is refused with a page that says why, and changes nothing', async () => {
    const visitor = browser();
    await visitor.get('/sign-in');
    const refused = await visitor.post(
      '/sign-in',
      { email: 'a@example.org', password: 'whatever it is' },
      { csrf: false },
    );
    expect(refused.statusCode).toBe(403);
    expect(h1Of(refused.body)).toBe('This form could not be sent');
    expect(textOf(refused.body)).toContain('Nothing was changed.');
    const forged = await visitor.post(
      '/sign-in',
      { email: 'a@example.org', password: 'whatever it is', _csrf: 'forged-token' },
      { csrf: false },
    );
    expect(forged.statusCode).toBe(403);
    // A token from another browser (its own secret cookie) does not pass either.
    const other = browser();
    const otherPage = await other.get('/sign-in');
    const crossed = await visitor.post('/sign-in', { email: 'a@example.org', password: 'x' }, { csrfFrom: otherPage });
    expect(crossed.statusCode).toBe(403);
  });
});

describe('a request a page cannot take', () => {
  it('is said in words under its own status: a body of an unknown type, a body too large', async () => {
    const visitor = browser();
    const form = await visitor.get('/sign-in');
    const cookie = [...visitor.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const xml = await t.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { accept: 'text/html', 'content-type': 'application/xml', cookie },
      payload: '<sign-in/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(h1Of(xml.body)).toBe('This request could not be understood');
    const large = await t.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: `_csrf=${encodeURIComponent(/name="_csrf" value="([^"]+)"/.exec(form.body)![1]!)}&email=${'a'.repeat(70_000)}`,
    });
    expect(large.statusCode).toBe(413);
    expect(h1Of(large.body)).toBe('What you sent is too large');
  });
});

describe('a failure on our side', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify({ logger: false, genReqId: () => 'req-12345678' });
    app.decorate('config', t.config);
    app.decorate('database', t.testDb.database);
    app.decorate('databaseOutage', new DatabaseOutage({ ping: async () => undefined, log: () => app.log }));
    app.addHook('onClose', async () => app.databaseOutage.stop());
    await app.register(authPlugin, { config: t.config });
    await app.register(async (pages: FastifyInstance) => {
      await setUpPages(pages, { config: t.config, stylesheet: () => '/assets/portal.css' });
      pages.get('/fails', async () => {
        throw new Error('relation "users" does not exist: SELECT password_hash FROM users');
      });
      pages.get('/database-away', async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      });
    });
    await app.ready();
  });
  afterAll(async () => app.close());

  it('is the 500 page, with a reference to quote and no stack or SQL', async () => {
    const page = await app.inject({ method: 'GET', url: '/fails' });
    expect(page.statusCode).toBe(500);
    expect(h1Of(page.body)).toBe('Sorry, there is a problem with the service');
    expect(textOf(page.body)).toContain('quote this reference: req-12345678');
    expect(page.body).not.toMatch(/SELECT|password_hash|relation|at .*\.ts:\d+/);
  });

  it('is the 503 page, with Retry-After, when the database is away', async () => {
    const page = await app.inject({ method: 'GET', url: '/database-away', headers: { 'accept-language': 'fr' } });
    expect(page.statusCode).toBe(503);
    expect(page.headers['retry-after']).toBe('5');
    expect(h1Of(page.body)).toBe('Désolé, le service est indisponible');
    expect(page.body).not.toContain('ECONNREFUSED');
  });
});
