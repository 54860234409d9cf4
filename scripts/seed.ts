// npm run db:seed — demo data into an empty database (refused in production).
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { seedDemoDataIfEmpty } from '../src/demo/seed.js';
import { CliError, runCli } from './cli.js';

await runCli(async () => {
  const config = loadConfig();
  if (!config.allowDemoData)
    throw new CliError('Demo data has publicly known passwords and is refused when NODE_ENV=production.');
  const database = await openDatabase(config.database);
  try {
    await database.migrate();
    const seeded = await seedDemoDataIfEmpty(database, { print: (line) => console.log(line) });
    if (!seeded) console.log('The database already has users: nothing seeded.');
  } finally {
    await database.close();
  }
});
