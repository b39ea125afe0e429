// The scenarios of issue 6, issue 7's cluster and issue 13's fairness (fairness.ts). Each runs
// against one peer in a fresh server process (a saturation search opens another only if the
// server dropped clients or died), and returns numbers only. The cluster scenario's setups run one
// or two nodes on SQLite, PostgreSQL and Redis.
import { availableParallelism } from 'node:os';
import { ADAPTERS, type ConnectSpec, type PeerName } from './adapters.js';
import { fairness, type FairnessPhase } from './fairness.js';
import type { LoadGenerator } from './load-generator.js';
import type { BenchOptions, ScenarioName, SearchOptions } from './options.js';
import { nowUs } from './payload.js';
import { PeerProcess, ServerGroup } from './peer-process.js';
import { Scratch, serviceCpu, serviceCpuSince, unavailable, type ServiceCpu } from './services.js';
import type { ConnectResult, SenderSpec } from './worker-protocol.js';

export interface StepResult {
  /** Deliveries per second the step aimed at (message rate × receivers per message). */
  targetPerSec: number;
  /** Messages per second per sender. */
  msgRate: number;
  durationS: number;
  sent: number;
  expected: number;
  received: number;
  /** Not received by the end of the drain (at most drainMs after sending stopped). */
  lost: number;
  lossPct: number;
  /** Deliveries whose seq was not above the last one that receiver saw from that sender. */
  outOfOrder: number;
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpuSeconds: number;
  /** Server CPU seconds per 100,000 deliveries. */
  serverCpuPer100k: number;
  /** Each generator worker thread's CPU, % of one core, over the step. */
  workerCpuPct: number[];
  /** The whole generator process (workers, main thread, GC, I/O threads), % of one core. */
  generatorCpuPct: number;
  /** The server process (summed over a cluster's nodes), % of one core (a Node server does its work on one thread). */
  serverCpuPct: number;
  /** A server process used 90 % of a core or more: it was the bottleneck. */
  serverSaturated: boolean;
  /**
   * Cluster scenario only: every postgres and redis-server process on this machine, CPU seconds
   * over the step, per 100,000 deliveries, and % of one core.
   */
  servicesCpuSeconds?: number;
  servicesCpuPer100k?: number;
  servicesCpuPct?: number;
  /**
   * The generator used 90 % or more of the CPU the server left on this machine (or one worker
   * thread a whole core): the step measured the generator as much as the server.
   */
  generatorSaturated: boolean;
  disconnects: Record<string, number>;
  pass: boolean;
  why: string;
}

export interface CostPoint {
  size: number;
  status: 'ok' | 'error';
  reason?: string;
  maxDeliveriesPerSec: number;
  p99MsAtMax: number;
  serverCpuPer100kAtMax: number;
  /** At the step whose target was nearest costCpuAt deliveries/s: the same load for every peer. */
  serverCpuPer100kAtLoad: number;
  /** That step's target. */
  loadPerSec: number;
  connectSeconds: number;
  serverPeakRssMiB: number;
  steps: StepResult[];
}

/** One setup of the cluster scenario: the fanout step, then a saturation search on the same servers. */
export interface SetupResult {
  setup: ClusterSetup;
  label: string;
  nodes: number;
  status: 'ok' | 'error';
  reason?: string;
  /** The same numbers as the scenario's metrics `…@setup`. */
  metrics: Record<string, number | null>;
  /** This setup's value ÷ the SQLite setup's, for the metrics of the table. */
  vsSqlite: Record<string, number | null>;
  /** The fanout step first, then the search's steps. */
  steps: StepResult[];
}

export interface ScenarioResult {
  scenario: ScenarioName;
  peer: PeerName;
  status: 'ok' | 'n/a' | 'error';
  reason?: string;
  wallSeconds: number;
  /** The scenario's numbers (see docs/benchmarks.md for each); null where not measured. */
  metrics: Record<string, number | null>;
  steps?: StepResult[];
  points?: CostPoint[];
  setups?: SetupResult[];
  /** Fairness scenario: the idle phase, then one per flood. */
  phases?: FairnessPhase[];
  generator: GeneratorSummary;
  /** Lines the server printed (our server logs at warn: each one is a warning or an error). */
  serverLog: string[];
  /** Connections the server ended during measurement, by reason. */
  disconnects: Record<string, number>;
  /** Repeated (--repeat): each run's own metrics; `metrics` then holds their medians (repeat.ts). */
  runs?: Array<Record<string, number | null>>;
}

