// The highest CPU use of each server process over short windows (the restart storm's peak), read
// from /proc every `everyMs`. A node restarted meanwhile is followed to its new process.
import type { PeerProcess } from '../peer-process.js';

export class CpuPeak {
  /** Per node: the highest % of one core over a window. */
  readonly peakPct: number[];
  private readonly last: Array<{ pid: number; cpu: number; at: number } | null>;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly nodes: () => PeerProcess[],
    private readonly everyMs = 250,
  ) {
    const n = nodes().length;
    this.peakPct = new Array<number>(n).fill(0);
    this.last = new Array<{ pid: number; cpu: number; at: number } | null>(n).fill(null);
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
  }

  private sample(): void {
    const at = performance.now();
    this.nodes().forEach((node, i) => {
      if (!node.alive) return void (this.last[i] = null);
      let cpu: number;
      try {
        cpu = node.cpuSeconds();
      } catch {
        return; // exited between the check and the read
      }
      const before = this.last[i];
      // A window shorter than half the period (the last sample, right after another) says little.
      if (before && before.pid === node.pid && at - before.at >= this.everyMs / 2) {
        const pct = ((cpu - before.cpu) / ((at - before.at) / 1000)) * 100;
        this.peakPct[i] = Math.max(this.peakPct[i] as number, pct);
      }
      if (!before || before.pid !== node.pid || at - before.at >= this.everyMs / 2) this.last[i] = { pid: node.pid, cpu, at };
    });
  }
}
