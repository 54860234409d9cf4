// npm run certificates:zip -- --pledge SLUG --out FILE — every current certificate of a pledge
// in one ZIP file, with a progress bar on a terminal.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { keepHeapCompact } from '../src/lib/heap.js';
import { countValidOfPledge } from '../src/modules/certificates/certificates.repository.js';
import { certificatesZip } from '../src/modules/certificates/certificates.zip.js';
import { findPledge } from '../src/modules/pledges/pledges.repository.js';
import { CliError, parseFlags, runCli } from './cli.js';

keepHeapCompact();
await runCli(async () => {
  const flags = parseFlags(process.argv.slice(2), ['pledge', 'out']);
  if (!flags.pledge || !flags.out) throw new CliError('Usage: npm run certificates:zip -- --pledge SLUG --out FILE');
  const config = loadConfig();
  const database = await openDatabase({ url: config.database.url, pgliteDir: config.database.pgliteDir });
  try {
    const pledge = await findPledge(database.db, flags.pledge);
    if (!pledge) throw new CliError(`No pledge ${flags.pledge}.`);
    const total = await countValidOfPledge(database.db, pledge.id);
    const bar = process.stdout.isTTY
      ? new cliProgress.SingleBar({ format: 'certificates {bar} {value}/{total}' }, cliProgress.Presets.shades_classic)
      : undefined;
    bar?.start(total, 0);
    await pipeline(
      certificatesZip(database.db, pledge.id, (done) => bar?.update(done)),
      createWriteStream(flags.out),
    );
    bar?.stop();
    console.log(`${total} certificate(s) of ${pledge.slug} written to ${flags.out}.`);
  } finally {
    await database.close();
  }
});