/** The load generator's CPU (% of one core) over a scenario, so a saturated generator shows. */
export interface GeneratorSummary {
  maxWorkerCpuPct: number;
  /** The whole generator process, highest over the measured steps. */
  maxGeneratorCpuPct: number;
  /** Some measured step had the generator saturated (StepResult.generatorSaturated). */
  saturated: boolean;
  /** At the step the headline number comes from (the fixed-rate step, or the max sustainable one). */
  atResult: { generatorCpuPct: number; serverCpuPct: number; generatorSaturated: boolean } | null;
  /** At the first step that failed in a saturation search: who ran out of CPU. */
  atFirstFailure: {
    generatorCpuPct: number;
    serverCpuPct: number;
    generatorSaturated: boolean;
    serverSaturated: boolean;
    /** server CPU: the server was at ~a full core; generator CPU: the server had room but the generator had none; neither: latency or I/O. */
    limit: 'server CPU' | 'generator CPU' | 'neither';
    why: string;
  } | null;
}

export interface Context {
  gen: LoadGenerator;
  opts: BenchOptions;
  epoch: number;
  log(line: string): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;
const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Number(n.toFixed(digits)) : 0);

// ---- layouts: who is in which room, and who sends -------------------------------------------

interface Layout {
  specs: ConnectSpec[];
  /** Receivers each message is meant for (its sender excluded). */
  receiversPerMessage: number;
  /** Senders producing `deliveriesPerSec` in total. */
  senders(deliveriesPerSec: number): SenderSpec[];
}

/** One room: client 0 sends, clients 1..receivers receive. */
function fanoutLayout(receivers: number, room = 'bench'): Layout {
  const specs: ConnectSpec[] = [];
  for (let i = 0; i <= receivers; i++) specs.push({ index: i, room });
  return {
    specs,
    receiversPerMessage: receivers,
    senders: (d) => [{ index: 0, room, rate: d / receivers, phase: 0 }],
  };
}

/** Rooms of roomSize; everyone sends to their own room at the same rate, phases spread. */
function roomsLayout(clients: number, roomSize: number): Layout {
  const n = Math.max(roomSize, Math.floor(clients / roomSize) * roomSize);
  const specs: ConnectSpec[] = [];
  for (let i = 0; i < n; i++) specs.push({ index: i, room: `r${Math.floor(i / roomSize)}` });
  return {
    specs,
    receiversPerMessage: roomSize - 1,
    senders: (d) => {
      const rate = d / (n * (roomSize - 1));
      return specs.map((s) => ({ index: s.index, room: s.room, rate, phase: s.index / n }));
    },
  };
}

// ---- a server with its clients connected -----------------------------------------------------

class SetupError extends Error {}

/** The scenario does not apply here (the cluster scenario without PostgreSQL or Redis). */
class NotApplicable extends Error {}

/** Starts a session's servers: one fresh process, or the cluster scenario's setups. */
interface Launcher {
  start(): Promise<ServerGroup>;
  /** Also measure the CPU of the postgres and redis-server processes in each step. */
  services: boolean;
}

const oneProcess = (peer: PeerName): Launcher => ({ start: async () => new ServerGroup([await PeerProcess.start(peer)]), services: false });

/** With several nodes: clients in contiguous blocks of the specs, so the first (the sender) is on node 1. */
function spread(specs: ConnectSpec[], ports: number[]): ConnectSpec[] {
  if (ports.length < 2) return specs;
  return specs.map((s, k) => ({ ...s, port: ports[Math.floor((k * ports.length) / specs.length)] as number }));
}

class Session {
  private constructor(
    readonly ctx: Context,
    readonly peer: PeerName,
    readonly launcher: Launcher,
    readonly server: ServerGroup,
    readonly connect: ConnectResult,
  ) {}

