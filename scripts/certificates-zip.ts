// npm run certificates:zip -- --pledge SLUG --out FILE — every current certificate of a pledge
// in one ZIP file, with a progress bar on a terminal.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { pledgeCertificatesZip } from '../src/modules/certificates/index.js';
import { NotFoundError } from '../src/lib/errors.js';
import { WorkerPool } from '../src/lib/worker-pool.js';
import { CliError, parseFlags, runCli } from './cli.js';

const usage = 'Usage: npm run certificates:zip -- --pledge SLUG --out FILE';

await runCli(async () => {
  const flags = parseFlags(process.argv.slice(2), ['pledge', 'out'], usage);
  if (!flags.pledge || !flags.out) throw new CliError(usage);
  const config = loadConfig();
  const database = await openDatabase(config.database);
  // The certificates render on worker threads and are signed, as in the service (WORKER_THREADS,
  // CERT_SIGNING_CERT).
  const workers = new WorkerPool(config.workers);
  try {
    const system = { db: database.db, actor: { kind: 'system', label: 'certificates:zip' } } as const;
    const bar = process.stdout.isTTY
      ? new cliProgress.SingleBar({ format: 'certificates {bar} {value}/{total}' }, cliProgress.Presets.shades_classic)
      : undefined;
    const printer = { workers, documentSigner: config.documentSigner };
    const zip = await pledgeCertificatesZip(system, printer, flags.pledge, (done) => bar?.update(done)).catch((err) => {
      throw err instanceof NotFoundError ? new CliError(`No pledge ${flags.pledge}.`) : err;
    });
    const total = await zip.count();
    bar?.start(total, 0);
    await pipeline(zip.stream(), createWriteStream(flags.out));
    bar?.stop();
    console.log(`${total} certificate(s) of ${zip.slug} written to ${flags.out}.`);
  } finally {
    await workers.close();
    await database.close();
  }
});
