import { parseArgs } from 'node:util';
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

/** node:util's parseArgs error codes: the command line, not the program, is wrong. */
export function isParseArgsError(err: unknown): err is Error & { code: string } {
  return (
    err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS_')
  );
}

/**
 * Reads `--name value` options with node:util's parseArgs (strict: no unknown option, no
 * positional argument, every option with its value); a bad command line is a CliError that ends
 * with the usage line.
 */
export function parseFlags<const K extends string>(
  argv: string[],
  names: readonly K[],
  usage: string,
): Partial<Record<K, string>> {
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<K, { type: 'string' }>;
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    if (isParseArgsError(err)) throw new CliError(`${err.message}\n${usage}`);
    throw err;
  }
}
