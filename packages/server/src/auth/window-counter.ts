// Counts events per key over a sliding window (e.g. failed logins per account in 15 minutes), in
// memory: per node, and forgotten on restart. That is enough for what it guards (guessing speed,
// sign-up floods); a cluster multiplies the limits by its node count (docs/scaling.md says so).

export interface WindowCounterOptions {
  /** Events allowed per window; the next one is refused until the oldest leaves the window. 0: no limit. */
  limit: number;
  windowMs: number;
  /** Keys remembered at most; beyond, the least recently counted key is forgotten. */
  maxKeys?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export class WindowCounter {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** key -> event times, ascending. Map order = least recently counted first. */
  private readonly events = new Map<string, number[]>();

  constructor(options: WindowCounterOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** 0 when another event is allowed for `key`; otherwise how many ms until one is. */
  retryAfterMs(key: string): number {
    if (this.limit <= 0) return 0;
    const times = this.live(key);
    if (times.length < this.limit) return 0;
    return Math.max(1, times[times.length - this.limit]! + this.windowMs - this.now());
  }

  /** Counts one event for `key`. */
  add(key: string): void {
    if (this.limit <= 0) return;
    const times = this.live(key);
    times.push(this.now());
    // Re-insert so the Map's order stays least recently counted first.
    this.events.delete(key);
    this.events.set(key, times.length > this.limit ? times.slice(-this.limit) : times);
    if (this.events.size > this.maxKeys) {
      const oldest = this.events.keys().next().value;
      if (oldest !== undefined) this.events.delete(oldest);
    }
  }

  /** Takes back the latest event of `key` (one that turned out not to count). */
  remove(key: string): void {
    const times = this.events.get(key);
    times?.pop();
    if (times?.length === 0) this.events.delete(key);
  }

  /** Forgets every event of `key`. */
  reset(key: string): void {
    this.events.delete(key);
  }

  /** Keys currently remembered (for tests). */
  get size(): number {
    return this.events.size;
  }

  private live(key: string): number[] {
    const times = this.events.get(key);
    if (!times) return [];
    const cutoff = this.now() - this.windowMs;
    let drop = 0;
    while (drop < times.length && times[drop]! <= cutoff) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length === 0) this.events.delete(key);
    return times;
  }
}

/**
 * The key for per-IP limits: an IPv4 address as is, an IPv6 address by its /64 network (one
 * customer line gets a whole /64, so a per-address limit would be no limit at all).
 */
export function ipKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (a:b::1.2.3.4) takes two groups; only the first four matter here.
  const missing = 8 - left.length - right.length;
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (g === '' ? '0' : g.replace(/^0+(?=.)/, '')))
    .join(':')}::/64`;
}