  static async open(ctx: Context, peer: PeerName, specs: ConnectSpec[], deadlineMs: number, launcher: Launcher = oneProcess(peer)): Promise<Session> {
    const server = await launcher.start();
    let connect: ConnectResult;
    try {
      connect = await ctx.gen.connect(peer, server.port, spread(specs, server.ports), {
        concurrency: ctx.opts.connectConcurrency,
        timeoutMs: deadlineMs,
        deadlineMs,
      });
    } catch (err) {
      await server.stop();
      await ctx.gen.close();
      throw err;
    }
    const session = new Session(ctx, peer, launcher, server, connect);
    if (connect.connected < specs.length) {
      const problems = server.problems().slice(0, 3).join(' | ');
      await session.close();
      throw new SetupError(
        `${connect.connected} of ${specs.length} clients connected in ${(connect.elapsedMs / 1000).toFixed(1)} s` +
          ` (${Object.entries(connect.errors).map(([k, v]) => `${v}× ${k}`).join(', ') || 'deadline'})${problems ? `; server: ${problems}` : ''}`,
      );
    }
    const over = server.nodes.length > 1 ? ` over ${server.nodes.length} nodes` : '';
    ctx.log(`  ${peer}: ${specs.length} clients connected${over} in ${(connect.elapsedMs / 1000).toFixed(1)} s`);
    return session;
  }

  peakRssMiB = 0;
  log: string[] = [];
  private closed = false;

