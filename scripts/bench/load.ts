export interface LoadResult {
  requests: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * Sends requests with `concurrency` in flight (keep-alive connections): `warmup` unrecorded ones,
 * then recorded ones until `total` were sent or `durationMs` passed, whichever comes first.
 * `make(i)` builds the i-th request (i counts from 0 over warm-up and measurement); a status
 * other than `expect` is an error.
 */
export async function runLoad(opts: {
  origin: string;
  total: number;
  durationMs?: number;
  warmup: number;
  concurrency: number;
  expect: number;
  make: (i: number) => { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string };
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const send = async (i: number, record: boolean) => {
    const r = opts.make(i);
    const started = process.hrtime.bigint();
    // Node's fetch keeps connections alive: at most `concurrency` are open at once.
    const res = await fetch(opts.origin + r.path, { method: r.method, headers: r.headers, body: r.body });
    await res.arrayBuffer();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (res.status !== opts.expect) errors++;
    if (record) latencies.push(ms);
  };
  let deadline = Number.POSITIVE_INFINITY;
  const worker = async (count: number, offset: number, record: boolean) => {
    for (;;) {
      const i = next++;
      if (i >= count || performance.now() >= deadline) return;
      await send(i + offset, record);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, () => worker(opts.warmup, 0, false)));
  next = 0;
  const started = process.hrtime.bigint();
  if (opts.durationMs !== undefined) deadline = performance.now() + opts.durationMs;
  await Promise.all(Array.from({ length: opts.concurrency }, () => worker(opts.total, opts.warmup, true)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { requests: latencies.length, seconds, rate: latencies.length / seconds, p50: pct(50), p99: pct(99), errors };
}
