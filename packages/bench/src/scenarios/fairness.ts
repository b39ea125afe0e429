// The fairness scenario: can one abusive connection slow everyone else down? Our server
// runs with its shipped limits. A well-behaved guest pings at a steady pace and newcomers connect
// at a steady pace (fairness-prober.ts), first with the abuser connected and silent (the idle
// phase), then while it floods one request type per phase (fairness-abuser.ts). Each phase gets a
// fresh server: a flood's backlog must not be charged to the next phase.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PeerName } from '../adapters.js';
import { FLOODS, type AbuserData, type AbuserResult, type FromThread, type ProberData, type ProberResult, type ToThread } from '../fairness-protocol.js';
import { round } from '../format.js';
import { Histogram } from '../histogram.js';
import type { FairnessOptions } from '../options.js';
import { nowUs } from '../payload.js';
import { PeerProcess } from '../peer-process.js';
import type { FairnessPhase, GeneratorSummary } from '../results.js';
import type { Body, Context } from '../scenario-context.js';

export const PHASES = ['idle', ...FLOODS] as const;
export type Phase = (typeof PHASES)[number];

/**
 * Where the clients' connections come from (the server is always 127.0.0.1): the abuser from an
 * address of its own, the well-behaved guest and the newcomers from another, as an attacker and
 * the people it bothers would be; so a per-address limit on the abuser leaves the others alone.
 */
export const WELL_BEHAVED_ADDRESS = '127.0.0.2';
export const ABUSER_ADDRESS = '127.0.0.3';
const ROOM = 'lobby';
/** Longest connect + join (+ seed) of each thread. */
const SETUP_TIMEOUT_MS = 10_000;

/** A client thread, driven through its messages (fairness-protocol.ts). */
class ClientThread<R> {
  private inbox: FromThread<R>[] = [];
  private waiting: ((m: FromThread<R>) => void) | null = null;

  private constructor(
    private readonly name: string,
    private readonly worker: Worker,
  ) {
    worker.on('message', (m: FromThread<R>) => this.deliver(m));
    worker.on('error', (err) => this.deliver({ type: 'failed', error: `${name}: ${err.message}` }));
    worker.on('exit', (code) => this.deliver({ type: 'failed', error: `${name}: thread exited (${code})` }));
  }

  static async start<R>(name: string, script: string, data: ProberData | AbuserData): Promise<ClientThread<R>> {
    const thread = new ClientThread<R>(name, new Worker(new URL(script, import.meta.url), { workerData: data }));
    try {
      const m = await thread.next(SETUP_TIMEOUT_MS * 2);
      if (m.type !== 'ready') throw new Error(`${name}: ${m.type} before ready`);
    } catch (err) {
      await thread.terminate();
      throw err;
    }
    return thread;
  }

  post(m: ToThread): void {
    this.worker.postMessage(m);
  }

  async result(timeoutMs: number): Promise<R> {
    const m = await this.next(timeoutMs);
    if (m.type !== 'result') throw new Error(`${this.name}: ${m.type} instead of a result`);
    return m.result;
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private deliver(m: FromThread<R>): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting(m);
    else this.inbox.push(m);
  }

