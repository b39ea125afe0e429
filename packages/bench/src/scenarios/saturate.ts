// saturate: the fanout layout under a saturation search: the most deliveries/s within the limits.
import type { PeerName } from '../adapters.js';
import { generatorSummary } from '../measure/generator-summary.js';
import { fanoutLayout } from '../measure/layout.js';
import { searchMax, searchMetrics } from '../measure/search.js';
import type { Body, Context } from '../scenario-context.js';

export async function saturate(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.saturate;
  const s = await searchMax(ctx, peer, fanoutLayout(o.receivers), o.search, ctx.opts.setupDeadlineMs);
  return {
    metrics: { receivers: o.receivers, ...searchMetrics(s, s.peakRssMiB) },
    steps: s.steps,
    generator: generatorSummary(s.steps, s.best),
    serverLog: s.log,
    disconnects: s.disconnects,
  };
}
