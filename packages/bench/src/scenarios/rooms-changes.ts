// rooms-changes: the rooms scenario twice in one run against the same build, once plain (sends
// only) and once with a mix of reactions and edits (--reactions, --edits; 5 % + 5 % unless given),
// each on a fresh server, in alternating order from one repeat to the next: what changes to earlier
// messages cost our server, measured before and after side by side. Metrics are the rooms
// scenario's, named `…@plain` and `…@changes`, and `…@ratio` (changes ÷ plain, per run, so the
// median of repeated runs is the median of paired ratios).
import { ADAPTERS, type PeerName } from '../adapters.js';
import { describeMix, NO_CHANGES, roomsChangesMix, type ChangeMix } from '../changes.js';
import { ROOMS_HALVES, type RoomsHalf, type RoomsHalfResult } from '../results.js';
import { NotApplicable, type Body, type Context } from '../scenario-context.js';
import { addCounts } from '../sums.js';
import { rooms } from './rooms.js';

/** The metrics compared as changes ÷ plain (`…@ratio`). */
export const RATIO_METRICS = ['maxDeliveriesPerSec', 'serverCpuPer100k', 'p99Ms', 'serverCpuPer100kAtMax', 'p99MsAtMax'] as const;

/**
 * The scenario's context with the given mix in place of the options', sharing the run's epoch
 * counter (a step's epoch must never repeat one of another step's).
 */
function withMix(ctx: Context, mix: ChangeMix): Context {
  return {
    gen: ctx.gen,
    opts: { ...ctx.opts, reactions: mix.reactions, edits: mix.edits },
    get epoch() {
      return ctx.epoch;
    },
    set epoch(value: number) {
      ctx.epoch = value;
    },
    round: ctx.round,
    log: ctx.log,
  };
}

export async function roomsChanges(ctx: Context, peer: PeerName): Promise<Body> {
  if (!ADAPTERS[peer].changes) throw new NotApplicable('our server only: the others have no reactions or edits');
  const mix = roomsChangesMix(ctx.opts);
  const order: RoomsHalf[] = ctx.round % 2 ? [...ROOMS_HALVES].reverse() : [...ROOMS_HALVES];
  const bodies = new Map<RoomsHalf, Body>();
  for (const half of order) {
    ctx.log(`  ${half === 'plain' ? 'plain (sends only)' : describeMix(mix)}:`);
    bodies.set(half, await rooms(withMix(ctx, half === 'plain' ? NO_CHANGES : mix), peer));
  }
  const halves: RoomsHalfResult[] = ROOMS_HALVES.map((half) => {
    const b = bodies.get(half) as Body;
    return { half, label: half === 'plain' ? 'plain' : describeMix(mix), mix: half === 'plain' ? NO_CHANGES : mix, metrics: b.metrics, steps: b.steps ?? [] };
  });
  const metrics: Record<string, number | null> = { reactionShare: mix.reactions, editShare: mix.edits };
  for (const h of halves) for (const [k, v] of Object.entries(h.metrics)) if (k !== 'reactionShare' && k !== 'editShare') metrics[`${k}@${h.half}`] = v;
  for (const k of RATIO_METRICS) {
    const [plain, changed] = [metrics[`${k}@plain`], metrics[`${k}@changes`]];
    metrics[`${k}@ratio`] = typeof plain === 'number' && typeof changed === 'number' && plain > 0 ? Number((changed / plain).toFixed(3)) : null;
  }
  const plain = bodies.get('plain') as Body;
  const changed = bodies.get('changes') as Body;
  const disconnects: Record<string, number> = {};
  for (const b of [plain, changed]) addCounts(disconnects, b.disconnects);
  return {
    metrics,
    halves,
    // The half with changes is the one this scenario is about; the plain half's is in its steps.
    generator: changed.generator,
    serverLog: [...plain.serverLog.map((l) => `plain: ${l}`), ...changed.serverLog.map((l) => `changes: ${l}`)],
    disconnects,
  };
}
