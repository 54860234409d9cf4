import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { seedDemoDataIfEmpty } from './demo/seed.js';
import { startBackgroundJobs } from './jobs.js';

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
  const database = await openDatabase({
    url: config.database.url,
    pgliteDir: config.database.pgliteDir,
    poolSize: config.database.poolSize,
    onPoolError: (err) => poolErrors.log?.(err),
  });
  const app = await buildApp({ config, database });
  poolErrors.log = (err) => app.log.warn({ err }, 'database connection lost');
  app.log.info({ driver: database.driver }, 'applying migrations');
  await database.migrate();
  if (database.driver === 'pglite') {
    app.log.info(
      { dir: config.database.pgliteDir },
      'embedded PGlite database: for one instance only; set DATABASE_URL to scale out',
    );
  }
  if (config.allowDemoData)
    await seedDemoDataIfEmpty(database.db, { print: (line) => console.log(line), publicBaseUrl: config.publicBaseUrl });

  const jobs = startBackgroundJobs(database.db, config, app.log);

  // SIGTERM/SIGINT: stop taking connections, let in-flight requests finish, then close the pool.
  closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await jobs.stop();
    await database.close();
  });

  await app.listen({ port: config.port, host: config.host });
}

main().catch((err) => {
  console.error('The service could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
