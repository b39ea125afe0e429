// A latency histogram with log-spaced buckets (about 2 % wide), cheap to record and to merge
// across worker threads (a plain array of counts goes through postMessage).

const PER_OCTAVE = 32;
const BUCKETS = 40 * PER_OCTAVE; // up to 2^40 µs, far beyond any run

export class Histogram {
  readonly counts: number[];
  count = 0;
  maxUs = 0;

  constructor(counts?: number[]) {
    this.counts = counts ?? new Array<number>(BUCKETS).fill(0);
  }

  record(us: number): void {
    const v = us < 0 ? 0 : us;
    const b = Math.min(BUCKETS - 1, Math.floor(Math.log2(v + 1) * PER_OCTAVE));
    this.counts[b] = (this.counts[b] as number) + 1;
    this.count++;
    if (v > this.maxUs) this.maxUs = v;
  }

  merge(other: { counts: number[]; count: number; maxUs: number }): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] ?? 0);
    this.count += other.count;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  /** The value at quantile q (0..1), in µs: the upper edge of its bucket, capped at the max seen. */
  quantileUs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b] as number;
      if (seen >= rank) return Math.min(this.maxUs, 2 ** ((b + 1) / PER_OCTAVE) - 1);
    }
    return this.maxUs;
  }

  toJSON(): { counts: number[]; count: number; maxUs: number } {
    return { counts: this.counts, count: this.count, maxUs: this.maxUs };
  }

  static empty(): Histogram {
    return new Histogram();
  }
}
