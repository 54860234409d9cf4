import { LRUCache } from 'lru-cache';

/**
 * Finished response bodies for a short time, for public pages that everyone reads alike. A burst
 * of identical requests costs one database query a `ttlMs` (concurrent misses share it). Bounded
 * by entries and by bytes (lru-cache), the least recently used going first, and expired bodies are
 * dropped as new ones come in, so odd requests cannot fill memory. `clear()` empties it: the app
 * calls it after every successful write it handles, so this instance never serves what it knows
 * to be old; other instances may, for at most `ttlMs`.
 */
export class ResponseCache {
  private readonly bodies: LRUCache<string, string>;
  /**
   * Bodies being made. Kept apart from `bodies` (rather than lru-cache's `fetchMethod`) so that
   * `clear()` simply forgets them: a body begun before a write is handed to the requests already
   * waiting for it, never kept, and never shared with a request that comes after the write.
   */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    readonly ttlMs: number,
    maxEntries = 1_000,
    maxBytes = 32 * 2 ** 20,
  ) {
    this.bodies = new LRUCache<string, string>({
      max: maxEntries,
      maxSize: maxBytes,
      // lru-cache wants a positive size; an empty body still takes an entry.
      sizeCalculation: (body) => Math.max(1, Buffer.byteLength(body)),
      ttl: Math.max(0, ttlMs),
      // Every age is read from the clock, none from a value lru-cache remembers for a millisecond:
      // the wall clock (as tests can move it), read at each call.
      ttlResolution: 0,
      perf: { now: () => Date.now() },
    });
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** Bodies kept now (for tests and metrics). */
  get size(): number {
    return this.bodies.size;
  }

  async get(key: string, produce: () => Promise<string>): Promise<string> {
    if (!this.enabled) return produce();
    const hit = this.bodies.get(key);
    if (hit !== undefined) return hit;
    const running = this.pending.get(key);
    if (running) return running;
    this.bodies.purgeStale();
    const body: Promise<string> = produce().then(
      (text) => {
        if (this.pending.get(key) === body) {
          this.pending.delete(key);
          this.bodies.set(key, text);
        }
        return text;
      },
      // A failure is not kept: the next request tries again.
      (err: unknown) => {
        if (this.pending.get(key) === body) this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, body);
    return body;
  }

  clear(): void {
    this.bodies.clear();
    this.pending.clear();
  }
}
