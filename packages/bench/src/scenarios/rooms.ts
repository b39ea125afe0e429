// rooms: many small rooms, everyone sending to their own at a fixed rate, then a saturation search
// on the same server and clients.
import type { PeerName } from '../adapters.js';
import { generatorSummary } from '../measure/generator-summary.js';
import { roomsLayout } from '../measure/layout.js';
import { searchMax, searchMetrics } from '../measure/search.js';
import { Session } from '../measure/session.js';
import { logStep, measureStep, stepMetrics } from '../measure/step.js';
import type { StepResult } from '../results.js';
import type { Body, Context } from '../scenario-context.js';

export async function rooms(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.rooms;
  const layout = roomsLayout(o.clients, o.roomSize);
  const clients = layout.specs.length;
  const target = clients * o.rate * (o.roomSize - 1);
  const session = await Session.open(ctx, peer, layout.specs, ctx.opts.setupDeadlineMs);
  let r: StepResult;
  try {
    await measureStep(ctx, session, layout, target, o.warmupMs);
    r = await measureStep(ctx, session, layout, target, o.durationMs);
    logStep(ctx, 'rooms', r);
  } catch (err) {
    await session.close();
    throw err;
  }
  // The saturate variant goes on with the same server and clients.
  const s = await searchMax(ctx, peer, layout, { ...o.search }, ctx.opts.setupDeadlineMs, session);
  const steps = [r, ...s.steps];
  return {
    metrics: { clients, roomSize: o.roomSize, msgPerSecPerClient: o.rate, ...stepMetrics(r), ...searchMetrics(s, s.peakRssMiB) },
    steps,
    generator: generatorSummary(steps, s.best),
    serverLog: s.log,
    disconnects: { ...r.disconnects, ...s.disconnects },
  };
}
