import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { templatesDir } from '../lib/paths.js';

const STYLESHEET = join(templatesDir, 'web', 'portal.css');

/**
 * The portal's one stylesheet, at an address that names its content's hash: a browser (or a
 * proxy) keeps it for a year, and a changed stylesheet has a new address. Read once at start in
 * production; in development on each page, so an edit shows at the next reload.
 */
export function stylesheetAsset(production: boolean) {
  const load = () => {
    const css = readFileSync(STYLESHEET);
    return { css, href: `/assets/portal.${createHash('sha256').update(css).digest('hex').slice(0, 16)}.css` };
  };
  let current = load();
  return {
    href(): string {
      if (!production) current = load();
      return current.href;
    },
    register(app: FastifyInstance) {
      app.get('/assets/:file', async (request, reply) => {
        const { file } = request.params as { file: string };
        if (`/assets/${file}` !== current.href) return reply.callNotFound();
        return reply
          .header('cache-control', 'public, max-age=31536000, immutable')
          .type('text/css; charset=utf-8')
          .send(current.css);
      });
    },
  };
}
