// The hand-written SVG chart of the saturate, cluster and cost-curve runs.
import type { PeerName } from '../adapters.js';
import { fmt } from '../format.js';
import type { BenchResults, ClusterSetup, StepResult } from '../results.js';

const COLORS: Record<PeerName, string> = {
  chat: '#d62728',
  'ws-broadcaster': '#1f77b4',
  'nodejs-websocket': '#2ca02c',
  socketio: '#9467bd',
};

/** The cluster scenario's searches, drawn dashed in the saturate panel. */
const SETUP_COLORS: Record<ClusterSetup, string> = {
  sqlite: '#ff7f0e',
  postgres: '#8c564b',
  cluster: '#17becf',
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Panel {
  x: number;
  y: number;
  w: number;
  h: number;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min && v <= max) ticks.push(v);
    }
  }
  return ticks;
}

function linearTicks(max: number): number[] {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) ticks.push(v);
  return ticks;
}

function axes(p: Panel, title: string, xLabel: string, yLabel: string, xTicks: [number, string][], yTicks: [number, string][]): string[] {
  const s: string[] = [];
  s.push(`<text x="${p.x + p.w / 2}" y="${p.y - 12}" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  s.push(`<rect x="${p.x}" y="${p.y}" width="${p.w}" height="${p.h}" fill="#fafafa" stroke="#999"/>`);
  for (const [px, label] of xTicks) {
    s.push(`<line x1="${px}" y1="${p.y}" x2="${px}" y2="${p.y + p.h}" stroke="#e3e3e3"/>`);
    s.push(`<text x="${px}" y="${p.y + p.h + 16}" text-anchor="middle" font-size="11">${esc(label)}</text>`);
  }
  for (const [py, label] of yTicks) {
    s.push(`<line x1="${p.x}" y1="${py}" x2="${p.x + p.w}" y2="${py}" stroke="#e3e3e3"/>`);
    s.push(`<text x="${p.x - 6}" y="${py + 4}" text-anchor="end" font-size="11">${esc(label)}</text>`);
  }
  s.push(`<text x="${p.x + p.w / 2}" y="${p.y + p.h + 34}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`);
  s.push(`<text x="${p.x - 52}" y="${p.y + p.h / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${p.x - 52} ${p.y + p.h / 2})">${esc(yLabel)}</text>`);
  return s;
}

function series(color: string, points: { x: number; y: number; hollow: boolean; tip: string }[], dashed = false): string[] {
  const s: string[] = [];
  if (points.length > 1) {
    s.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 3"' : ''} points="${points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}"/>`);
  }
  for (const p of points) {
    s.push(
      `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="4" fill="${p.hollow ? '#fff' : color}" stroke="${color}" stroke-width="2"><title>${esc(p.tip)}</title></circle>`,
    );
  }
  return s;
}

/**
 * Saturate (and the cluster scenario's searches, dashed): p99 against achieved deliveries/s per
 * step; cost curve: max sustainable and CPU per delivery by room size.
 */
export function svgChart(results: BenchResults): string {
  const W = 980;
  const H = 810;
  const s: string[] = [];
  s.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`);
  s.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  const peers = results.peers;

  // Panel 1: saturate steps, p99 (log) against achieved deliveries/s (log).
  const sat = results.results.filter((r) => r.scenario === 'saturate' && r.status === 'ok');
  // Each cluster setup's search (its first step is the fanout step, not part of the search).
  const searches = results.results
    .filter((r) => r.scenario === 'cluster')
    .flatMap((r) => r.setups ?? [])
    .filter((x) => x.status === 'ok')
    .map((x) => ({ x, steps: x.steps.slice(1) }));
  const p1: Panel = { x: 80, y: 40, w: 860, h: 300 };
  const steps = [...sat.flatMap((r) => r.steps ?? []), ...searches.flatMap((c) => c.steps)];
  const xs = steps.map((st) => Math.max(1, st.deliveriesPerSec));
  const xMin = Math.max(1, Math.min(...xs, 1e9) / 1.5);
  const xMax = Math.max(xMin * 10, Math.max(...xs, 1) * 1.3);
  const yMin = Math.max(0.1, 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...steps.map((st) => st.p99Ms), 1e9)))));
  const yMax = Math.max(1000, ...steps.map((st) => st.p99Ms * 1.5));
  const lx = (v: number): number => p1.x + ((Math.log10(Math.max(v, xMin)) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * p1.w;
  const ly = (v: number): number => p1.y + p1.h - ((Math.log10(Math.min(Math.max(v, yMin), yMax)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * p1.h;
  s.push(
    ...axes(
      p1,
      `saturate: p99 latency per step, ${(results.settings as { saturate?: { receivers?: number } }).saturate?.receivers ?? ''} receivers in one room (hollow = step failed${searches.length ? '; dashed: cluster' : ''})`,
      'deliveries/s achieved (log)',
      'p99 ms (log)',
      logTicks(xMin, xMax).map((v) => [lx(v), fmt(v)]),
      logTicks(yMin, yMax).map((v) => [ly(v), String(v)]),
    ),
  );
  const limit = Number((results.settings as { p99LimitMs?: number }).p99LimitMs ?? 100);
  s.push(`<line x1="${p1.x}" y1="${ly(limit)}" x2="${p1.x + p1.w}" y2="${ly(limit)}" stroke="#444" stroke-dasharray="6 4"/>`);
  s.push(`<text x="${p1.x + 6}" y="${ly(limit) - 5}" font-size="11" fill="#444">p99 limit ${limit} ms</text>`);
  for (const r of sat) {
    const pts = [...(r.steps ?? [])]
      .sort((a, b) => a.targetPerSec - b.targetPerSec)
      .map((st) => ({ x: lx(Math.max(1, st.deliveriesPerSec)), y: ly(st.p99Ms), hollow: !st.pass, tip: `${r.peer}: ${fmt(st.deliveriesPerSec)}/s, p99 ${st.p99Ms} ms${st.pass ? '' : `, ${st.why}`}` }));
    s.push(...series(COLORS[r.peer], pts));
  }
  const point = (label: string, st: StepResult): { x: number; y: number; hollow: boolean; tip: string } => ({
    x: lx(Math.max(1, st.deliveriesPerSec)),
    y: ly(st.p99Ms),
    hollow: !st.pass,
    tip: `${label}: ${fmt(st.deliveriesPerSec)}/s, p99 ${st.p99Ms} ms${st.pass ? '' : `, ${st.why}`}`,
  });
  for (const { x, steps: st } of searches) {
    s.push(...series(SETUP_COLORS[x.setup], [...st].sort((a, b) => a.targetPerSec - b.targetPerSec).map((p) => point(`cluster, ${x.label}`, p)), true));
  }
  // Legend with each peer's max sustainable.
  peers.forEach((peer, i) => {
    const r = sat.find((x) => x.peer === peer);
    const max = r?.metrics.maxDeliveriesPerSec;
    const x = p1.x + 10 + i * 215;
    const y = p1.y + p1.h + 58;
    s.push(`<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${COLORS[peer]}"/>`);
    s.push(`<text x="${x + 17}" y="${y + 1}" font-size="12">${esc(peer)}${typeof max === 'number' ? `: max ${fmt(max)}/s` : ''}</text>`);
  });
  searches.forEach(({ x: setup }, i) => {
    const max = setup.metrics.maxDeliveriesPerSec;
    const x = p1.x + 10 + i * 290;
    const y = p1.y + p1.h + 78;
    s.push(`<line x1="${x}" y1="${y - 3}" x2="${x + 14}" y2="${y - 3}" stroke="${SETUP_COLORS[setup.setup]}" stroke-width="3" stroke-dasharray="4 2"/>`);
    s.push(`<text x="${x + 19}" y="${y + 1}" font-size="12">${esc(`cluster, ${setup.label}`)}${typeof max === 'number' ? `: max ${fmt(max)}/s` : ''}</text>`);
  });

  // Panels 2 and 3: the cost curve.
  const cost = results.results.filter((r) => r.scenario === 'cost' && r.status === 'ok');
  const sizes = [...new Set(cost.flatMap((r) => (r.points ?? []).map((p) => p.size)))].sort((a, b) => a - b);
  const sMin = Math.min(...sizes, 10) / 1.5;
  const sMax = Math.max(...sizes, 100) * 1.5;
  const p2: Panel = { x: 80, y: 470, w: 380, h: 260 };
  const p3: Panel = { x: 560, y: 470, w: 380, h: 260 };
  const sx = (p: Panel, v: number): number => p.x + ((Math.log10(v) - Math.log10(sMin)) / (Math.log10(sMax) - Math.log10(sMin))) * p.w;
  const okPoints = cost.flatMap((r) => (r.points ?? []).filter((p) => p.status === 'ok'));
  const maxThroughput = Math.max(1000, ...okPoints.map((p) => p.maxDeliveriesPerSec)) * 1.1;
  const maxCpu = Math.max(0.1, ...okPoints.map((p) => p.serverCpuPer100kAtLoad)) * 1.1;
  const load = fmt(Number((results.settings as { cost?: { cpuAtPerSec?: number } }).cost?.cpuAtPerSec ?? 0));
  const y2 = (v: number): number => p2.y + p2.h - (v / maxThroughput) * p2.h;
  const y3 = (v: number): number => p3.y + p3.h - (v / maxCpu) * p3.h;
  s.push(
    ...axes(p2, 'cost curve: max sustainable deliveries/s', 'room size (log)', 'deliveries/s', sizes.map((v) => [sx(p2, v), String(v)]), linearTicks(maxThroughput).map((v) => [y2(v), fmt(v)])),
  );
  s.push(
    ...axes(p3, `cost curve: server CPU s per 100k deliveries at ${load}/s`, 'room size (log)', 'CPU s / 100k', sizes.map((v) => [sx(p3, v), String(v)]), linearTicks(maxCpu).map((v) => [y3(v), v.toFixed(2)])),
  );
  for (const r of cost) {
    const pts = (r.points ?? []).filter((p) => p.status === 'ok');
    s.push(...series(COLORS[r.peer], pts.map((p) => ({ x: sx(p2, p.size), y: y2(p.maxDeliveriesPerSec), hollow: false, tip: `${r.peer}, room of ${p.size}: ${fmt(p.maxDeliveriesPerSec)}/s` }))));
    s.push(
      ...series(
        COLORS[r.peer],
        pts.filter((p) => p.loadPerSec > 0).map((p) => ({ x: sx(p3, p.size), y: y3(p.serverCpuPer100kAtLoad), hollow: false, tip: `${r.peer}, room of ${p.size}: ${p.serverCpuPer100kAtLoad} s per 100k at ${fmt(p.loadPerSec)}/s` })),
      ),
    );
  }
  s.push(
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle" font-size="11" fill="#555">${esc(
      `${results.machine.nproc} cores, ${results.machine.cpuModel}, Node ${results.machine.node}; ${results.startedAt}${results.quick ? ' (quick mode: toy sizes)' : ''}`,
    )}</text>`,
  );
  s.push('</svg>');
  return s.join('\n');
}
