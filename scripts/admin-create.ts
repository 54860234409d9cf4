// npm run admin:create -- --email E --password P [--name N] — creates a secretariat user.
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { createUser } from '../src/modules/users/index.js';
import { CliError, parseFlags, runCli } from './cli.js';

const usage = 'Usage: npm run admin:create -- --email E --password P [--name N]';

await runCli(async () => {
  const flags = parseFlags(process.argv.slice(2), ['email', 'password', 'name'], usage);
  if (!flags.email || !flags.password) throw new CliError(usage);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(flags.email)) throw new CliError(`Not an e-mail address: ${flags.email}`);
  const config = loadConfig();
  const database = await openDatabase(config.database);
  try {
    await database.migrate();
    const user = await createUser(
      { db: database.db, actor: { kind: 'system', label: 'admin:create' } },
      {
        email: flags.email,
        name: flags.name ?? flags.email.split('@')[0]!,
        password: flags.password,
        role: 'secretariat',
      },
    );
    console.log(`Secretariat user ${user.email} created (id ${user.id}).`);
  } finally {
    await database.close();
  }
});
