// The restart storm's clients as the main thread drives them (scenarios/storm.ts): the storm-…
// commands to every worker (storm-protocol.ts), their answers summed.
import { Histogram } from '../histogram.js';
import { addCounts, mergeConnectResults, sumFields } from '../sums.js';
import type { LoadGenerator } from '../load-generator.js';
import type { StormSpec, StormStats, StormVerdict } from '../storm-protocol.js';
import type { ConnectResult } from '../worker-protocol.js';

export interface StormCheck extends Omit<StormVerdict, 'delay'> {
  delay: Histogram;
}

/** The workers' counters that add up (the rest are maxima, or merged by room or kind). */
const STATS_SUMMED = ['clients', 'joined', 'dropped', 'rejoined', 'attempts', 'outbox', 'acked', 'storedTwice', 'moved'] as const;
const VERDICT_SUMMED = ['clients', 'lost', 'doubled', 'outOfOrder', 'beyond', 'notJoined', 'caughtUp'] as const;

export class StormClients {
  constructor(private readonly gen: LoadGenerator) {}

  /** Every client's first connect and join (`concurrency` in flight over all workers). */
  async connect(specs: StormSpec[], o: { concurrency: number; deadlineMs: number; connectTimeoutMs: number }): Promise<ConnectResult> {
    const parts = this.gen.split(specs);
    const per = Math.max(1, Math.ceil(o.concurrency / this.gen.size));
    const results = await this.gen.all<ConnectResult | null>((i) =>
      (parts[i] as StormSpec[]).length === 0
        ? null
        : { type: 'storm-connect', specs: parts[i] as StormSpec[], concurrency: per, timeoutMs: o.deadlineMs, deadlineMs: o.deadlineMs, connectTimeoutMs: o.connectTimeoutMs },
    );
    return mergeConnectResults(results);
  }

  /** The senders start (or stop) writing at their rate. */
  async sending(on: boolean, textBytes: number): Promise<void> {
    await this.gen.all(() => ({ type: 'storm-send', on, textBytes }));
  }

  async stats(): Promise<StormStats> {
    const parts = await this.gen.all<StormStats>(() => ({ type: 'storm-stats' }));
    const total: StormStats = { ...sumFields(parts, STATS_SUMMED), lastJoinUs: Math.max(0, ...parts.map((s) => s.lastJoinUs)), errors: {}, ackMax: {} };
    for (const s of parts) {
      addCounts(total.errors, s.errors);
      for (const [room, seq] of Object.entries(s.ackMax)) total.ackMax[room] = Math.max(total.ackMax[room] ?? 0, seq);
    }
    return total;
  }

  /** Every client checked against each room's last acknowledged seq (StormVerdict). */
  async check(roomMax: Record<string, number>, t0Us: number): Promise<StormCheck> {
    const parts = await this.gen.all<StormVerdict>(() => ({ type: 'storm-verify', roomMax, t0Us }));
    const total: StormCheck = {
      ...sumFields(parts, VERDICT_SUMMED),
      catchUpUs: parts.flatMap((v) => v.catchUpUs).sort((a, b) => a - b),
      delay: new Histogram(),
    };
    for (const v of parts) total.delay.merge(v.delay);
    return total;
  }

  /** Reconnect attempts, rejoins and failures by kind, per bucketMs from t0Us (all workers summed). */
  async timeline(t0Us: number, bucketMs: number): Promise<Record<string, number[]>> {
    const parts = await this.gen.all<Record<string, number[]>>(() => ({ type: 'storm-timeline', t0Us, bucketMs }));
    const total: Record<string, number[]> = {};
    for (const part of parts) {
      for (const [kind, counts] of Object.entries(part)) {
        const row = (total[kind] ??= []);
        counts.forEach((n, i) => (row[i] = (row[i] ?? 0) + n));
      }
    }
    return total;
  }

  /** Every client stops (no more reconnects) and is forgotten. */
  async close(): Promise<void> {
    await this.gen.all(() => ({ type: 'storm-close' }));
  }
}
