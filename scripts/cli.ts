import { ConfigError } from '../src/config.js';
import { AppError } from '../src/lib/errors.js';

/** An error whose message is the whole story for the person at the terminal. */
export class CliError extends Error {}

/** Runs a command-line tool: known errors print one clear line and exit 1, never a stack. */
export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
    process.exitCode = 0;
  } catch (err) {
    if (err instanceof CliError || err instanceof ConfigError || err instanceof AppError) {
      console.error(`Error: ${err.message}`);
    } else {
      console.error('Unexpected error:', err);
    }
    process.exitCode = 1;
  }
}

/** Reads `--name value` pairs; a flag without a value is an error. */
export function parseFlags(argv: string[], known: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new CliError(`Unexpected argument: ${arg}`);
    const name = arg.slice(2);
    if (!known.includes(name))
      throw new CliError(`Unknown option --${name} (known: ${known.map((k) => `--${k}`).join(', ')})`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new CliError(`--${name} needs a value`);
    flags[name] = value;
    i++;
  }
  return flags;
}
