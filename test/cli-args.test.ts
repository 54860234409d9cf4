import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Runs a script as `npm run` does (tsx), with a command line it must refuse before any work. */
function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'silent' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

describe('the command-line scripts’ arguments (node:util parseArgs)', () => {
  it('an unknown option: its name and the usage line, exit 1, no stack', async () => {
    const res = await run('scripts/admin-create.ts', ['--email', 'a@example.org', '--pasword', 'x']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("Unknown option '--pasword'");
    expect(res.stderr).toContain('Usage: npm run admin:create -- --email E --password P [--name N]');
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });

  it('an option without its value: the usage line, exit 1', async () => {
    const missing = await run('scripts/export.ts', ['--pledge', 'x', '--format', 'csv', '--out']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Option '--out <value>' argument missing");
    expect(missing.stderr).toContain('Usage: npm run export');
  });

  it('a stray argument: the usage line, exit 1', async () => {
    const stray = await run('scripts/certificates-zip.ts', ['--pledge', 'x', 'all.zip']);
    expect(stray.code).toBe(1);
    expect(stray.stderr).toContain("Unexpected argument 'all.zip'");
    expect(stray.stderr).toContain('Usage: npm run certificates:zip');
  });

  it('certificates:verify keeps its own exit code for an unknown option: 2, with the usage line', async () => {
    const unknown = await run('scripts/certificates-verify.ts', ['cert.pdf', '--keys', 'keys.json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--keys'");
    expect(unknown.stderr).toContain('Usage: npm run certificates:verify -- FILE.pdf --key KEYFILE');
  });

  it('certificates:verify takes one PDF at a time: exit 2', async () => {
    const two = await run('scripts/certificates-verify.ts', ['a.pdf', 'b.pdf', '--key', 'keys.json']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain("Unexpected argument 'b.pdf'");
  });
});
