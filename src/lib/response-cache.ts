/**
 * Finished response bodies for a short time, for public pages that everyone reads alike. A burst
 * of identical requests costs one database query a `ttlMs` (concurrent misses share it); at most
 * `maxEntries` bodies are kept, the oldest going first, so odd query strings cannot fill memory.
 * `clear()` empties it: the app calls it after every successful write it handles, so this
 * instance never serves what it knows to be old; other instances may, for at most `ttlMs`.
 */
export class ResponseCache {
  private readonly entries = new Map<string, { expires: number; body: Promise<string> }>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 1_000,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  async get(key: string, produce: () => Promise<string>): Promise<string> {
    if (!this.enabled) return produce();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.body;
    const body = produce();
    const entry = { expires: now + this.ttlMs, body };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // A failure is not kept: the next request tries again.
    body.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return body;
  }

  clear(): void {
    this.entries.clear();
  }
}
