// The saturation search: the highest deliveries/s a server sustains within the step limits.
import type { PeerName } from '../adapters.js';
import { round, sleep } from '../format.js';
import type { SearchOptions } from '../options.js';
import type { StepResult } from '../results.js';
import type { Context } from '../scenario-context.js';
import { addCounts } from '../sums.js';
import type { Layout } from './layout.js';
import { Session } from './session.js';
import { logStep, measureStep, changeMetrics } from './step.js';

export interface SearchResult {
  steps: StepResult[];
  best: StepResult | null;
  peakRssMiB: number;
  log: string[];
  disconnects: Record<string, number>;
  connectSeconds: number;
}

/**
 * Raises the target deliveries/s by `factor` until a step fails (p99 over the limit, loss over the
 * limit, clients dropped, or the generator falling behind), then bisects between the last pass
 * and the first failure. A server that dropped clients or died is replaced by a fresh one.
 */
export async function searchMax(ctx: Context, peer: PeerName, layout: Layout, search: SearchOptions, deadlineMs: number, existing?: Session): Promise<SearchResult> {
  let session = existing ?? (await Session.open(ctx, peer, layout.specs, deadlineMs));
  const connectSeconds = session.connect.elapsedMs / 1000;
  const result: SearchResult = { steps: [], best: null, peakRssMiB: 0, log: [], disconnects: {}, connectSeconds };
  const retire = async (): Promise<void> => {
    await session.close();
    result.peakRssMiB = Math.max(result.peakRssMiB, session.peakRssMiB);
    result.log.push(...session.log);
  };
  try {
    if (search.warmupMs > 0) await measureStep(ctx, session, layout, search.startDeliveries, search.warmupMs);
    let broken = false;
    const step = async (target: number): Promise<boolean> => {
      if (broken) {
        await retire();
        ctx.log('    (fresh server: the last one dropped clients or died)');
        session = await Session.open(ctx, peer, layout.specs, deadlineMs, session.launcher);
        broken = false;
      }
      const r = await measureStep(ctx, session, layout, target, search.stepMs);
      logStep(ctx, 'step', r);
      result.steps.push(r);
      addCounts(result.disconnects, r.disconnects);
      if (!session.server.alive || Object.keys(r.disconnects).length > 0) broken = true;
      await sleep(200);
      return r.pass;
    };
    let pass: number | null = null;
    let fail: number | null = null;
    let target = search.startDeliveries;
    while (result.steps.length < search.maxSteps) {
      if (await step(target)) {
        pass = target;
        target *= search.factor;
      } else {
        fail = target;
        break;
      }
    }
    // The start was already too much: come down until a step passes (three tries).
    for (let tries = 0; pass === null && fail !== null && tries < 3; tries++) {
      target = fail / search.factor;
      if (await step(target)) pass = target;
      else fail = target;
    }
    for (let k = 0; k < search.bisect && pass !== null && fail !== null; k++) {
      const mid = Math.sqrt(pass * fail);
      if (await step(mid)) pass = mid;
      else fail = mid;
    }
    for (const r of result.steps) if (r.pass && (!result.best || r.deliveriesPerSec > result.best.deliveriesPerSec)) result.best = r;
  } finally {
    await retire();
  }
  return result;
}

/** A search's numbers as a scenario's metrics. */
export function searchMetrics(s: SearchResult, rssMiB: number): Record<string, number | null> {
  const at200k = s.steps.find((r) => Math.abs(r.targetPerSec - 200_000) < 1) ?? null;
  return {
    maxDeliveriesPerSec: s.best?.deliveriesPerSec ?? 0,
    p99MsAtMax: s.best?.p99Ms ?? null,
    serverCpuPer100kAtMax: s.best?.serverCpuPer100k ?? null,
    serverCpuPer100kAt200k: at200k?.serverCpuPer100k ?? null,
    steps: s.steps.length,
    serverPeakRssMiB: round(rssMiB, 1),
    ...changeMetrics(s.best, 'AtMax'),
  };
}
