// cluster: our server on SQLite, on PostgreSQL, and as two nodes on PostgreSQL + Redis.
import type { PeerName } from '../adapters.js';
import { round } from '../format.js';
import { generatorSummary } from '../measure/generator-summary.js';
import { fanoutLayout } from '../measure/layout.js';
import { searchMax, searchMetrics } from '../measure/search.js';
import { Session, type Launcher } from '../measure/session.js';
import { logStep, measureStep, stepMetrics } from '../measure/step.js';
import { ServerGroup } from '../peer-process.js';
import { CLUSTER_SETUPS, SETUP_LABELS, type SetupResult, type StepResult } from '../results.js';
import { NotApplicable, type Body, type Context } from '../scenario-context.js';
import { Scratch, unavailable } from '../services.js';
import { addCounts } from '../sums.js';

/**
 * A setup's servers, started one after the other (the first migrates the fresh schema; the next
 * finds it done), with the scratch schema's DATABASE_URL and, for a cluster, REDIS_URL and
 * REDIS_PREFIX. Each step also measures the postgres and redis-server processes' CPU.
 */
function setupLauncher(peer: PeerName, nodes: number, scratch: Scratch | null): Launcher {
  return {
    services: true,
    changes: false,
    start: () => ServerGroup.startInTurn(peer, nodes, scratch?.env() ?? {}),
  };
}

/**
 * Our server three ways, each a fresh set of processes: one node on SQLite, one on PostgreSQL, two
 * on PostgreSQL + Redis (receivers split evenly over the nodes, the sender on node 1, so half the
 * deliveries cross Redis). Each gets the fanout step, then a saturation search on the same servers.
 */
export async function cluster(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.cluster;
  const missing = await unavailable(o.databaseUrl, o.redisUrl);
  if (missing) throw new NotApplicable(missing);
  const layout = fanoutLayout(o.receivers);
  const target = o.rate * o.receivers;
  const setups: SetupResult[] = [];
  const log: string[] = [];
  const disconnects: Record<string, number> = {};
  for (const setup of CLUSTER_SETUPS) {
    const label = SETUP_LABELS[setup];
    const nodes = setup === 'cluster' ? 2 : 1;
    ctx.log(`  ${peer}: ${label}`);
    let scratch: Scratch | null = null;
    try {
      if (setup !== 'sqlite') scratch = await Scratch.create(o.databaseUrl, setup === 'cluster' ? o.redisUrl : null);
      const session = await Session.open(ctx, peer, layout.specs, ctx.opts.setupDeadlineMs, setupLauncher(peer, nodes, scratch));
      let r: StepResult;
      try {
        if (o.warmupMs > 0) await measureStep(ctx, session, layout, target, o.warmupMs);
        r = await measureStep(ctx, session, layout, target, o.durationMs);
        logStep(ctx, 'fanout', r);
      } catch (err) {
        await session.close();
        throw err;
      }
      const s = await searchMax(ctx, peer, layout, o.search, ctx.opts.setupDeadlineMs, session);
      log.push(...s.log);
      addCounts(disconnects, r.disconnects);
      addCounts(disconnects, s.disconnects);
      const metrics = {
        nodes,
        ...stepMetrics(r),
        servicesCpuPer100k: r.servicesCpuPer100k ?? null,
        ...searchMetrics(s, s.peakRssMiB),
        servicesCpuPer100kAtMax: s.best?.servicesCpuPer100k ?? null,
      };
      setups.push({ setup, label, nodes, status: 'ok', metrics, vsSqlite: {}, steps: [r, ...s.steps] });
    } catch (err) {
      const reason = (err as Error).message.replace(/\s+/g, ' ').trim();
      ctx.log(`  ${peer}: ${label}: ERROR ${reason}`);
      setups.push({ setup, label, nodes, status: 'error', reason, metrics: {}, vsSqlite: {}, steps: [] });
    } finally {
      await scratch?.drop().catch((err: Error) => {
        ctx.log(`  ${peer}: ${label}: ${err.message}`);
        log.push(`bench: ${err.message}`);
      });
    }
  }
  const metrics: Record<string, number | null> = { receivers: o.receivers, msgPerSec: o.rate };
  const base = setups.find((x) => x.setup === 'sqlite' && x.status === 'ok')?.metrics ?? {};
  for (const x of setups) {
    for (const [k, v] of Object.entries(x.metrics)) {
      metrics[`${k}@${x.setup}`] = v;
      const b = base[k];
      x.vsSqlite[k] = typeof v === 'number' && typeof b === 'number' && b > 0 ? round(v / b, 3) : null;
    }
  }
  const failed = setups.filter((x) => x.status === 'error');
  return {
    ...(failed.length ? { status: 'error' as const, reason: failed.map((x) => `${x.label}: ${x.reason}`).join('; ') } : {}),
    metrics,
    setups,
    generator: generatorSummary(setups.flatMap((x) => x.steps), null),
    serverLog: log,
    disconnects,
  };
}
