import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { seedDemoDataIfEmpty } from './demo/seed.js';
import { startBackgroundJobs } from './jobs.js';
import { closeGracefully } from './plugins/shutdown.js';

/** What stopping the jobs and closing the pool may take after the grace period. */
const SHUTDOWN_STEPS_MS = 10_000;

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }

  // The pool reports lost connections through the app's logger, which exists only later.
  const poolErrors: { log?: (err: Error) => void } = {};
  const database = await openDatabase({ ...config.database, onPoolError: (err) => poolErrors.log?.(err) });
  const app = await buildApp({ config, database });
  // A lost connection is part of an outage, logged as one (db/outage.ts).
  poolErrors.log = (err) => app.databaseOutage.report(err);
  app.log.info({ driver: database.driver }, 'applying migrations');
  await database.migrate();
  if (database.driver === 'pglite') {
    app.log.info(
      { dir: config.database.pgliteDir },
      'embedded PGlite database: for one instance only; set DATABASE_URL to scale out',
    );
  }
  if (config.allowDemoData)
    await seedDemoDataIfEmpty(database, { print: (line) => console.log(line), publicBaseUrl: config.publicBaseUrl });

  const jobs = startBackgroundJobs(database.db, config, app.log, app.databaseOutage);

  // SIGTERM/SIGINT: stop taking connections, close idle ones, let requests in flight finish within
  // the grace period and cut the rest, then stop the jobs and close the pool; exit 0. The delay is
  // only a last resort, for a shutdown step that hangs (exit 1).
  closeWithGrace(
    { delay: config.shutdownGraceMs + SHUTDOWN_STEPS_MS, logger: { error: (msg: unknown) => app.log.error(msg) } },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'shutting down after an error');
      else app.log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
      const { cutShort } = await closeGracefully(app, config.shutdownGraceMs);
      if (cutShort) app.log.warn({ graceMs: config.shutdownGraceMs }, 'requests still in flight were cut short');
      await jobs.stop();
      await database.close();
      app.log.info('shut down');
    },
  );

  await app.listen({ port: config.port, host: config.host });
}

main().catch((err) => {
  console.error('The service could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
