// A worker for test/worker-pool.test.ts: waits `ms`, then answers `value` with when it ran
// (wall-clock milliseconds, the same clock as the main thread's).
import { setTimeout as sleep } from 'node:timers/promises';

export default async function echo({ ms, value }: { ms: number; value: unknown }) {
  const start = Date.now();
  await sleep(ms);
  return { value, start, end: Date.now() };
}
