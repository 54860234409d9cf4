// npm run db:migrate — applies migrations to DATABASE_URL, or to the embedded database.
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { runCli } from './cli.js';

await runCli(async () => {
  const config = loadConfig();
  const database = await openDatabase(config.database);
  try {
    await database.migrate();
    console.log(`Migrations applied (${database.driver}).`);
  } finally {
    await database.close();
  }
});
