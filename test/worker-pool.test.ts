// The worker pool on its own (lib/worker-pool.ts): what it takes, what it refuses, what a lease
// may run at once, what an abort and a close drop. The worker waits instead of computing, so
// that what is observed is the pool's bookkeeping, not the machine's speed.
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../src/lib/errors.js';
import { WorkerPool, type WorkerTask } from '../src/lib/worker-pool.js';

const file = new URL('./helpers/echo.worker.ts', import.meta.url);
const echo = (value: unknown, ms = 0): WorkerTask => ({ file, data: { value, ms } });
type Echoed = { value: unknown; start: number; end: number };

let pool: WorkerPool | undefined;
const open = (threads: number, queue: number) => (pool = new WorkerPool({ threads, queue }));
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** The most intervals that overlap at one moment. */
function mostAtOnce(runs: Echoed[]): number {
  const edges = runs.flatMap((r) => [
    { at: r.start, d: 1 },
    { at: r.end, d: -1 },
  ]);
  // At the same instant an end comes before a start: touching runs do not overlap.
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (now += e.d));
  return most;
}

describe('a worker pool', () => {
  it('runs a task on a thread and answers what the worker returned', async () => {
    const p = open(1, 0);
    expect((await p.run<Echoed>(echo({ city: 'Kraków', n: 7 }))).value).toEqual({ city: 'Kraków', n: 7 });
    expect(p.stats()).toMatchObject({ running: 0, waiting: 0, reserved: 0, completed: 1, threads: 1 });
  });

  it('reserves up to its threads’ slots and its queue, and refuses more with a 503 and Retry-After', async () => {
    // One thread: two tasks at once, and two more may wait.
    const p = open(1, 2);
    expect(p.capacity).toBe(4);
    const zip = p.reserve(3);
    const single = p.reserve(1);
    let refused: unknown;
    try {
      p.reserve(1);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ServiceUnavailableError);
    expect(refused).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      extra: { headers: { 'retry-after': '5' } },
    });
    await expect(p.run(echo(1))).rejects.toBeInstanceOf(ServiceUnavailableError);
    // Given back, the units serve the next request.
    single.release();
    expect((await p.run<Echoed>(echo('next'))).value).toBe('next');
    zip.release();
    expect(p.stats().reserved).toBe(0);
  });

  it('runs no more of a lease’s tasks at once than its units, answering each in order', async () => {
    const p = open(2, 8);
    const lease = p.reserve(2);
    const runs = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => lease.run<Echoed>(echo(n, 80))));
    lease.release();
    expect(runs.map((r) => r.value)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(mostAtOnce(runs)).toBe(2);
    expect(p.stats()).toMatchObject({ running: 0, waiting: 0, reserved: 0, completed: 6 });
  });

  it('drops a task that waits for a thread when its signal aborts: it never runs', async () => {
    // One thread, two slots: two long tasks take them, the third waits.
    const p = open(1, 4);
    const busy = [p.run(echo('a', 300)), p.run(echo('b', 300))];
    const stop = new AbortController();
    const dropped = p.run(echo('c'), stop.signal);
    expect(p.stats()).toMatchObject({ running: 2, waiting: 1, reserved: 3 });
    stop.abort();
    await expect(dropped).rejects.toMatchObject({ name: 'AbortError' });
    expect(p.stats()).toMatchObject({ waiting: 0, reserved: 2 });
    await Promise.all(busy);
    expect(p.stats()).toMatchObject({ running: 0, reserved: 0, completed: 2 });
  });

  it('closing lets running tasks end, drops those that wait, stops its threads and refuses new work', async () => {
    const p = open(1, 4);
    const running = [p.run<Echoed>(echo('a', 200)), p.run<Echoed>(echo('b', 200))];
    const dropped = expect(p.run(echo('c'))).rejects.toThrow(ServiceUnavailableError);
    await p.close();
    expect((await Promise.all(running)).map((r) => r.value)).toEqual(['a', 'b']);
    await dropped;
    expect(p.stats()).toMatchObject({ threads: 0, completed: 2 });
    expect(() => p.reserve(1)).toThrow(ServiceUnavailableError);
  });
});
