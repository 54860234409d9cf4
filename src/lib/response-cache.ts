/**
 * Finished response bodies for a short time, for public pages that everyone reads alike. A burst
 * of identical requests costs one database query a `ttlMs` (concurrent misses share it). Bounded
 * by entries and by bytes, the oldest going first, and expired bodies are dropped as new ones come
 * in, so odd requests cannot fill memory. `clear()` empties it: the app calls it after every
 * successful write it handles, so this instance never serves what it knows to be old; other
 * instances may, for at most `ttlMs`.
 */
export class ResponseCache {
  private readonly entries = new Map<string, { expires: number; body: Promise<string>; bytes: number }>();
  private bytes = 0;

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 1_000,
    private readonly maxBytes = 32 * 2 ** 20,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** Bodies kept now (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string, produce: () => Promise<string>): Promise<string> {
    if (!this.enabled) return produce();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.body;
    if (hit) this.remove(key);
    // Entries go in with the same TTL, so the expired ones are at the front.
    for (const [oldKey, entry] of this.entries) {
      if (entry.expires > now) break;
      this.remove(oldKey);
    }
    const body = produce();
    const entry = { expires: now + this.ttlMs, body, bytes: 0 };
    this.entries.set(key, entry);
    body.then(
      (text) => {
        if (this.entries.get(key) !== entry) return;
        entry.bytes = Buffer.byteLength(text);
        this.bytes += entry.bytes;
        this.evict();
      },
      // A failure is not kept: the next request tries again.
      () => {
        if (this.entries.get(key) === entry) this.remove(key);
      },
    );
    this.evict();
    return body;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private evict() {
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) return;
      this.remove(oldest.value);
    }
  }

  private remove(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.bytes;
    this.entries.delete(key);
  }
}
