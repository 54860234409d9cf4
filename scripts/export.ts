// npm run export -- --pledge SLUG --format csv|xlsx|json --out FILE
// The endorsement report to a file, with a progress bar on a terminal and plain lines otherwise.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { keepHeapCompact } from '../src/lib/heap.js';
import { reportFormats } from '../src/modules/reports/reports.formats.js';
import { countReportRows } from '../src/modules/reports/reports.repository.js';
import { reportContext } from '../src/modules/reports/reports.service.js';
import { CliError, parseFlags, runCli } from './cli.js';

keepHeapCompact();
await runCli(async () => {
  const flags = parseFlags(process.argv.slice(2), ['pledge', 'format', 'out']);
  const format = flags.format as keyof typeof reportFormats | undefined;
  if (!flags.pledge || !flags.out || !format || !Object.hasOwn(reportFormats, format)) {
    throw new CliError('Usage: npm run export -- --pledge SLUG --format csv|xlsx|json --out FILE');
  }
  const config = loadConfig();
  const database = await openDatabase({ url: config.database.url, pgliteDir: config.database.pgliteDir });
  try {
    const r = await reportContext({ db: database.db, actor: { kind: 'system', label: 'export' } }, flags.pledge, {});
    const total = await countReportRows(database.db, r.pledge.id, r.filters);
    const bar = process.stdout.isTTY
      ? new cliProgress.SingleBar({ format: 'endorsements {bar} {value}/{total}' }, cliProgress.Presets.shades_classic)
      : undefined;
    bar?.start(total, 0);
    const progress = (n: number) => (bar ? bar.update(n) : console.log(`${n}/${total} endorsements`));
    await pipeline(
      reportFormats[format].write(database.db, r.pledge.id, r.filters, r.areaKeys, progress),
      createWriteStream(flags.out),
    );
    bar?.stop();
    console.log(`${total} endorsement(s) of ${r.pledge.slug} written to ${flags.out} (${format}).`);
  } finally {
    await database.close();
  }
});