  private async next(timeoutMs: number): Promise<FromThread<R>> {
    const m =
      this.inbox.shift() ??
      (await new Promise<FromThread<R>>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiting = null;
          reject(new Error(`${this.name}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        this.waiting = (got) => {
          clearTimeout(timer);
          resolve(got);
        };
      }));
    if (m.type === 'failed') throw new Error(m.error);
    return m;
  }
}

function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function failedPhase(phase: Phase, reason: string): FairnessPhase {
  return {
    phase,
    status: 'error',
    reason,
    ping: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, unanswered: 0, refused: 0 },
    p99VsIdle: null,
    connect: { count: 0, p50Ms: null, maxMs: null, failed: 0, errors: {} },
    abuser: { sent: 0, answered: 0, refused: 0, otherErrors: 0, errors: {}, disconnected: false, closed: null, closedAfterMs: null },
    proberClosed: null,
    serverCpuPct: 0,
    benchCpuPct: 0,
    threadCpuPct: 0,
  };
}

/** One phase on a fresh server: both clients connect, then measure (and flood) for phaseMs. */
async function runPhase(o: FairnessOptions, phase: Phase, log: string[]): Promise<FairnessPhase> {
  const server = await PeerProcess.start('chat', {}, { shipped: true });
  const threads: Array<{ terminate(): Promise<void> }> = [];
  try {
    const common = { port: server.port, room: ROOM, setupTimeoutMs: SETUP_TIMEOUT_MS };
    const prober = await ClientThread.start<ProberResult>('well-behaved client', '../fairness-prober.js', {
      ...common,
      localAddress: WELL_BEHAVED_ADDRESS,
      pingEveryMs: o.pingEveryMs,
      connectEveryMs: o.connectEveryMs,
      drainMs: o.drainMs,
      seedMessages: o.seedMessages,
    } satisfies ProberData);
    threads.push(prober);
    const abuser = await ClientThread.start<AbuserResult>('abuser', '../fairness-abuser.js', { ...common, localAddress: ABUSER_ADDRESS, rate: o.floodRate } satisfies AbuserData);
    threads.push(abuser);

    const cpu0 = server.cpuSeconds();
    const p0 = process.cpuUsage();
    const t0 = nowUs();
    prober.post({ type: 'go', durationMs: o.phaseMs, flood: null });
    abuser.post({ type: 'go', durationMs: o.phaseMs, flood: phase === 'idle' ? null : phase });
    const probe = await prober.result(o.phaseMs + o.drainMs + 10_000);
    abuser.post({ type: 'stop' });
    const abuse = await abuser.result(10_000);
    const wallS = (nowUs() - t0) / 1e6;
    const serverCpu = server.cpuSeconds() - cpu0;
    const p1 = process.cpuUsage(p0);
    if (!server.alive) throw new Error('the server died');

    const rtt = new Histogram();
    rtt.merge(probe.rtt);
    const connectMs = [...probe.connectMs].sort((a, b) => a - b);
    const otherErrors = Object.values(abuse.errors).reduce((a, b) => a + b, 0);
    const pct = (seconds: number): number => round((seconds / wallS) * 100, 1);
    return {
      phase,
      status: 'ok',
      ping: {
        count: probe.pings,
        p50Ms: round(rtt.quantileUs(0.5) / 1000),
        p99Ms: round(rtt.quantileUs(0.99) / 1000),
        maxMs: round(rtt.maxUs / 1000),
        unanswered: probe.pingsUnanswered,
        refused: probe.pingsRefused,
      },
      p99VsIdle: null,
      connect: {
        count: probe.connects,
        p50Ms: connectMs.length ? round(median(connectMs) as number) : null,
        maxMs: connectMs.length ? round(connectMs.at(-1) as number) : null,
        failed: probe.connectsFailed,
        errors: probe.connectErrors,
      },
      abuser: {
        sent: abuse.sent,
        answered: abuse.answered,
        refused: abuse.refused,
        otherErrors,
        errors: abuse.errors,
        disconnected: abuse.closed !== null,
        closed: abuse.closed,
        closedAfterMs: abuse.closedAfterMs,
      },
      proberClosed: probe.closed,
      serverCpuPct: pct(serverCpu),
      benchCpuPct: pct((p1.user + p1.system) / 1e6),
      threadCpuPct: pct(Math.max(probe.cpuSeconds, abuse.cpuSeconds)),
    };
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
    await server.stop();
    log.push(...server.problems().map((line) => `${phase}: ${line}`));
  }
}

function describe(p: FairnessPhase): string {
  if (p.status !== 'ok') return `  ${p.phase}: ERROR ${p.reason ?? ''}`;
  const a = p.abuser;
  const abuser =
    p.phase === 'idle'
      ? 'abuser silent'
      : `abuser sent ${a.sent}, answered ${a.answered}, refused ${a.refused}, other errors ${a.otherErrors}, ${a.disconnected ? `disconnected after ${a.closedAfterMs} ms (${a.closed})` : 'not disconnected'}`;
  const ratio = p.p99VsIdle === null ? '' : ` (${p.p99VsIdle}× idle)`;
  return (
    `  ${p.phase}: ${abuser}; ping p50 ${p.ping.p50Ms} p99 ${p.ping.p99Ms}${ratio} max ${p.ping.maxMs} ms, ${p.ping.unanswered} of ${p.ping.count} unanswered;` +
    ` connect p50 ${p.connect.p50Ms ?? '–'} max ${p.connect.maxMs ?? '–'} ms, ${p.connect.failed} of ${p.connect.count} failed; server ${p.serverCpuPct} %`
  );
}

/** A phase's numbers as the scenario's metrics, `name@phase`. */
function phaseMetrics(p: FairnessPhase): Record<string, number | null> {
  const m: Record<string, number | null> = {
    pingP50Ms: p.ping.p50Ms,
    pingP99Ms: p.ping.p99Ms,
    pingMaxMs: p.ping.maxMs,
    pings: p.ping.count,
    pingsUnanswered: p.ping.unanswered,
    connects: p.connect.count,
    connectP50Ms: p.connect.p50Ms,
    connectMaxMs: p.connect.maxMs,
    connectsFailed: p.connect.failed,
    serverCpuPct: p.serverCpuPct,
  };
  if (p.phase !== 'idle') {
    Object.assign(m, {
      pingP99VsIdle: p.p99VsIdle,
      abuserSent: p.abuser.sent,
      abuserAnswered: p.abuser.answered,
      abuserRefused: p.abuser.refused,
      abuserOtherErrors: p.abuser.otherErrors,
      abuserDisconnected: p.abuser.disconnected ? 1 : 0,
    });
  }
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(m)) out[`${k}@${p.phase}`] = p.status === 'ok' ? v : null;
  return out;
}

export async function fairness(ctx: Context, _peer: PeerName): Promise<Body> {
  const o = ctx.opts.fairness;
  const phases: FairnessPhase[] = [];
  const log: string[] = [];
  for (const phase of PHASES) {
    let p: FairnessPhase;
    try {
      p = await runPhase(o, phase, log);
    } catch (err) {
      p = failedPhase(phase, (err as Error).message.replace(/\s+/g, ' ').trim());
    }
    const idle = phases[0];
    if (p.status === 'ok' && phase !== 'idle' && idle?.status === 'ok' && idle.ping.p99Ms > 0) p.p99VsIdle = round(p.ping.p99Ms / idle.ping.p99Ms, 1);
    phases.push(p);
    ctx.log(describe(p));
  }
  const metrics: Record<string, number | null> = { floodRate: o.floodRate, phaseSeconds: o.phaseMs / 1000 };
  for (const p of phases) Object.assign(metrics, phaseMetrics(p));
  const disconnects: Record<string, number> = {};
  for (const p of phases) {
    for (const [who, closed] of [['abuser', p.abuser.closed], ['well-behaved client', p.proberClosed]] as const) {
      if (closed) disconnects[`${who}: ${closed}`] = (disconnects[`${who}: ${closed}`] ?? 0) + 1;
    }
  }
  const ok = phases.filter((p) => p.status === 'ok');
  const saturated = ok.some((p) => p.benchCpuPct >= 0.9 * (availableParallelism() * 100 - p.serverCpuPct) || p.threadCpuPct >= 90);
  const generator: GeneratorSummary = {
    maxWorkerCpuPct: Math.max(0, ...ok.map((p) => p.threadCpuPct)),
    maxGeneratorCpuPct: Math.max(0, ...ok.map((p) => p.benchCpuPct)),
    saturated,
    atResult: null,
    atFirstFailure: null,
  };
  const failed = phases.filter((p) => p.status === 'error');
  return {
    ...(failed.length ? { status: 'error' as const, reason: failed.map((p) => `${p.phase}: ${p.reason}`).join('; ') } : {}),
    metrics,
    phases,
    generator,
    serverLog: log,
    disconnects,
  };
}
