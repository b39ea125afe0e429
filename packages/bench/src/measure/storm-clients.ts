// The restart storm's clients as the main thread drives them (scenarios/storm.ts): the storm-…
// commands to every worker (storm-protocol.ts), their answers summed.
import { Histogram } from '../histogram.js';
import type { LoadGenerator } from '../load-generator.js';
import type { StormSpec, StormStats, StormVerdict } from '../storm-protocol.js';
import type { ConnectResult } from '../worker-protocol.js';

export interface StormCheck extends Omit<StormVerdict, 'delay'> {
  delay: Histogram;
}

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
    const merged: ConnectResult = { connected: 0, failed: 0, skipped: 0, errors: {}, elapsedMs: 0 };
    for (const r of results) {
      if (!r) continue;
      merged.connected += r.connected;
      merged.failed += r.failed;
      merged.skipped += r.skipped;
      merged.elapsedMs = Math.max(merged.elapsedMs, r.elapsedMs);
      for (const [k, v] of Object.entries(r.errors)) merged.errors[k] = (merged.errors[k] ?? 0) + v;
    }
    return merged;
  }

  /** The senders start (or stop) writing at their rate. */
  async sending(on: boolean, textBytes: number): Promise<void> {
    await this.gen.all(() => ({ type: 'storm-send', on, textBytes }));
  }

  async stats(): Promise<StormStats> {
    const parts = await this.gen.all<StormStats>(() => ({ type: 'storm-stats' }));
    const total: StormStats = { clients: 0, joined: 0, dropped: 0, rejoined: 0, attempts: 0, errors: {}, outbox: 0, acked: 0, storedTwice: 0, ackMax: {}, lastJoinUs: 0, moved: 0 };
    for (const s of parts) {
      total.clients += s.clients;
      total.joined += s.joined;
      total.dropped += s.dropped;
      total.rejoined += s.rejoined;
      total.attempts += s.attempts;
      total.outbox += s.outbox;
      total.acked += s.acked;
      total.storedTwice += s.storedTwice;
      total.moved += s.moved;
      total.lastJoinUs = Math.max(total.lastJoinUs, s.lastJoinUs);
      for (const [k, v] of Object.entries(s.errors)) total.errors[k] = (total.errors[k] ?? 0) + v;
      for (const [room, seq] of Object.entries(s.ackMax)) total.ackMax[room] = Math.max(total.ackMax[room] ?? 0, seq);
    }
    return total;
  }

  /** Every client checked against each room's last acknowledged seq (StormVerdict). */
  async check(roomMax: Record<string, number>, t0Us: number): Promise<StormCheck> {
    const parts = await this.gen.all<StormVerdict>(() => ({ type: 'storm-verify', roomMax, t0Us }));
    const total: StormCheck = { clients: 0, lost: 0, doubled: 0, outOfOrder: 0, beyond: 0, notJoined: 0, caughtUp: 0, catchUpUs: [], delay: new Histogram() };
    for (const v of parts) {
      total.clients += v.clients;
      total.lost += v.lost;
      total.doubled += v.doubled;
      total.outOfOrder += v.outOfOrder;
      total.beyond += v.beyond;
      total.notJoined += v.notJoined;
      total.caughtUp += v.caughtUp;
      total.catchUpUs.push(...v.catchUpUs);
      total.delay.merge(v.delay);
    }
    total.catchUpUs.sort((a, b) => a - b);
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
