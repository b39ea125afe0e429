// A server's resident memory sampled while something runs: VmRSS from /proc/PID/status every few
// milliseconds, keeping the highest. VmHWM (PeerProcess.peakRssBytes) is the peak since the process
// started, start-up included, so it cannot tell what one phase of a run added.
import type { PeerProcess } from '../peer-process.js';

export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  peakBytes = 0;
  samples = 0;

  constructor(
    private readonly server: PeerProcess,
    private readonly everyMs: number,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  /** Stops sampling (after one last sample); resolves with the peak in bytes. */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.peakBytes;
  }

  private sample(): void {
    const rss = this.server.rssBytes();
    this.samples++;
    if (rss > this.peakBytes) this.peakBytes = rss;
  }
}
