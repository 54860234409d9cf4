import { extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransferListItem } from 'node:worker_threads';
import { move, Piscina } from 'piscina';
import { ServiceUnavailableError } from './errors.js';

/**
 * Tasks a thread is given at once: the next one is already there when one ends, so the thread
 * never idles through a hand-over, and a long workbook (which spends most of its time waiting for
 * the database and the reader) does not keep a thread from rendering meanwhile.
 */
const TASKS_PER_THREAD = 2;
/**
 * The threads' scheduling priority, lowered (Linux nice 10): when the cores are busy, the event
 * loop and PostgreSQL go first and a download takes longer, rather than every request waiting.
 * Measured (`npm run bench -- isolation`, two runs each): the write p99 beside a certificates ZIP
 * was 1.8–2.2× idle at nice 0, 1.0–1.3× at nice 10; beside a workbook 3.0–4.3× and 1.5–2.0×.
 */
const NICE_INCREMENT = 10;
/** A thread that had nothing to do for a minute ends: with pdfkit and ExcelJS loaded it holds some 50 MB. */
const IDLE_TIMEOUT_MS = 60_000;
/** What a refused client is told to wait: about what the queue takes to move on. */
const RETRY_AFTER_SECONDS = 5;
/** How long closing waits for running tasks before the threads are stopped anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

/** A worker's file beside the module that uses it: `.ts` from the sources (tsx, vitest), `.js` once built. */
export function workerFile(moduleUrl: string, basename: string): URL {
  return new URL(`./${basename}${extname(new URL(moduleUrl).pathname)}`, moduleUrl);
}

/**
 * Threads inherit the process's options (`node --import tsx` included), except under vitest,
 * which compiles the sources itself: there a thread needs tsx to load a `.ts` worker. Options
 * are not passed when inherited: a V8 flag such as --heap-growing-percent, valid for the
 * process, is refused in a thread's own list.
 */
function threadExecArgv(): string[] | undefined {
  const fromSources = import.meta.url.endsWith('.ts');
  if (!fromSources || process.execArgv.some((arg) => arg.includes('tsx'))) return undefined;
  return [...process.execArgv, '--import', 'tsx'];
}

/**
 * Bytes a worker returns, moved to the main thread rather than copied: a buffer of their own
 * (Buffer.concat may hand out a slice of a shared one, which must not be moved away).
 */
export function transferable(bytes: Uint8Array) {
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return move(own ? bytes : new Uint8Array(bytes));
}

/** The bytes a transferable() answer arrives as, as a Buffer (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface WorkerTask {
  /** The worker module (workerFile) and the export that does the task (default: `default`). */
  file: URL;
  name?: string;
  /** Plain data (structured clone): what the task needs, nothing from the database. */
  data: unknown;
  transferList?: readonly TransferListItem[];
}

export interface WorkerPoolOptions {
  threads: number;
  /** Tasks that may wait for a thread; work that would need more is refused with a 503. */
  queue: number;
  /** Errors of the pool itself (a thread that could not start), not of a task. */
  onError?: (err: Error) => void;
}

/** A request's share of the pool, held from before its answer starts until its work is done. */
export interface Lease {
  /**
   * Runs a task; while all of the lease's units are busy, waits for one. Aborting `signal` drops a
   * task that has not started.
   */
  run<R>(task: WorkerTask, signal?: AbortSignal): Promise<R>;
  /** Gives the units back (once the lease's running tasks end). Idempotent. */
  release(): void;
}

/** What runs tasks: the pool (a unit per task) or a request's lease. */
export type TaskRunner = Pick<Lease, 'run'>;

interface Waiting {
  start(): void;
  cancel(reason: unknown): void;
}

/**
 * CPU-heavy work (PDFs, ZIP entries, workbooks) on worker threads (piscina), so that the event
 * loop keeps answering while a large download is made. Bounded twice: a request reserves its
 * units before anything is sent (a download streaming thousands of certificates holds as many
 * units as it renders at once), and what cannot be reserved is refused at once with 503 and
 * Retry-After instead of waiting without end; tasks beyond the running ones wait in order here,
 * where a client that leaves can take its own back.
 */
export class WorkerPool {
  readonly threads: number;
  /** Tasks running at once (given to the threads). */
  readonly slots: number;
  /** Units that may be reserved at once: running and waiting tasks. */
  readonly capacity: number;
  readonly #piscina: Piscina;
  readonly #running = new Set<Promise<unknown>>();
  #reserved = 0;
  #completed = 0;
  #closed = false;
  readonly #waiting: Waiting[] = [];

