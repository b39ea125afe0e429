// One measured step: the senders send at a target rate for a while, then the step waits for late
// deliveries and reports latency, loss, order and the CPU of the server, the generator and (for the
// cluster scenario) PostgreSQL and Redis. With changes in the load (our server, --reactions,
// --edits), those shares of the requests are reactions and edits: the target counts requests, the
// latency and loss are the messages', and the `changed` events the changes caused are counted
// beside them (lost ones too: a step that lost more than the loss limit of them fails).
import { availableParallelism } from 'node:os';
import { changeShare } from '../changes.js';
import { fmt, round, sleep } from '../format.js';
import { nowUs } from '../payload.js';
import type { StepResult } from '../results.js';
import type { Context } from '../scenario-context.js';
import { serviceCpu, serviceCpuSince, type ServiceCpu } from '../services.js';
import type { Layout } from './layout.js';
import type { Session } from './session.js';

export async function measureStep(ctx: Context, session: Session, layout: Layout, targetPerSec: number, durationMs: number): Promise<StepResult> {
  const { gen, opts } = ctx;
  const epoch = ++ctx.epoch;
  await gen.arm(epoch);
  const senders = layout.senders(targetPerSec);
  const services0: ServiceCpu | null = session.launcher.services ? serviceCpu() : null;
  const w0 = await gen.workerCpuSeconds();
  const p0 = process.cpuUsage();
  const cpu0 = session.server.cpuSecondsEach();
  const mix = session.mix;
  const t0 = nowUs();
  const { messages: sentBy, reactions, edits } = await gen.send(epoch, senders, durationMs, opts.textBytes, mix);
  const sendEnd = nowUs();
  let sent = 0;
  for (const n of sentBy.values()) sent += n;
  const expected = sent * layout.receiversPerMessage;
  // A change goes to every member of the room, the sender that made it too.
  const changesExpected = (reactions + edits) * (layout.receiversPerMessage + 1);
  let last = -1;
  let lastChange = nowUs();
  for (;;) {
    const s = await gen.stats(true);
    if (s.received >= expected && s.changes >= changesExpected) break;
    const now = nowUs();
    if (s.received + s.changes !== last) {
      last = s.received + s.changes;
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
  const changesLost = Math.max(0, changesExpected - s.changes);
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
  else if (sent + reactions + edits < msgRate * durationS * 0.97) why = `generator sent only ${sent + reactions + edits} of ${Math.round(msgRate * durationS)} ${reactions + edits > 0 ? 'requests' : 'messages'}`;
  else if (expected > 0 && lost / expected > opts.lossLimit) why = `lost ${((lost / expected) * 100).toFixed(2)} %`;
  else if (changesExpected > 0 && changesLost / changesExpected > opts.lossLimit) why = `lost ${((changesLost / changesExpected) * 100).toFixed(2)} % of changes`;
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
    ...(changeShare(mix) > 0
      ? {
          changes: {
            reactionShare: mix.reactions,
            editShare: mix.edits,
            reactions,
            edits,
            expected: changesExpected,
            received: s.changes,
            editsExpected: edits * (layout.receiversPerMessage + 1),
            editsReceived: s.editChanges,
            lost: changesLost,
            perSec: Math.round(s.changes / elapsedS),
            editsPerSec: Math.round(s.editChanges / elapsedS),
          },
        }
      : {}),
    pass: why === '',
    why,
  };
}

export function logStep(ctx: Context, label: string, r: StepResult): void {
  ctx.log(
    `    ${label} ${fmt(r.targetPerSec)}/s → ${fmt(r.deliveriesPerSec)}/s p50 ${r.p50Ms} p99 ${r.p99Ms} max ${r.maxMs} ms` +
      ` lost ${r.lost} ooo ${r.outOfOrder} cpu ${r.serverCpuPer100k} s/100k; server ${r.serverCpuPct} %, generator ${r.generatorCpuPct} % (${r.workerCpuPct.join('/')})` +
      `${r.servicesCpuPct !== undefined ? `, postgres + redis ${r.servicesCpuPct} %` : ''}` +
      `${r.changes ? `; changes ${fmt(r.changes.perSec)}/s (${r.changes.reactions} reactions, ${r.changes.edits} edits) lost ${r.changes.lost}` : ''}` +
      `${r.pass ? '' : `  FAIL: ${r.why}`}`,
  );
}

/**
 * A step's reaction and edit shares, changes delivered per second (the edits' among them) and
 * changes lost, as metrics (none without changes).
 */
export function changeMetrics(r: StepResult | null | undefined, suffix = ''): Record<string, number> {
  const c = r?.changes;
  if (!c) return {};
  return {
    reactionShare: c.reactionShare,
    editShare: c.editShare,
    [`changesPerSec${suffix}`]: c.perSec,
    [`editChangesPerSec${suffix}`]: c.editsPerSec,
    [`changesLost${suffix}`]: c.lost,
  };
}

/** A fixed-rate step's numbers as a scenario's metrics. */
export function stepMetrics(r: StepResult): Record<string, number> {
  return {
    ...changeMetrics(r),
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
