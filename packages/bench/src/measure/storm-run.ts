// One setup of the restart storm (scenarios/storm.ts has what it measures and why): start the
// servers, connect every client, let the senders write, SIGTERM the server (cluster: node 2) and
// start it again on the same port and data, then watch the clients come back by themselves,
// stop writing, drain, and check every client's messages.
import type { PeerName } from '../adapters.js';
import { MiB, round, sleep } from '../format.js';
import { STORM_LABELS, type StormSetup } from '../results.js';
import { nowUs } from '../payload.js';
import { PeerProcess, ServerGroup } from '../peer-process.js';
import { SetupError, type Context } from '../scenario-context.js';
import { serviceCpu, serviceCpuSince, type Scratch } from '../services.js';
import type { StormSpec } from '../storm-protocol.js';
import { CpuPeak } from './cpu-peak.js';
import { StormClients, type StormCheck } from './storm-clients.js';

/**
 * Client i is in room i mod rooms, on node ⌊i·nodes/clients⌋ (so every room has members on every
 * node), and may move on to the other nodes in turn. Each room has one sender, writing rate/rooms
 * messages a second: room r's is its first client on node r mod nodes, so that in a cluster half
 * the senders are on the restarted node.
 */
export function stormLayout(o: { clients: number; rooms: number; rate: number }, ports: number[]): StormSpec[] {
  const nodes = ports.length;
  const specs: StormSpec[] = [];
  const sender = new Map<string, number>();
  for (let i = 0; i < o.clients; i++) {
    const node = Math.floor((i * nodes) / o.clients);
    const r = i % o.rooms;
    const room = `storm-${r}`;
    specs.push({ index: i, room, ports: [...ports.slice(node), ...ports.slice(0, node)], rate: 0, phase: 0 });
    if (!sender.has(room) && node === r % nodes) sender.set(room, i);
  }
  for (let r = 0; r < o.rooms; r++) {
    const spec = specs[sender.get(`storm-${r}`) ?? r] as StormSpec;
    spec.rate = o.rate / o.rooms;
    spec.phase = r / o.rooms;
  }
  return specs;
}

const quantileMs = (sorted: number[], q: number): number | null => (sorted.length ? round((sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number) / 1000) : null);

