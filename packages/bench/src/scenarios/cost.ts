// cost: the cost curve, a saturation search per room size: throughput and CPU per delivery as rooms grow.
import type { PeerName } from '../adapters.js';
import { round } from '../format.js';
import { generatorSummary } from '../measure/generator-summary.js';
import { fanoutLayout } from '../measure/layout.js';
import { searchMax } from '../measure/search.js';
import type { CostPoint, StepResult } from '../results.js';
import { SetupError, type Body, type Context } from '../scenario-context.js';
import { addCounts } from '../sums.js';

/** The step whose target is nearest `perSec` (on a log scale). */
function nearest(steps: StepResult[], perSec: number): StepResult | null {
  let best: StepResult | null = null;
  for (const st of steps) {
    if (!best || Math.abs(Math.log(st.targetPerSec / perSec)) < Math.abs(Math.log(best.targetPerSec / perSec))) best = st;
  }
  return best;
}

export async function cost(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.cost;
  const points: CostPoint[] = [];
  const log: string[] = [];
  const disconnects: Record<string, number> = {};
  for (const size of o.sizes) {
    ctx.log(`  ${peer}: room size ${size}`);
    try {
      const s = await searchMax(ctx, peer, fanoutLayout(size), o.search, o.deadlineMs);
      log.push(...s.log);
      addCounts(disconnects, s.disconnects);
      const atLoad = nearest(s.steps, o.cpuAtPerSec);
      points.push({
        size,
        status: 'ok',
        maxDeliveriesPerSec: s.best?.deliveriesPerSec ?? 0,
        p99MsAtMax: s.best?.p99Ms ?? 0,
        serverCpuPer100kAtMax: s.best?.serverCpuPer100k ?? 0,
        serverCpuPer100kAtLoad: atLoad?.serverCpuPer100k ?? 0,
        loadPerSec: atLoad?.targetPerSec ?? 0,
        connectSeconds: round(s.connectSeconds, 2),
        serverPeakRssMiB: round(s.peakRssMiB, 1),
        steps: s.steps,
      });
    } catch (err) {
      if (!(err instanceof SetupError)) throw err;
      ctx.log(`  ${peer}: room size ${size}: ${err.message}`);
      points.push({
        size,
        status: 'error',
        reason: err.message,
        maxDeliveriesPerSec: 0,
        p99MsAtMax: 0,
        serverCpuPer100kAtMax: 0,
        serverCpuPer100kAtLoad: 0,
        loadPerSec: 0,
        connectSeconds: 0,
        serverPeakRssMiB: 0,
        steps: [],
      });
    }
  }
  const metrics: Record<string, number | null> = {};
  for (const p of points) {
    metrics[`maxDeliveriesPerSec@${p.size}`] = p.status === 'ok' ? p.maxDeliveriesPerSec : null;
    metrics[`serverCpuPer100kAtMax@${p.size}`] = p.status === 'ok' ? p.serverCpuPer100kAtMax : null;
    metrics[`serverCpuPer100kAtLoad@${p.size}`] = p.status === 'ok' ? p.serverCpuPer100kAtLoad : null;
  }
  const steps = points.flatMap((p) => p.steps);
  return { metrics, points, generator: generatorSummary(steps, null), serverLog: log, disconnects };
}
