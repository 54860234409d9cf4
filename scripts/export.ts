// npm run export -- --pledge SLUG --format csv|xlsx|json --out FILE
// The endorsement report to a file, with a progress bar on a terminal and plain lines otherwise.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { WorkerPool } from '../src/lib/worker-pool.js';
import { exportReport, reportFormats } from '../src/modules/reports/index.js';
import { CliError, parseFlags, runCli } from './cli.js';

const usage = 'Usage: npm run export -- --pledge SLUG --format csv|xlsx|json --out FILE';

await runCli(async () => {
  const flags = parseFlags(process.argv.slice(2), ['pledge', 'format', 'out'], usage);
  const format = flags.format as keyof typeof reportFormats | undefined;
  if (!flags.pledge || !flags.out || !format || !Object.hasOwn(reportFormats, format)) throw new CliError(usage);
  const config = loadConfig();
  const database = await openDatabase(config.database);
  // A workbook is written on a worker thread, as in the service (WORKER_THREADS).
  const workers = new WorkerPool(config.workers);
  try {
    const bar = process.stdout.isTTY
      ? new cliProgress.SingleBar({ format: 'endorsements {bar} {value}/{total}' }, cliProgress.Presets.shades_classic)
      : undefined;
    const report = await exportReport(
      { db: database.db, actor: { kind: 'system', label: 'export' } },
      workers,
      flags.pledge,
      format,
      {},
      (n, total) => (bar ? bar.update(n) : console.log(`${n}/${total} endorsements`)),
    );
    const total = report.rowCount ?? 0;
    bar?.start(total, 0);
    await pipeline(report.stream, createWriteStream(flags.out));
    bar?.stop();
    console.log(`${total} endorsement(s) of ${report.pledge.slug} written to ${flags.out} (${format}).`);
  } finally {
    await workers.close();
    await database.close();
  }
});