  /** Records peak RSS and the server's output, stops the server, then drops the clients. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.peakRssMiB = Math.max(this.peakRssMiB, this.server.peakRssBytes() / MiB);
    await this.server.stop();
    this.log = this.server.problems();
    await this.ctx.gen.close();
  }
}

// ---- one measured step ------------------------------------------------------------------------

async function measureStep(ctx: Context, session: Session, layout: Layout, targetPerSec: number, durationMs: number): Promise<StepResult> {
  const { gen, opts } = ctx;
  const epoch = ++ctx.epoch;
  await gen.arm(epoch);
  const senders = layout.senders(targetPerSec);
  const services0: ServiceCpu | null = session.launcher.services ? serviceCpu() : null;
  const w0 = await gen.workerCpuSeconds();
  const p0 = process.cpuUsage();
  const cpu0 = session.server.cpuSecondsEach();
  const t0 = nowUs();
  const sentBy = await gen.send(epoch, senders, durationMs, opts.textBytes);
  const sendEnd = nowUs();
  let sent = 0;
  for (const n of sentBy.values()) sent += n;
  const expected = sent * layout.receiversPerMessage;
  let last = -1;
  let lastChange = nowUs();
  for (;;) {
    const s = await gen.stats(true);
    if (s.received >= expected) break;
    const now = nowUs();
    if (s.received !== last) {
      last = s.received;
      lastChange = now;
    } else if (now - lastChange > 1e6) break;
    if (now - sendEnd > opts.drainMs * 1000) break;
    if (!session.server.alive) break;
    await sleep(50);
  }
  const cpu1 = session.server.cpuSecondsEach();
  const t1 = nowUs();
  const p1 = process.cpuUsage(p0);
  const services = services0 && serviceCpuSince(services0);
  const s = await gen.stats(false);
  const wallS = (t1 - t0) / 1e6;
  const durationS = durationMs / 1000;
  const elapsedS = Math.max(durationS, (s.lastRecvUs - t0) / 1e6);
  const lost = Math.max(0, expected - s.received);
  const workerCpuPct = s.workerCpuSeconds.map((c, i) => round(((c - (w0[i] ?? 0)) / wallS) * 100, 1));
  const generatorCpuPct = round(((p1.user + p1.system) / 1e6 / wallS) * 100, 1);
  const nodeCpu = cpu1.map((c, i) => c - (cpu0[i] ?? 0));
  const serverCpu = nodeCpu.reduce((a, c) => a + c, 0);
  const serverCpuPct = round((serverCpu / wallS) * 100, 1);
  const servicesCpu = services ? services.postgres + services.redis : 0;
  const servicesCpuPct = round((servicesCpu / wallS) * 100, 1);
  const leftOver = availableParallelism() * 100 - serverCpuPct - servicesCpuPct;
  const msgRate = senders.reduce((a, x) => a + x.rate, 0);
  const p99Ms = s.hist.quantileUs(0.99) / 1000;
  const disconnectCount = Object.values(s.disconnects).reduce((a, b) => a + b, 0);
  const per100k = (cpu: number): number => round(s.received > 0 ? (cpu / s.received) * 1e5 : 0, 3);
  let why = '';
  if (!session.server.alive) why = 'server died';
  else if (disconnectCount > 0) why = `server dropped ${disconnectCount} clients`;
  else if (sent < msgRate * durationS * 0.97) why = `generator sent only ${sent} of ${Math.round(msgRate * durationS)} messages`;
  else if (expected > 0 && lost / expected > opts.lossLimit) why = `lost ${((lost / expected) * 100).toFixed(2)} %`;
  else if (p99Ms > opts.p99LimitMs) why = `p99 ${p99Ms.toFixed(0)} ms`;
  return {
    targetPerSec: Math.round(targetPerSec),
    msgRate: round(senders.length === 0 ? 0 : msgRate / senders.length, 3),
    durationS,
    sent,
    expected,
    received: s.received,
    lost,
    lossPct: round(expected > 0 ? (lost / expected) * 100 : 0, 3),
    outOfOrder: s.outOfOrder,
    deliveriesPerSec: Math.round(s.received / elapsedS),
    p50Ms: round(s.hist.quantileUs(0.5) / 1000),
    p99Ms: round(p99Ms),
    maxMs: round(s.hist.maxUs / 1000),
    serverCpuSeconds: round(serverCpu, 2),
    serverCpuPer100k: per100k(serverCpu),
    workerCpuPct,
    generatorCpuPct,
    serverCpuPct,
    serverSaturated: nodeCpu.some((c) => (c / wallS) * 100 >= 90),
    ...(services ? { servicesCpuSeconds: round(servicesCpu, 2), servicesCpuPer100k: per100k(servicesCpu), servicesCpuPct } : {}),
    generatorSaturated: generatorCpuPct >= 0.9 * leftOver || workerCpuPct.some((p) => p >= 90),
    disconnects: s.disconnects,
    pass: why === '',
    why,
  };
}

function logStep(ctx: Context, label: string, r: StepResult): void {
  ctx.log(
    `    ${label} ${fmt(r.targetPerSec)}/s → ${fmt(r.deliveriesPerSec)}/s p50 ${r.p50Ms} p99 ${r.p99Ms} max ${r.maxMs} ms` +
      ` lost ${r.lost} ooo ${r.outOfOrder} cpu ${r.serverCpuPer100k} s/100k; server ${r.serverCpuPct} %, generator ${r.generatorCpuPct} % (${r.workerCpuPct.join('/')})` +
      `${r.servicesCpuPct !== undefined ? `, postgres + redis ${r.servicesCpuPct} %` : ''}` +
      `${r.pass ? '' : `  FAIL: ${r.why}`}`,
  );
}

export function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

// ---- saturation search ------------------------------------------------------------------------

interface SearchResult {
  steps: StepResult[];
  best: StepResult | null;
  peakRssMiB: number;
  log: string[];
  disconnects: Record<string, number>;
  connectSeconds: number;
}

/**
 * Raises the target deliveries/s by `factor` until a step fails (p99 over the limit, loss over the
 * limit, clients dropped, or the generator falling behind), then bisects between the last pass
 * and the first failure. A server that dropped clients or died is replaced by a fresh one.
 */
async function searchMax(ctx: Context, peer: PeerName, layout: Layout, search: SearchOptions, deadlineMs: number, existing?: Session): Promise<SearchResult> {
  let session = existing ?? (await Session.open(ctx, peer, layout.specs, deadlineMs));
  const connectSeconds = session.connect.elapsedMs / 1000;
  const result: SearchResult = { steps: [], best: null, peakRssMiB: 0, log: [], disconnects: {}, connectSeconds };
  const retire = async (): Promise<void> => {
    await session.close();
    result.peakRssMiB = Math.max(result.peakRssMiB, session.peakRssMiB);
    result.log.push(...session.log);
  };
  try {
    if (search.warmupMs > 0) await measureStep(ctx, session, layout, search.startDeliveries, search.warmupMs);
    let broken = false;
    const step = async (target: number): Promise<boolean> => {
      if (broken) {
        await retire();
        ctx.log('    (fresh server: the last one dropped clients or died)');
        session = await Session.open(ctx, peer, layout.specs, deadlineMs, session.launcher);
        broken = false;
      }
      const r = await measureStep(ctx, session, layout, target, search.stepMs);
      logStep(ctx, 'step', r);
      result.steps.push(r);
      for (const [k, v] of Object.entries(r.disconnects)) result.disconnects[k] = (result.disconnects[k] ?? 0) + v;
      if (!session.server.alive || Object.keys(r.disconnects).length > 0) broken = true;
      await sleep(200);
      return r.pass;
    };
    let pass: number | null = null;
    let fail: number | null = null;
    let target = search.startDeliveries;
    while (result.steps.length < search.maxSteps) {
      if (await step(target)) {
        pass = target;
        target *= search.factor;
      } else {
        fail = target;
        break;
      }
    }
    // The start was already too much: come down until a step passes (three tries).
    for (let tries = 0; pass === null && fail !== null && tries < 3; tries++) {
      target = fail / search.factor;
      if (await step(target)) pass = target;
      else fail = target;
    }
    for (let k = 0; k < search.bisect && pass !== null && fail !== null; k++) {
      const mid = Math.sqrt(pass * fail);
      if (await step(mid)) pass = mid;
      else fail = mid;
    }
    for (const r of result.steps) if (r.pass && (!result.best || r.deliveriesPerSec > result.best.deliveriesPerSec)) result.best = r;
  } finally {
    await retire();
  }
  return result;
}

// ---- the scenarios ----------------------------------------------------------------------------

function generatorSummary(steps: StepResult[], result: StepResult | null): GeneratorSummary {
  const failure = steps.find((s) => !s.pass) ?? null;
  return {
    maxWorkerCpuPct: Math.max(0, ...steps.flatMap((s) => s.workerCpuPct)),
    maxGeneratorCpuPct: Math.max(0, ...steps.map((s) => s.generatorCpuPct)),
    saturated: steps.some((s) => s.generatorSaturated),
    atResult: result && { generatorCpuPct: result.generatorCpuPct, serverCpuPct: result.serverCpuPct, generatorSaturated: result.generatorSaturated },
    atFirstFailure: failure && {
      generatorCpuPct: failure.generatorCpuPct,
      serverCpuPct: failure.serverCpuPct,
      generatorSaturated: failure.generatorSaturated,
      serverSaturated: failure.serverSaturated,
      limit: failure.serverSaturated ? 'server CPU' : failure.generatorSaturated ? 'generator CPU' : 'neither',
      why: failure.why,
    },
  };
}

/** For a phase without steps (connecting): the generator's and the server's CPU over it. */
function phaseSummary(generatorCpuS: number, workerCpuS: number[], serverCpuS: number, wallS: number): GeneratorSummary {
  const pct = (c: number): number => round((c / Math.max(wallS, 0.001)) * 100, 1);
  const generatorCpuPct = pct(generatorCpuS);
  const serverCpuPct = pct(serverCpuS);
  const generatorSaturated = generatorCpuPct >= 0.9 * (availableParallelism() * 100 - serverCpuPct);
  return {
    maxWorkerCpuPct: Math.max(0, ...workerCpuS.map(pct)),
    maxGeneratorCpuPct: generatorCpuPct,
    saturated: generatorSaturated,
    atResult: { generatorCpuPct, serverCpuPct, generatorSaturated },
    atFirstFailure: null,
  };
}

function stepMetrics(r: StepResult): Record<string, number> {
  return {
    deliveriesPerSec: r.deliveriesPerSec,
    expectedPerSec: r.targetPerSec,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    maxMs: r.maxMs,
    lost: r.lost,
    outOfOrder: r.outOfOrder,
    serverCpuPer100k: r.serverCpuPer100k,
  };
}

export type Body = Omit<ScenarioResult, 'scenario' | 'peer' | 'status' | 'wallSeconds'> & { status?: 'error' };

async function fanout(ctx: Context, peer: PeerName): Promise<Body> {
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

function searchMetrics(s: SearchResult, rssMiB: number): Record<string, number | null> {
  const at200k = s.steps.find((r) => Math.abs(r.targetPerSec - 200_000) < 1) ?? null;
  return {
    maxDeliveriesPerSec: s.best?.deliveriesPerSec ?? 0,
    p99MsAtMax: s.best?.p99Ms ?? null,
    serverCpuPer100kAtMax: s.best?.serverCpuPer100k ?? null,
    serverCpuPer100kAt200k: at200k?.serverCpuPer100k ?? null,
    steps: s.steps.length,
    serverPeakRssMiB: round(rssMiB, 1),
  };
}

async function saturate(ctx: Context, peer: PeerName): Promise<Body> {
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

async function rooms(ctx: Context, peer: PeerName): Promise<Body> {
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

async function idle(ctx: Context, peer: PeerName): Promise<Body> {
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

async function resume(ctx: Context, peer: PeerName): Promise<Body> {
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
    const sent = (await gen.send(epoch, [{ index: 0, room, rate: 1000, phase: 0.5 }], o.missed, ctx.opts.textBytes)).get(0) ?? 0;
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

/** The step whose target is nearest `perSec` (on a log scale). */
function nearest(steps: StepResult[], perSec: number): StepResult | null {
  let best: StepResult | null = null;
  for (const st of steps) {
    if (!best || Math.abs(Math.log(st.targetPerSec / perSec)) < Math.abs(Math.log(best.targetPerSec / perSec))) best = st;
  }
  return best;
}

async function cost(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.cost;
  const points: CostPoint[] = [];
  const log: string[] = [];
  const disconnects: Record<string, number> = {};
  for (const size of o.sizes) {
    ctx.log(`  ${peer}: room size ${size}`);
    try {
      const s = await searchMax(ctx, peer, fanoutLayout(size), o.search, o.deadlineMs);
      log.push(...s.log);
      for (const [k, v] of Object.entries(s.disconnects)) disconnects[k] = (disconnects[k] ?? 0) + v;
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

// ---- cluster (issue 7) -------------------------------------------------------------------------

export const CLUSTER_SETUPS = ['sqlite', 'postgres', 'cluster'] as const;
export type ClusterSetup = (typeof CLUSTER_SETUPS)[number];
export const SETUP_LABELS: Record<ClusterSetup, string> = {
  sqlite: '1 node, SQLite',
  postgres: '1 node, PostgreSQL',
  cluster: '2 nodes, PostgreSQL + Redis',
};

/**
 * A setup's servers, started one after the other (the first migrates the fresh schema; the next
 * finds it done), with the scratch schema's DATABASE_URL and, for a cluster, REDIS_URL and
 * REDIS_PREFIX. Each step also measures the postgres and redis-server processes' CPU.
 */
function setupLauncher(peer: PeerName, nodes: number, scratch: Scratch | null): Launcher {
  return {
    services: true,
    async start() {
      const started: PeerProcess[] = [];
      try {
        for (let i = 0; i < nodes; i++) started.push(await PeerProcess.start(peer, scratch?.env() ?? {}));
      } catch (err) {
        await Promise.all(started.map((p) => p.stop()));
        throw err;
      }
      return new ServerGroup(started);
    },
  };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/**
 * Our server three ways, each a fresh set of processes: one node on SQLite, one on PostgreSQL, two
 * on PostgreSQL + Redis (receivers split evenly over the nodes, the sender on node 1, so half the
 * deliveries cross Redis). Each gets the fanout step, then a saturation search on the same servers.
 */
async function cluster(ctx: Context, peer: PeerName): Promise<Body> {
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

const RUNNERS: Record<ScenarioName, (ctx: Context, peer: PeerName) => Promise<Body>> = { fanout, saturate, rooms, idle, resume, cost, cluster, fairness };

/** Why a scenario does not apply to a peer, or null. */
export function notApplicable(scenario: ScenarioName, peer: PeerName): string | null {
  const adapter = ADAPTERS[peer];
  if (scenario === 'rooms' && !adapter.rooms) return 'no rooms: the tutorial broadcaster sends every message to every client';
  if (scenario === 'resume' && !adapter.history) return 'no history: a client that reconnects cannot get what it missed';
  if (scenario === 'cluster' && peer !== 'chat') return 'our server only: what running it as a cluster costs and buys';
  if (scenario === 'fairness' && peer !== 'chat') return 'our server only: what its limits leave one abusive connection';
  return null;
}

export async function runScenario(ctx: Context, scenario: ScenarioName, peer: PeerName): Promise<ScenarioResult> {
  const started = Date.now();
  const base = { scenario, peer, metrics: {}, generator: generatorSummary([], null), serverLog: [], disconnects: {} };
  const na = notApplicable(scenario, peer);
  if (na) return { ...base, status: 'n/a', reason: na, wallSeconds: 0 };
  ctx.log(`${scenario} × ${peer}`);
  try {
    const body = await RUNNERS[scenario](ctx, peer);
    return { scenario, peer, status: 'ok', wallSeconds: round((Date.now() - started) / 1000, 1), ...body };
  } catch (err) {
    if (err instanceof NotApplicable) {
      ctx.log(`  ${peer}: n/a: ${err.message}`);
      return { ...base, status: 'n/a', reason: err.message, wallSeconds: round((Date.now() - started) / 1000, 1) };
    }
    ctx.log(`  ${peer}: ERROR ${(err as Error).message}`);
    return { ...base, status: 'error', reason: (err as Error).message, wallSeconds: round((Date.now() - started) / 1000, 1) };
  }
}
