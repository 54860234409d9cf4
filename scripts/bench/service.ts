// Starts scripts/bench/server.ts in a process of its own (the service, or the bare baselines),
// so that the load generator and the measuring code share none of its CPU or memory.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

/**
 * Compiles the project as the Docker image does (tsc into dist/), so that the benchmarks measure
 * the service as it runs in production, not under tsx's loader (which alone holds some 80 MB).
 */
export function buildForBench() {
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('the build failed');
}

/**
 * The service's live heap is small (some 20 MB), and its long tasks make many short-lived objects
 * (a report streamed row by row, a ZIP of certificates). V8 lets the heap grow to several times
 * the live size before a full collection, so an export's peak memory followed its length; growing
 * by a quarter keeps it flat at no cost in time (`npm run bench -- reports`, peak RSS at 100,000
 * and 300,000 rows: 215 and 231 MB without the flag, 141 and 142 MB with it). A V8 flag on the
 * command line (Dockerfile, `npm start`), not set at run time: NODE_OPTIONS does not take it.
 */
const HEAP_FLAGS = ['--heap-growing-percent=25'];

export function startServer(
  mode: 'app' | 'bare',
  url: string,
  jwtSecret: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; origin: string }> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // As the Dockerfile starts the service: V8's heap grows by a quarter between collections.
  const child = spawn(process.execPath, [...profile, ...HEAP_FLAGS, 'dist/scripts/bench/server.js', mode], {
    env: { ...process.env, DATABASE_URL: url, JWT_SECRET: jwtSecret, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      const port = /PORT (\d+)/.exec(String(chunk))?.[1];
      if (port) resolve({ child, origin: `http://127.0.0.1:${port}` });
    });
    child.on('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

export function stopServer(child: ChildProcess) {
  child.removeAllListeners('exit');
  child.kill('SIGTERM');
}

/** A process's resident memory now, in bytes (Linux). */
export function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

/** CPU seconds a process has used so far (user + system; Linux). */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After the command: state is field 3, so utime (14) and stime (15) sit at 11 and 12 here.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds used so far by the local PostgreSQL server (Linux): its live processes, plus what
 * its ended backends used, which the postmaster collects when it reaps them.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
      // The postmaster (its parent is not a postgres process) also holds its children's time.
      const parent = fields[1]!;
      if (readFileSync(`/proc/${parent}/comm`, 'utf8').trim() !== 'postgres')
        total += (Number(fields[13]) + Number(fields[14])) / 100;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/**
 * A pg pool for the benchmark's own queries. pg-pool's end() resolves before the server has closed
 * its sessions, so dropping the database WITH (FORCE) right after can end one of them: without a
 * listener that error would take the process down (as the certificate bench did now and then).
 */
export function benchPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', (err: Error & { code?: string }) => {
    if (err.code !== '57P01') console.error('bench pool:', err.message);
  });
  return pool;
}

/**
 * Runs one part of the benchmark in a process of its own (under tsx, with `--expose-gc` when it
 * measures memory), so that one part's memory and JIT do not colour the next: the JSON of its last
 * line of output.
 */
export function runPart<T>(script: string, args: string[], options: { exposeGc?: boolean } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const flags = options.exposeGc ? ['--expose-gc'] : [];
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as T)
        : reject(new Error(`${script} exited ${code}`)),
    );
  });
}

/** A database of its own for one part of the benchmark, on the server at `baseUrl`; drop() at the end. */
export async function scratchDatabase(baseUrl: string, prefix: string) {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
