import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { projectRoot } from '../../src/lib/paths.js';
import { postgresTestUrl } from './postgres.js';

// The browser tests: Debian's Chromium (never a browser downloaded by Playwright), driven by
// playwright-core, against the server started the way `npm start` starts it, on an embedded
// database of its own seeded with the demo data.

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests do not run here, or undefined when they do. */
export function browserTestsSkipped(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;
  // They drive a server on its own embedded database: once per CI run is enough.
  if (postgresTestUrl()) return 'they run once, in the run on the embedded database';
  return undefined;
}

/** Says once, loudly, why a browser test file is skipped. */
export function announceSkip(file: string): boolean {
  const reason = browserTestsSkipped();
  if (reason) console.warn(`${file}: browser tests skipped: ${reason}`);
  return reason !== undefined;
}

export const ARTIFACTS = join(projectRoot, 'test', 'artifacts');

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

interface ServerProcess {
  url: string;
  /** SIGTERM, then waits for the exit (the database closed cleanly). */
  stop(): Promise<void>;
}

/** `npm start`'s command (node --import tsx src/server.ts) on a free port and an embedded database in `dbDir`. */
async function spawnServer(dbDir: string): Promise<ServerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--heap-growing-percent=25', '--import', 'tsx', 'src/server.ts'],
    {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'development',
        PORT: '0',
        HOST: '127.0.0.1',
        PGLITE_DIR: dbDir,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join('')}`)), 150_000);
    const read = (chunk: Buffer) => {
      output.push(chunk.toString());
      const found = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(''));
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${output.join('')}`));
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The embedded database as the first start leaves it (migrated, demo data seeded), made once per
 * test run and copied for each server: seeding hashes passwords and renders certificates, which
 * took most of a browser file's setup. The first file to ask builds it (a directory made with
 * mkdir is the lock between the test workers); the others wait for it.
 */
async function seededDatabase(): Promise<string | undefined> {
  const root = inject('portalTemplateDir');
  if (!root) return undefined;
  const dbDir = join(root, 'db');
  const ready = join(root, 'ready');
  const failed = join(root, 'failed');
  try {
    mkdirSync(join(root, 'lock'));
  } catch {
    const deadline = Date.now() + 170_000;
    while (!existsSync(ready)) {
      if (existsSync(failed))
        throw new Error(`the seeded database could not be built: ${readFileSync(failed, 'utf8')}`);
      if (Date.now() > deadline) throw new Error('waited too long for the seeded database');
      await sleep(200);
    }
    return dbDir;
  }
  try {
    const first = await spawnServer(dbDir);
    await first.stop();
    writeFileSync(ready, '');
    return dbDir;
  } catch (err) {
    writeFileSync(failed, String(err));
    throw err;
  }
}

/**
 * A server started the way `npm start` starts it, in development, on a free port and an embedded
 * database of its own holding the demo data (a copy of the run's seeded database, so that no test
 * file sees another's changes); its address read from its log.
 */
export async function startServer(): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ap-portal-'));
  const dbDir = join(dir, 'db');
  try {
    const seeded = await seededDatabase();
    if (seeded) cpSync(seeded, dbDir, { recursive: true });
    const server = await spawnServer(dbDir);
    return {
      url: server.url,
      stop: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export function launchBrowser(): Promise<Browser> {
  // Each launch gets a fresh, temporary user-data-dir of its own (Playwright makes and removes it).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new browser context (its own cookies), at a width, in a language. */
export function newContext(
  browser: Browser,
  options: { width?: number; locale?: string } = {},
): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    locale: options.locale ?? 'en-GB',
  });
}

/** axe-core on the page as it is: no WCAG 2.1 A or AA violation. */
export async function expectAccessible(page: Page) {
  expect(await page.content(), 'a placeholder left unfilled').not.toMatch(/\{[a-zA-Z]+\}/);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const violations = results.violations.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ')),
  }));
  expect(violations, page.url()).toEqual([]);
}

/**
 * Screenshots of a page type at 1280 and 375 px, full length, under test/artifacts/; at 375 px the
 * page must not scroll sideways.
 */
export async function screenshots(page: Page, name: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
    // Runs in the page (no DOM types in this project): the width the document would scroll to.
    const scrollWidth = await page.evaluate('document.documentElement.scrollWidth');
    expect(Number(scrollWidth), `${name} at ${width} px`).toBeLessThanOrEqual(width);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** The API, for a test's setup (a token, an invitation, a certificate's PDF). */
export async function apiToken(server: RunningServer, email: string, password: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Calls the API as a signed-in person, for a test's setup: `api(path, method?, body?)`. */
export type ApiCall = (path: string, method?: string, body?: unknown) => Promise<Response>;

export async function apiAs(server: RunningServer, email: string, password: string): Promise<ApiCall> {
  const token = await apiToken(server, email, password);
  return (path, method = 'GET', body) =>
    fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}
