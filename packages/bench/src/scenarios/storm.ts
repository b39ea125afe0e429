// storm (issue 20): the restart after a deploy. Every client is connected and joined, messages
// keep coming, and the server gets SIGTERM and starts again (same port, same data); every client
// then reconnects by itself with the web client's backoff and resumes with `since`
// (storm-client.ts), while the senders keep writing (queued while away, resent with the same id).
// Measured: how long until every client has caught up, messages lost or doubled (must be 0), and
// the server's peak CPU and memory. Once on one node (SQLite), once as two nodes on PostgreSQL +
// Redis with node 2 restarted (its clients move to node 1); that setup reports n/a without them.
//
// Caught up (docs/benchmarks.md, "Restart storm"): a client whose connection closed is caught up
// at the first moment when it is joined again (the resume's history applied) and has received
// every message written (by its sender, queued or not) before that rejoin; a client never
// disconnected counts from the SIGTERM. The headline is the last client's moment, from the
// SIGTERM and from the new server's listening; only when every client is caught up (joined,
// nothing lost) at the end.
import type { PeerName } from '../adapters.js';
import { runStormSetup } from '../measure/storm-run.js';
import { STORM_LABELS } from '../results.js';
import { NotApplicable, partsBody, type Body, type Context } from '../scenario-context.js';
import { Scratch, unavailable } from '../services.js';

export async function storm(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.storm;
  const metrics: Record<string, number | null> = { clients: o.clients, rooms: o.rooms, msgPerSec: o.rate };
  const log: string[] = [];
  const failed: string[] = [];
  const skipped: string[] = [];
  for (const setup of o.setups) {
    const label = STORM_LABELS[setup];
    let scratch: Scratch | null = null;
    try {
      if (setup === 'cluster') {
        const missing = await unavailable(ctx.opts.cluster.databaseUrl, ctx.opts.cluster.redisUrl);
        if (missing) {
          ctx.log(`  ${peer}: ${label}: n/a: ${missing}`);
          log.push(`bench: ${label}: n/a: ${missing}`);
          skipped.push(missing);
          continue;
        }
        scratch = await Scratch.create(ctx.opts.cluster.databaseUrl, ctx.opts.cluster.redisUrl);
      }
      const m = await runStormSetup(ctx, peer, setup, scratch, log);
      for (const [k, v] of Object.entries(m)) metrics[`${k}@${setup}`] = v;
    } catch (err) {
      const reason = (err as Error).message.replace(/\s+/g, ' ').trim();
      ctx.log(`  ${peer}: ${label}: ERROR ${reason}`);
      failed.push(`${label}: ${reason}`);
    } finally {
      await scratch?.drop().catch((err: Error) => {
        ctx.log(`  ${peer}: ${label}: ${err.message}`);
        log.push(`bench: ${err.message}`);
      });
    }
  }
  if (skipped.length === o.setups.length) throw new NotApplicable(skipped.join('; '));
  return partsBody(metrics, log, failed);
}
