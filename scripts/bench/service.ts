// Starts scripts/bench/server.ts in a process of its own (the service, or the bare baselines),
// so that the load generator and the measuring code share none of its CPU or memory.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Compiles the project as the Docker image does (tsc into dist/), so that the benchmarks measure
 * the service as it runs in production, not under tsx's loader (which alone holds some 80 MB).
 */
export function buildForBench() {
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the build failed');
}

export function startServer(mode: 'app' | 'bare', url: string, jwtSecret: string): Promise<{ child: ChildProcess; origin: string }> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--enable-source-maps', 'dist/scripts/bench/server.js', mode], {
    env: { ...process.env, DATABASE_URL: url, JWT_SECRET: jwtSecret },
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
