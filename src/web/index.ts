import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import accountPages from './account.js';
import { stylesheetAsset } from './assets.js';
import certificatePages from './certificates.js';
import cityPages from './city.js';
import publicPages from './public.js';
import reviewPages from './review.js';
import secretariatPages from './secretariat.js';
import { setUpPages } from './setup.js';

/**
 * The portal: server-rendered pages in English, Spanish and French, from the same services as the
 * API (never through it). Registered by app.ts beside the API; encapsulated, so its cookies, form
 * parsers, CSRF checks and error pages stay with the pages.
 */
export default async function webPortal(app: FastifyInstance, { config }: { config: Config }) {
  // Pages are for people: the OpenAPI document describes the API alone.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  const stylesheet = stylesheetAsset(config.env === 'production');
  stylesheet.register(app);
  await app.register(async (pages) => {
    await setUpPages(pages, { config, stylesheet: stylesheet.href });
    await pages.register(publicPages);
    await pages.register(certificatePages);
    await pages.register(accountPages, { config });
    await pages.register(cityPages);
    await pages.register(reviewPages);
    await pages.register(secretariatPages);
  });
}