/** Runs one setup: its metrics (unsuffixed); what the servers printed goes to `log`, also on failure. */
export async function runStormSetup(ctx: Context, peer: PeerName, setup: StormSetup, scratch: Scratch | null, log: string[]): Promise<Record<string, number | null>> {
  const o = ctx.opts.storm;
  const say = (line: string): void => ctx.log(`  ${peer}: ${STORM_LABELS[setup]}: ${line}`);
  const nodes = setup === 'cluster' ? 2 : 1;
  const target = nodes - 1;
  const group = await ServerGroup.startInTurn(peer, nodes, scratch?.env() ?? {});
  const clients = new StormClients(ctx.gen);
  let old: PeerProcess | null = null;
  let sampler: CpuPeak | null = null;
  try {
    const specs = stormLayout(o, group.ports);
    const conn = await clients.connect(specs, { concurrency: ctx.opts.connectConcurrency, deadlineMs: ctx.opts.setupDeadlineMs, connectTimeoutMs: o.connectTimeoutMs });
    if (conn.connected < specs.length) {
      throw new SetupError(`${conn.connected} of ${specs.length} clients connected in ${(conn.elapsedMs / 1000).toFixed(1)} s (${Object.entries(conn.errors).map(([k, v]) => `${v}× ${k}`).join(', ') || 'deadline'})`);
    }
    say(`${specs.length} clients in ${o.rooms} rooms connected in ${(conn.elapsedMs / 1000).toFixed(1)} s; ${o.rate} msg/s`);
    await clients.sending(true, ctx.opts.textBytes);
    await sleep(o.warmupMs);

    old = group.nodes[target] as PeerProcess;
    const rssBefore = old.peakRssBytes();
    const survivor = nodes > 1 ? (group.nodes[0] as PeerProcess) : null;
    const survivorCpu0 = survivor?.cpuSeconds() ?? 0;
    sampler = new CpuPeak(() => group.nodes);
    const services0 = scratch ? serviceCpu() : null;
    const w0 = await ctx.gen.workerCpuSeconds();
    const p0 = process.cpuUsage();
    sampler.start();
    const t0 = nowUs();
    await old.terminate();
    const tExit = nowUs();
    const next = await old.startAgain();
    const tListen = nowUs();
    group.nodes[target] = next;
    say(`SIGTERM; exited ${JSON.stringify(old.exitStatus)} after ${((tExit - t0) / 1e6).toFixed(2)} s, listening again after ${((tListen - t0) / 1e6).toFixed(2)} s`);

    // The senders write for sendMs after the SIGTERM; then every client must be back, every send acknowledged.
    let writing = true;
    let backUs = 0;
    let s = await clients.stats();
    for (;;) {
      const now = nowUs();
      if (writing && now >= t0 + o.sendMs * 1000) {
        await clients.sending(false, ctx.opts.textBytes);
        writing = false;
      }
      s = await clients.stats();
      if (!backUs && now > tListen && s.joined === s.clients) backUs = now;
      if (!writing && s.outbox === 0 && s.joined === s.clients) break;
      if (now > t0 + o.timeoutMs * 1000) {
        if (writing) await clients.sending(false, ctx.opts.textBytes);
        say(`gave up waiting after ${o.timeoutMs / 1000} s: ${s.joined} of ${s.clients} joined, ${s.outbox} sends unacknowledged`);
        break;
      }
      await sleep(100);
    }
    // Drain: the last messages on their way to every client.
    let check: StormCheck = await clients.check(s.ackMax, t0);
    const drainEnd = Date.now() + o.drainMs;
    while ((check.lost > 0 || check.notJoined > 0) && Date.now() < drainEnd) {
      await sleep(100);
      s = await clients.stats();
      check = await clients.check(s.ackMax, t0);
    }
    sampler.stop();
    const wallS = (nowUs() - t0) / 1e6;
    const p1 = process.cpuUsage(p0);
    const w1 = await ctx.gen.workerCpuSeconds();

    const allCaughtUp = check.caughtUp === check.clients;
    const lastUs = check.catchUpUs[check.catchUpUs.length - 1] ?? 0;
    const failed = Object.values(s.errors).reduce((a, b) => a + b, 0);
    const seconds = (us: number): number => round(us / 1e6, 2);
    const metrics: Record<string, number | null> = {
      nodes,
      clients: check.clients,
      sent: s.acked,
      caughtUp: check.caughtUp,
      caughtUpSeconds: allCaughtUp ? seconds(lastUs) : null,
      caughtUpAfterListenSeconds: allCaughtUp ? seconds(lastUs - (tListen - t0)) : null,
      catchUpP50Ms: quantileMs(check.catchUpUs, 0.5),
      catchUpP99Ms: quantileMs(check.catchUpUs, 0.99),
      exitSeconds: seconds(tExit - t0),
      downSeconds: seconds(tListen - t0),
      backSeconds: backUs ? seconds(backUs - t0) : null,
      lastJoinSeconds: seconds(s.lastJoinUs - t0),
      dropped: s.dropped,
      moved: s.moved,
      reconnectAttempts: s.attempts,
      failedAttempts: failed,
      lost: check.lost,
      doubled: check.doubled,
      outOfOrder: check.outOfOrder,
      beyond: check.beyond,
      unacked: s.outbox,
      storedTwice: s.storedTwice,
      notJoined: check.notJoined,
      delayP50Ms: round(check.delay.quantileUs(0.5) / 1000),
      delayP99Ms: round(check.delay.quantileUs(0.99) / 1000),
      delayMaxMs: round(check.delay.maxUs / 1000),
      serverPeakCpuPct: round(sampler.peakPct[target] as number, 0),
      serverCpuSeconds: round(next.cpuSeconds(), 2),
      serverPeakRssMiB: round(next.peakRssBytes() / MiB, 1),
      serverPeakRssBeforeMiB: round(rssBefore / MiB, 1),
      // The load generator over the same span (SIGTERM to the check), % of one core: the whole
      // process, and its busiest worker thread (a thread near 100 % was slow to answer its clients).
      generatorCpuPct: round(((p1.user + p1.system) / 1e6 / wallS) * 100, 0),
      workerCpuPctMax: round((Math.max(0, ...w1.map((c, i) => c - (w0[i] ?? 0))) / wallS) * 100, 0),
    };
    if (survivor) {
      metrics.survivorPeakCpuPct = round(sampler.peakPct[0] as number, 0);
      metrics.survivorCpuSeconds = round(survivor.cpuSeconds() - survivorCpu0, 2);
      metrics.survivorPeakRssMiB = round(survivor.peakRssBytes() / MiB, 1);
    }
    if (services0) {
      // Every postgres and redis-server process on the machine, whoever they worked for (as cluster's).
      const used = serviceCpuSince(services0);
      metrics.postgresCpuSeconds = round(used.postgres, 2);
      metrics.redisCpuSeconds = round(used.redis, 2);
    }
    const kinds = Object.entries(s.errors).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${v}× ${k}`).join(', ');
    say(
      `${check.caughtUp} of ${check.clients} caught up, the last ${allCaughtUp ? `${seconds(lastUs)} s after the SIGTERM` : '(not all)'}; ` +
        `${s.dropped} dropped, ${s.attempts} reconnect attempts (${kinds || 'none failed'}); ${s.acked} messages acked; ` +
        `lost ${check.lost}, doubled ${check.doubled}, out of order ${check.outOfOrder}, unacked ${s.outbox}; ` +
        `server peak ${metrics.serverPeakCpuPct} % CPU, ${metrics.serverPeakRssMiB} MiB`,
    );
    // Where the time went: per second from the SIGTERM, attempts, rejoins and each kind of failure.
    const lines = await clients.timeline(t0, 1000);
    for (const [kind, counts] of Object.entries(lines).sort((a, b) => (a[0] === 'attempt' ? -1 : b[0] === 'attempt' ? 1 : a[0].localeCompare(b[0])))) {
      const line = `timeline, ${kind} per second from the SIGTERM: ${Array.from(counts, (n) => n ?? 0).join(' ')}`;
      say(line);
      log.push(`bench: ${STORM_LABELS[setup]}: ${line}`);
    }
    return metrics;
  } finally {
    sampler?.stop();
    await clients.close();
    await group.stop();
    if (old) log.push(...old.problems().map((l) => `${nodes > 1 ? `node ${nodes} ` : ''}before the restart: ${l}`));
    log.push(...group.problems().map((l) => `after: ${l}`));
  }
}
