// idle: many connections that only connect and join: how fast they come in and the memory each costs.
import type { ConnectSpec, PeerName } from '../adapters.js';
import { MiB, round, sleep } from '../format.js';
import { phaseSummary } from '../measure/generator-summary.js';
import { PeerProcess } from '../peer-process.js';
import type { ConnectResult } from '../worker-protocol.js';
import type { Body, Context } from '../scenario-context.js';

/** The RSS of the server with no connection, after a full GC: the median of three fresh processes. */
async function collectedBaseRss(peer: PeerName): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    const server = await PeerProcess.start(peer, {}, { inspect: true });
    try {
      await sleep(300);
      await server.collectGarbage();
      readings.push(server.rssBytes());
    } finally {
      await server.stop();
    }
  }
  return readings.sort((a, b) => a - b)[1] as number;
}

export async function idle(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.idle;
  const specs: ConnectSpec[] = [];
  for (let i = 1; i <= o.connections; i++) specs.push({ index: i, room: 'idle' });
  // Memory is read after a full garbage collection (collectGarbage, through the inspector), so
  // that neither start-up garbage nor the connect phase's counts, and a server whose heap happened
  // to shrink is not favoured. The empty server's reading comes from fresh processes: an inspector
  // session opened before the timed connect phase slowed our server's connects by about 10 %.
  const baseRss = await collectedBaseRss(peer);
  const server = await PeerProcess.start(peer, {}, { inspect: true });
  let conn: ConnectResult;
  let rss = 0;
  let peak = 0;
  let cpu = 0;
  let w0: number[] = [];
  let w1: number[] = [];
  let genCpu = 0;
  try {
    await sleep(300);
    w0 = await ctx.gen.workerCpuSeconds();
    const p0 = process.cpuUsage();
    const cpu0 = server.cpuSeconds();
    conn = await ctx.gen.connect(peer, server.port, specs, {
      concurrency: ctx.opts.connectConcurrency,
      timeoutMs: o.deadlineMs,
      deadlineMs: o.deadlineMs,
    });
    cpu = server.cpuSeconds() - cpu0;
    const p1 = process.cpuUsage(p0);
    genCpu = (p1.user + p1.system) / 1e6;
    w1 = await ctx.gen.workerCpuSeconds();
    ctx.log(`  ${peer}: ${conn.connected} of ${o.connections} connected in ${(conn.elapsedMs / 1000).toFixed(1)} s`);
    await sleep(o.settleMs);
    await server.collectGarbage();
    rss = server.rssBytes();
    peak = server.peakRssBytes();
  } finally {
    await server.stop();
    await ctx.gen.close();
  }
  const connectS = conn.elapsedMs / 1000;
  return {
    metrics: {
      connections: o.connections,
      connected: conn.connected,
      connectSeconds: round(connectS, 2),
      connectsPerSec: Math.round(conn.connected / Math.max(connectS, 0.001)),
      serverCpuSecondsToConnect: round(cpu, 2),
      // The generator shares the machine's cores with the server: on two cores the connect time is
      // about (server + generator CPU) / 2, and the generator's part depends on what the protocol
      // sends each client (our welcome, joined and presence against the broadcaster's nothing).
      generatorCpuSecondsToConnect: round(genCpu, 2),
      baseRssMiB: round(baseRss / MiB, 1),
      rssMiB: round(rss / MiB, 1),
      rssPerConnKiB: round(conn.connected > 0 ? (rss - baseRss) / 1024 / conn.connected : 0, 2),
      serverPeakRssMiB: round(peak / MiB, 1),
    },
    generator: phaseSummary(genCpu, w1.map((c, i) => c - (w0[i] ?? 0)), cpu, connectS),
    serverLog: server.problems(),
    disconnects: {},
    ...(conn.connected < o.connections
      ? { reason: `${conn.connected} of ${o.connections} connected before the ${o.deadlineMs / 1000} s deadline` }
      : {}),
  };
}