  constructor(options: WorkerPoolOptions) {
    this.threads = options.threads;
    this.slots = options.threads * TASKS_PER_THREAD;
    this.capacity = this.slots + options.queue;
    this.#piscina = new Piscina({
      minThreads: 0,
      maxThreads: options.threads,
      concurrentTasksPerWorker: TASKS_PER_THREAD,
      idleTimeout: IDLE_TIMEOUT_MS,
      niceIncrement: NICE_INCREMENT,
      execArgv: threadExecArgv(),
    });
    // Without a listener, such an error would end the process.
    this.#piscina.on('error', (err: Error) => options.onError?.(err));
  }

  /** Reserves `units` for one request's work, or refuses it (503) when the pool cannot take them now. */
  reserve(units = 1): Lease {
    if (this.#closed) throw new ServiceUnavailableError('The service is shutting down.');
    if (this.#reserved + units > this.capacity) {
      throw new ServiceUnavailableError(
        'Too many documents are being prepared right now; try again shortly.',
        RETRY_AFTER_SECONDS,
      );
    }
    this.#reserved += units;
    return this.#lease(units);
  }

  /** One task for one request: a unit reserved for it (or 503), given back when it ends. */
  async run<R>(task: WorkerTask, signal?: AbortSignal): Promise<R> {
    const lease = this.reserve(1);
    try {
      return await lease.run<R>(task, signal);
    } finally {
      lease.release();
    }
  }

  /** What the pool is doing: for the tests and the benchmark. */
  stats() {
    return {
      running: this.#running.size,
      waiting: this.#waiting.length,
      reserved: this.#reserved,
      completed: this.#completed,
      threads: this.#piscina.threads.length,
    };
  }

  /** Refuses new work, drops what waits, lets running tasks end, then stops the threads. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiting of this.#waiting.splice(0))
      waiting.cancel(new ServiceUnavailableError('The service is shutting down.'));
    // Waited for here: piscina's own close would end a task whose thread is still starting.
    await Promise.race([Promise.allSettled(this.#running), sleep(CLOSE_TIMEOUT_MS, undefined, { ref: false })]);
    await this.#piscina.close();
  }

  #lease(units: number): Lease {
    let busy = 0;
    let released = false;
    const roomWaiters: Array<() => void> = [];
    const giveBack = () => {
      if (released && busy === 0) {
        this.#reserved -= units;
        units = 0;
      }
    };
    return {
      run: async <R>(task: WorkerTask, signal?: AbortSignal): Promise<R> => {
        while (busy >= units && !released) {
          signal?.throwIfAborted();
          await untilCalled(roomWaiters, signal);
        }
        if (released) throw new Error('This lease was released.');
        busy++;
        try {
          return await this.#execute<R>(task, signal);
        } finally {
          busy--;
          roomWaiters.shift()?.();
          giveBack();
        }
      },
      release: () => {
        released = true;
        for (const wake of roomWaiters.splice(0)) wake();
        giveBack();
      },
    };
  }

  #execute<R>(task: WorkerTask, signal?: AbortSignal): Promise<R> {
    signal?.throwIfAborted();
    return new Promise<R>((resolve, reject) => {
      const start = () => {
        signal?.removeEventListener('abort', onAbort);
        // No signal for piscina: aborting a running task would end its thread, and with it the
        // other task the thread runs; a running render ends within milliseconds anyway.
        const running = this.#piscina.run(task.data, {
          filename: task.file.href,
          name: task.name ?? 'default',
          transferList: task.transferList,
        });
        this.#running.add(running);
        running.then(resolve as (value: unknown) => void, reject).finally(() => {
          this.#running.delete(running);
          this.#completed++;
          this.#waiting.shift()?.start();
        });
      };
      const waiting: Waiting = { start, cancel: reject };
      const onAbort = () => {
        const i = this.#waiting.indexOf(waiting);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal!.reason);
      };
      if (this.#running.size < this.slots) return start();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiting);
    });
  }
}

/** Resolves when the function it adds to `waiters` is called; rejects when `signal` aborts first. */
function untilCalled(waiters: Array<() => void>, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      const i = waiters.indexOf(wake);
      if (i >= 0) waiters.splice(i, 1);
      reject(signal!.reason);
    };
    const wake = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    waiters.push(wake);
  });
}
