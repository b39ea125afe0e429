// resume: clients that were away come back with `since` and catch up on what they missed.
import type { ConnectSpec, PeerName } from '../adapters.js';
import { MiB, round, sleep } from '../format.js';
import { phaseSummary } from '../measure/generator-summary.js';
import { Session } from '../measure/session.js';
import { nowUs } from '../payload.js';
import type { Body, Context } from '../scenario-context.js';

export async function resume(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.resume;
  const room = 'resume';
  const specs: ConnectSpec[] = [];
  for (let i = 0; i <= o.clients; i++) specs.push({ index: i, room });
  const receivers = specs.slice(1);
  const session = await Session.open(ctx, peer, specs, ctx.opts.setupDeadlineMs);
  const { gen } = ctx;
  let body: Body;
  try {
    const epoch = ++ctx.epoch;
    await gen.arm(epoch, o.missed);
    await gen.close({ indices: receivers.map((s) => s.index), graceful: true, keep: true });
    await sleep(ctx.opts.quick ? 200 : 1000);
    // The sender writes what the others miss, and waits for its own copies: stored and delivered.
    const sent = (await gen.send(epoch, [{ index: 0, room, rate: 1000, phase: 0.5 }], o.missed, ctx.opts.textBytes)).messages.get(0) ?? 0;
    const stored = Date.now() + 10_000;
    while ((await gen.stats(true)).ownEchoes < sent && Date.now() < stored) await sleep(20);
    const cpu0 = session.server.cpuSeconds();
    const w0 = await gen.workerCpuSeconds();
    const p0 = process.cpuUsage();
    const t0 = nowUs();
    const conn = await gen.connect(peer, session.server.port, receivers, {
      concurrency: ctx.opts.connectConcurrency,
      timeoutMs: o.timeoutMs,
      deadlineMs: o.timeoutMs,
      resume: true,
      t0Us: t0,
    });
    const until = Date.now() + o.timeoutMs;
    let s = await gen.stats(true);
    while (s.caughtUp < o.clients && Date.now() < until) {
      await sleep(20);
      s = await gen.stats(true);
    }
    const wallS = (nowUs() - t0) / 1e6;
    const cpu = session.server.cpuSeconds() - cpu0;
    const p1 = process.cpuUsage(p0);
    s = await gen.stats(false);
    ctx.log(`  ${peer}: ${s.caughtUp} of ${o.clients} caught up (${sent} missed each) in ${(s.catchUp.maxUs / 1e6).toFixed(2)} s`);
    const expected = o.clients * sent;
    body = {
      metrics: {
        clients: o.clients,
        missed: sent,
        reconnected: conn.connected,
        caughtUp: s.caughtUp,
        catchUpSeconds: round(s.catchUp.maxUs / 1e6, 3),
        catchUpP50Ms: round(s.catchUp.quantileUs(0.5) / 1000),
        catchUpP99Ms: round(s.catchUp.quantileUs(0.99) / 1000),
        reconnectSeconds: round(conn.elapsedMs / 1000, 2),
        deliveries: s.received,
        lost: Math.max(0, expected - s.received),
        outOfOrder: s.outOfOrder,
        serverCpuPer100k: round(s.received > 0 ? (cpu / s.received) * 1e5 : 0, 3),
        serverPeakRssMiB: round(session.server.peakRssBytes() / MiB, 1),
      },
      generator: phaseSummary((p1.user + p1.system) / 1e6, s.workerCpuSeconds.map((c, i) => c - (w0[i] ?? 0)), cpu, wallS),
      serverLog: [],
      disconnects: s.disconnects,
    };
  } finally {
    await session.close();
  }
  body.serverLog = session.log;
  return body;
}
