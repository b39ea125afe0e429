// fanout: one sender, every other client in its room receiving, at a fixed rate: latency and loss.
import type { PeerName } from '../adapters.js';
import { round } from '../format.js';
import { generatorSummary } from '../measure/generator-summary.js';
import { fanoutLayout } from '../measure/layout.js';
import { Session } from '../measure/session.js';
import { logStep, measureStep, stepMetrics } from '../measure/step.js';
import type { StepResult } from '../results.js';
import type { Body, Context } from '../scenario-context.js';

export async function fanout(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.fanout;
  const layout = fanoutLayout(o.receivers);
  const session = await Session.open(ctx, peer, layout.specs, ctx.opts.setupDeadlineMs);
  let r: StepResult;
  try {
    await measureStep(ctx, session, layout, o.rate * o.receivers, o.warmupMs);
    r = await measureStep(ctx, session, layout, o.rate * o.receivers, o.durationMs);
    logStep(ctx, 'fanout', r);
  } finally {
    await session.close();
  }
  return {
    metrics: { receivers: o.receivers, msgPerSec: o.rate, ...stepMetrics(r), serverPeakRssMiB: round(session.peakRssMiB, 1) },
    steps: [r],
    generator: generatorSummary([r], r),
    serverLog: session.log,
    disconnects: r.disconnects,
  };
}
