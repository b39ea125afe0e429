// An exponential delay per key (an account name with a client address, for sign-ins): the first
// `free` failures cost nothing, then each further attempt waits `baseMs`, doubling with every
// failure up to `maxMs`. A success clears the key; a key without failures for `forgetMs` is
// forgotten. In memory, per node, like the WindowCounter beside it.

export interface FailureBackoffOptions {
  /** Failures allowed before attempts must wait (default 3). */
  free?: number;
  /** The first wait (default 5 s); each further failure doubles it. */
  baseMs?: number;
  /** The longest wait (default 15 minutes). */
  maxMs?: number;
  /** A key whose last failure is this old starts afresh (default 1 day). */
  forgetMs?: number;
  /** Keys remembered at most; beyond, the least recently used one is forgotten. */
  maxKeys?: number;
  now?: () => number;
}

interface Entry {
  /** Judged failures. */
  failures: number;
  /** Attempts begun and not yet judged; they count as failures until they are. */
  pending: number;
  /** When the last failure was judged or the last attempt began, whichever is later. */
  lastAt: number;
}

export class FailureBackoff {
  private readonly free: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly forgetMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** Map order = least recently used first. */
  private readonly entries = new Map<string, Entry>();

  constructor(options: FailureBackoffOptions = {}) {
    this.free = options.free ?? 3;
    this.baseMs = options.baseMs ?? 5000;
    this.maxMs = options.maxMs ?? 15 * 60 * 1000;
    this.forgetMs = options.forgetMs ?? 24 * 60 * 60 * 1000;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** 0 when `key` may try now; otherwise how many ms until it may. */
  retryAfterMs(key: string): number {
    const entry = this.live(key);
    if (!entry) return 0;
    const count = entry.failures + entry.pending;
    if (count < this.free) return 0;
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(count - this.free, 30));
    return Math.max(0, entry.lastAt + delay - this.now());
  }

  /** An attempt begins: it counts as a failure until judged (so parallel attempts cannot all pass). */
  begin(key: string): void {
    const entry = this.live(key) ?? { failures: 0, pending: 0, lastAt: 0 };
    entry.pending++;
    entry.lastAt = this.now();
    this.touch(key, entry);
  }

  /** The attempt failed: the wait runs from now. */
  failed(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.pending = Math.max(0, entry.pending - 1);
    entry.failures++;
    entry.lastAt = this.now();
  }

  /** The attempt could not be judged (server busy): it counts for nothing. */
  abandoned(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.pending = Math.max(0, entry.pending - 1);
    if (entry.failures === 0 && entry.pending === 0) this.entries.delete(key);
  }

  /** The attempt succeeded: the key starts afresh. */
  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Keys currently remembered (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.pending === 0 && this.now() - entry.lastAt >= this.forgetMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxKeys) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
