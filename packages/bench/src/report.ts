// What a run writes: the markdown table with ratios (chat / peer; for the cluster scenario, each
// setup / SQLite; for fairness, each flood / idle), the hand-written SVG chart of the saturate,
// cluster and cost-curve runs, and the generated part of docs/benchmarks.md.
import { existsSync, readFileSync } from 'node:fs';
import type { PeerName } from './adapters.js';
import type { BenchOptions, ScenarioName } from './options.js';
import type { Machine } from './proc.js';
import { SPREAD } from './repeat.js';
import { FLOODS } from './fairness-protocol.js';
import { ABUSER_ADDRESS, WELL_BEHAVED_ADDRESS, type FairnessPhase } from './fairness.js';
import { CLUSTER_SETUPS, fmt, SETUP_LABELS, type ClusterSetup, type ScenarioResult, type StepResult } from './scenarios.js';

export interface BenchResults {
  tool: '@chat/bench';
  version: 1;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  machine: Machine;
  /** The git commit measured; dirty: packages/server or packages/protocol had uncommitted changes. */
  source: { commit: string; dirty: boolean };
  /** How this run was started. */
  command: string;
  settings: Record<string, unknown>;
  scenarios: ScenarioName[];
  peers: PeerName[];
  results: ScenarioResult[];
  /** ratios[scenario][metric][peer] = chat's value / the peer's value. */
  ratios: Record<string, Record<string, Partial<Record<PeerName, number | null>>>>;
}

interface Row {
  scenario: ScenarioName;
  metric: string;
  label: string;
  better: 'higher' | 'lower' | '';
  unit?: (v: number) => string;
  /** Cluster and fairness rows: chat's value is also shown ÷ this metric's, named baseLabel. */
  base?: string;
  baseLabel?: string;
}

/** Scenarios that compare our server with itself (SetupResult.vsSqlite, FairnessPhase.p99VsIdle), not with the peers. */
const SELF_COMPARED: readonly ScenarioName[] = ['cluster', 'fairness'];

export function rowsFor(opts: Pick<BenchOptions, 'fanout' | 'saturate' | 'rooms' | 'idle' | 'resume' | 'cost'> & Partial<Pick<BenchOptions, 'cluster'>>): Row[] {
  const ms = (v: number): string => `${v} ms`;
  const per = (v: number): string => `${fmt(v)}/s`;
  const s = (v: number): string => `${v} s`;
  const mib = (v: number): string => `${v} MiB`;
  const kib = (v: number): string => `${v} KiB`;
  const rows: Row[] = [
    { scenario: 'fanout', metric: 'deliveriesPerSec', label: `deliveries/s (expected ${fmt(opts.fanout.rate * opts.fanout.receivers)}/s)`, better: 'higher', unit: per },
    { scenario: 'fanout', metric: 'p50Ms', label: 'latency p50', better: 'lower', unit: ms },
    { scenario: 'fanout', metric: 'p99Ms', label: 'latency p99', better: 'lower', unit: ms },
    { scenario: 'fanout', metric: 'maxMs', label: 'latency max', better: 'lower', unit: ms },
    { scenario: 'fanout', metric: 'lost', label: 'lost / out of order', better: '' },
    { scenario: 'fanout', metric: 'serverCpuPer100k', label: 'server CPU s per 100k deliveries', better: 'lower', unit: s },
    { scenario: 'fanout', metric: 'serverPeakRssMiB', label: 'server peak RSS', better: 'lower', unit: mib },
    { scenario: 'saturate', metric: 'maxDeliveriesPerSec', label: 'max sustainable deliveries/s', better: 'higher', unit: per },
    { scenario: 'saturate', metric: 'serverCpuPer100kAt200k', label: 'server CPU s per 100k deliveries at 200k/s', better: 'lower', unit: s },
    { scenario: 'saturate', metric: 'serverCpuPer100kAtMax', label: 'server CPU s per 100k deliveries at max', better: 'lower', unit: s },
    { scenario: 'saturate', metric: 'serverPeakRssMiB', label: 'server peak RSS', better: 'lower', unit: mib },
    { scenario: 'rooms', metric: 'p99Ms', label: `latency p99 at ${opts.rooms.rate} msg/s each`, better: 'lower', unit: ms },
    { scenario: 'rooms', metric: 'lost', label: 'lost / out of order', better: '' },
    { scenario: 'rooms', metric: 'serverCpuPer100k', label: 'server CPU s per 100k deliveries', better: 'lower', unit: s },
    { scenario: 'rooms', metric: 'maxDeliveriesPerSec', label: 'max sustainable deliveries/s', better: 'higher', unit: per },
    { scenario: 'rooms', metric: 'serverPeakRssMiB', label: 'server peak RSS', better: 'lower', unit: mib },
    { scenario: 'idle', metric: 'rssPerConnKiB', label: 'server RSS per idle connection', better: 'lower', unit: kib },
    { scenario: 'idle', metric: 'connectSeconds', label: `${opts.idle.connections} connects + joins`, better: 'lower', unit: s },
    { scenario: 'idle', metric: 'connectsPerSec', label: 'connect + join rate', better: 'higher', unit: per },
    { scenario: 'resume', metric: 'catchUpSeconds', label: `${opts.resume.clients} × ${opts.resume.missed} missed: all caught up`, better: 'lower', unit: s },
    { scenario: 'resume', metric: 'catchUpP99Ms', label: 'per-client catch-up p99', better: 'lower', unit: ms },
    { scenario: 'resume', metric: 'lost', label: 'lost / out of order', better: '' },
  ];
  for (const size of opts.cost.sizes) {
    rows.push({ scenario: 'cost', metric: `maxDeliveriesPerSec@${size}`, label: `max sustainable deliveries/s, room of ${size}`, better: 'higher', unit: per });
  }
  for (const size of opts.cost.sizes) {
    rows.push({ scenario: 'cost', metric: `serverCpuPer100kAtLoad@${size}`, label: `server CPU s per 100k at ${fmt(opts.cost.cpuAtPerSec)}/s, room of ${size}`, better: 'lower', unit: s });
  }
  const c = opts.cluster;
  if (c) {
    const metrics: Array<Pick<Row, 'metric' | 'label' | 'better' | 'unit'>> = [
      { metric: 'deliveriesPerSec', label: `deliveries/s (expected ${fmt(c.rate * c.receivers)}/s)`, better: 'higher', unit: per },
      { metric: 'p50Ms', label: 'latency p50', better: 'lower', unit: ms },
      { metric: 'p99Ms', label: 'latency p99', better: 'lower', unit: ms },
      { metric: 'lost', label: 'lost / out of order', better: '' },
      { metric: 'serverCpuPer100k', label: 'server CPU s per 100k deliveries', better: 'lower', unit: s },
      { metric: 'servicesCpuPer100k', label: 'PostgreSQL + Redis CPU s per 100k deliveries', better: 'lower', unit: s },
      { metric: 'maxDeliveriesPerSec', label: 'max sustainable deliveries/s', better: 'higher', unit: per },
      { metric: 'serverPeakRssMiB', label: 'server peak RSS', better: 'lower', unit: mib },
    ];
    for (const m of metrics) {
      for (const setup of CLUSTER_SETUPS) {
        if (m.metric === 'servicesCpuPer100k' && setup === 'sqlite') continue;
        const base = setup !== 'sqlite' && m.better && m.metric !== 'servicesCpuPer100k' ? { base: `${m.metric}@sqlite`, baseLabel: 'SQLite' } : {};
        rows.push({ scenario: 'cluster', ...m, metric: `${m.metric}@${setup}`, label: `${SETUP_LABELS[setup]}: ${m.label}`, ...base });
      }
    }
  }
  rows.push(
    { scenario: 'fairness', metric: 'pingP99Ms@idle', label: 'ping p99, abuser silent', better: 'lower', unit: ms },
    { scenario: 'fairness', metric: 'connectMaxMs@idle', label: 'newcomer to welcome, slowest, abuser silent', better: 'lower', unit: ms },
  );
  for (const flood of FLOODS) {
    rows.push(
      { scenario: 'fairness', metric: `pingP99Ms@${flood}`, label: `ping p99 during a \`${flood}\` flood`, better: 'lower', unit: ms, base: 'pingP99Ms@idle', baseLabel: 'idle' },
      { scenario: 'fairness', metric: `connectMaxMs@${flood}`, label: `newcomer to welcome, slowest, \`${flood}\` flood`, better: 'lower', unit: ms, base: 'connectMaxMs@idle', baseLabel: 'idle' },
    );
  }
  return rows;
}

function find(results: ScenarioResult[], scenario: ScenarioName, peer: PeerName): ScenarioResult | undefined {
  return results.find((r) => r.scenario === scenario && r.peer === peer);
}

export function computeRatios(results: ScenarioResult[], rows: Row[], peers: PeerName[]): BenchResults['ratios'] {
  const ratios: BenchResults['ratios'] = {};
  for (const row of rows) {
    if (!row.better || SELF_COMPARED.includes(row.scenario)) continue;
    const chat = find(results, row.scenario, 'chat');
    const mine = chat?.status === 'ok' ? chat.metrics[row.metric] : null;
    const byPeer: Partial<Record<PeerName, number | null>> = {};
    for (const peer of peers) {
      if (peer === 'chat') continue;
      const other = find(results, row.scenario, peer);
      const theirs = other?.status === 'ok' ? other.metrics[row.metric] : null;
      byPeer[peer] = typeof mine === 'number' && typeof theirs === 'number' && theirs > 0 ? Number((mine / theirs).toFixed(3)) : null;
    }
    (ratios[row.scenario] ??= {})[row.metric] = byPeer;
  }
  return ratios;
}

function cell(r: ScenarioResult | undefined, row: Row): string {
  if (!r) return '–';
  if (r.status === 'n/a') return 'n/a';
  if (r.status === 'error' && typeof r.metrics[row.metric] !== 'number') return 'error';
  if (row.metric === 'lost' || row.metric.startsWith('lost@')) {
    return `${r.metrics[row.metric] ?? '–'} / ${r.metrics[row.metric.replace('lost', 'outOfOrder')] ?? '–'}`;
  }
  const v = r.metrics[row.metric];
  if (v === null || v === undefined) return '–';
  return row.unit ? row.unit(v) : String(v);
}

/** The summary table: one row per metric, chat's value, then each peer's value and chat / peer. */
export function markdownTable(results: BenchResults): string {
  const rows = rowsFor(results.settings as unknown as BenchOptions).filter((r) => results.scenarios.includes(r.scenario));
  const peers = results.peers;
  const head = `| scenario | metric | better | ${peers.join(' | ')} |\n| --- | --- | --- | ${peers.map(() => '---').join(' | ')} |`;
  const lines = rows.map((row) => {
    const cells = peers.map((peer) => {
      const r = find(results.results, row.scenario, peer);
      const text = cell(r, row);
      if (peer === 'chat' && row.base) {
        const [v, b] = [r?.metrics[row.metric], r?.metrics[row.base]];
        return typeof v === 'number' && typeof b === 'number' && b > 0 ? `**${text}** (${(v / b).toFixed(2)}× ${row.baseLabel ?? ''})` : `**${text}**`;
      }
      if (peer === 'chat' || !row.better) return peer === 'chat' ? `**${text}**` : text;
      const ratio = results.ratios[row.scenario]?.[row.metric]?.[peer];
      return typeof ratio === 'number' ? `${text} (chat ${ratio.toFixed(2)}×)` : text;
    });
    const repeated = Math.max(...peers.map((peer) => find(results.results, row.scenario, peer)?.runs?.length ?? 1));
    const scenario = repeated > 1 ? `${row.scenario} (median of ${repeated})` : row.scenario;
    return `| ${scenario} | ${row.label} | ${row.better || ' '} | ${cells.join(' | ')} |`;
  });
  return [head, ...lines].join('\n');
}

export function generatorTable(results: BenchResults): string {
  const lines = [
    '| scenario | peer | generator at the result | server at the result | first failing step: generator / server | generator, highest step | generator saturated in a step |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const pct = (v: number | undefined): string => (v === undefined ? '–' : `${v} %`);
  for (const r of results.results) {
    if (r.status !== 'ok') continue;
    const g = r.generator;
    const f = g.atFirstFailure;
    const fail = f ? `${pct(f.generatorCpuPct)} / ${pct(f.serverCpuPct)}: ${f.limit === 'neither' ? 'neither at its limit' : `${f.limit} bound`} (${f.why})` : '–';
    lines.push(`| ${r.scenario} | ${r.peer} | ${pct(g.atResult?.generatorCpuPct)} | ${pct(g.atResult?.serverCpuPct)} | ${fail} | ${pct(g.maxGeneratorCpuPct)} | ${g.saturated ? '**yes**' : 'no'} |`);
  }
  return lines.join('\n');
}

/** `services`: with the PostgreSQL + Redis CPU columns (cluster scenario). */
function stepsTable(steps: StepResult[], services = false): string {
  const extra = services ? ' PostgreSQL + Redis CPU s/100k | PostgreSQL + Redis CPU |' : '';
  const lines = [
    `| target/s | achieved/s | p50 ms | p99 ms | max ms | lost | out of order | server CPU s/100k | server CPU |${extra} generator CPU | result |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- | --- |${services ? ' --- | --- |' : ''} --- | --- |`,
  ];
  for (const s of steps) {
    const cols = services ? ` ${s.servicesCpuPer100k ?? '–'} | ${s.servicesCpuPct ?? '–'} % |` : '';
    lines.push(
      `| ${fmt(s.targetPerSec)} | ${fmt(s.deliveriesPerSec)} | ${s.p50Ms} | ${s.p99Ms} | ${s.maxMs} | ${s.lost} | ${s.outOfOrder} | ${s.serverCpuPer100k} | ${s.serverCpuPct} % |${cols} ${s.generatorCpuPct} %${s.generatorSaturated ? ' (saturated)' : ''} | ${s.pass ? 'pass' : s.why} |`,
    );
  }
  return lines.join('\n');
}

/** The cluster scenario: one row per setup, then each setup's steps. */
function clusterDetails(r: ScenarioResult): string[] {
  const setups = r.setups ?? [];
  const v = (x: number | null | undefined, unit = ''): string => (typeof x === 'number' ? `${x}${unit}` : '–');
  const ratio = (x: number | null | undefined): string => (typeof x === 'number' ? ` (${x.toFixed(2)}×)` : '');
  const lines = [
    '| setup | nodes | deliveries/s | p50 ms | p99 ms | lost / out of order | server CPU s/100k | PostgreSQL + Redis CPU s/100k | max sustainable/s | p99 ms at max | server CPU s/100k at max | PostgreSQL + Redis CPU s/100k at max | server peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const x of setups) {
    const m = x.metrics;
    if (x.status !== 'ok') {
      lines.push(`| ${x.label} | ${x.nodes} | not measured: ${x.reason ?? ''} |`);
      continue;
    }
    const q = x.setup === 'sqlite' ? (): string => '' : (k: string): string => ratio(x.vsSqlite[k]);
    lines.push(
      `| ${x.label} | ${x.nodes} | ${fmt(m.deliveriesPerSec ?? 0)}${q('deliveriesPerSec')} | ${v(m.p50Ms)}${q('p50Ms')} | ${v(m.p99Ms)}${q('p99Ms')} | ${v(m.lost)} / ${v(m.outOfOrder)} |` +
        ` ${v(m.serverCpuPer100k)}${q('serverCpuPer100k')} | ${v(m.servicesCpuPer100k)} | ${fmt(m.maxDeliveriesPerSec ?? 0)}${q('maxDeliveriesPerSec')} | ${v(m.p99MsAtMax)} |` +
        ` ${v(m.serverCpuPer100kAtMax)}${q('serverCpuPer100kAtMax')} | ${v(m.servicesCpuPer100kAtMax)} | ${v(m.serverPeakRssMiB, ' MiB')}${q('serverPeakRssMiB')} |`,
    );
  }
  const out = [
    'Each setup is a fresh set of processes: the fanout step, then a saturation search on the same servers. ' +
      'In parentheses: ÷ the SQLite setup. Server CPU and peak RSS are summed over the nodes. PostgreSQL + Redis CPU ' +
      'is every `postgres` and `redis-server` process on this machine over the step, whoever it worked for (the SQLite ' +
      'setup shows that background). With two nodes, the receivers are split evenly over them and the sender is on ' +
      'node 1, so half the deliveries cross Redis.',
    lines.join('\n'),
  ];
  for (const x of setups) {
    if (x.status === 'ok') out.push(`${x.label} (first row: the fanout step; then the search):\n\n${stepsTable(x.steps, true)}`);
  }
  return out;
}

/** The fairness scenario: one row per phase (the idle one first), each on a fresh server. */
function fairnessDetails(r: ScenarioResult): string[] {
  const v = (x: number | null | undefined): string => (typeof x === 'number' ? String(x) : '–');
  const lines = [
    '| phase | abuser frames sent | answered | refused (`rate_limited`) | other errors | abuser disconnected | ping p50 / p99 / max ms | p99 ÷ idle | pings unanswered | newcomer to welcome p50 / max ms | newcomers failed | server CPU |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const phases: FairnessPhase[] = r.phases ?? [];
  for (const p of phases) {
    const name = p.phase === 'idle' ? 'idle (abuser silent)' : `\`${p.phase}\` flood`;
    if (p.status !== 'ok') {
      lines.push(`| ${name} | not measured: ${p.reason ?? ''} |`);
      continue;
    }
    const a = p.abuser;
    const abuser =
      p.phase === 'idle'
        ? '– | – | – | – | no'
        : `${a.sent} | ${a.answered} | ${a.refused} | ${a.otherErrors ? Object.entries(a.errors).map(([k, n]) => `${n}× ${k}`).join(', ') : 0} | ${a.disconnected ? `after ${a.closedAfterMs} ms (${a.closed})` : 'no'}`;
    lines.push(
      `| ${name} | ${abuser} | ${p.ping.p50Ms} / ${p.ping.p99Ms} / ${p.ping.maxMs} | ${v(p.p99VsIdle)} | ${p.ping.unanswered} of ${p.ping.count} |` +
        ` ${v(p.connect.p50Ms)} / ${v(p.connect.maxMs)} | ${p.connect.failed} of ${p.connect.count} | ${p.serverCpuPct} % |`,
    );
  }
  const failures = phases.flatMap((p) => Object.entries(p.connect.errors).map(([why, n]) => `${p.phase}: ${n}× ${why}`));
  const pace = (r.metrics.floodRate ?? 0) > 0 ? `${r.metrics.floodRate} frames/s for ${r.metrics.phaseSeconds} s` : 'a fixed rate';
  return [
    `The abuser (one guest from \`${ABUSER_ADDRESS}\`) sends ${pace} per flood; the well-behaved guest and the newcomers come from ` +
      `\`${WELL_BEHAVED_ADDRESS}\`. Unanswered pings and newcomers without \`welcome\` by the end of the drain count with their wait so far: ` +
      'the numbers are then lower bounds.',
    lines.join('\n'),
    ...(failures.length ? [`Newcomers that failed: ${failures.join('; ')}.`] : []),
  ];
}

/** The steps of every saturation search, and the notes (n/a, errors, server output). */
export function details(results: BenchResults): string {
  const out: string[] = [];
  for (const r of results.results) {
    if (r.status !== 'ok') {
      out.push(`- **${r.scenario} × ${r.peer}**: ${r.status}: ${r.reason ?? ''}`);
    }
  }
  if (out.length) out.unshift('### Not measured\n');
  for (const r of results.results) {
    if (r.status !== 'ok' && !r.setups?.length && !r.phases?.length) continue;
    const sections: string[] = [];
    if (r.reason) sections.push(`Note: ${r.reason}.`);
    if (r.runs) {
      const each = (SPREAD[r.scenario] ?? []).map((m) => `${m} ${r.runs?.map((run) => run[m] ?? '–').join(', ')}`);
      sections.push(`${r.runs.length} runs, each: ${each.join('; ')}. The table shows their medians${r.steps?.length ? '; the steps below are the median run\'s' : ''}.`);
    }
    if ((r.scenario === 'saturate' || r.scenario === 'rooms') && r.steps?.length) sections.push(stepsTable(r.steps));
    if (r.scenario === 'cost' && r.points) {
      for (const p of r.points) {
        sections.push(
          p.status === 'ok'
            ? `Room of ${p.size} (connected in ${p.connectSeconds} s, peak RSS ${p.serverPeakRssMiB} MiB):\n\n${stepsTable(p.steps)}`
            : `Room of ${p.size}: not measured: ${p.reason ?? ''}`,
        );
      }
    }
    if (r.scenario === 'cluster') sections.push(...clusterDetails(r));
    if (r.scenario === 'fairness') sections.push(...fairnessDetails(r));
    if (r.scenario === 'idle' || r.scenario === 'resume') {
      sections.push(Object.entries(r.metrics).map(([k, v]) => `${k} ${v}`).join(', '));
    }
    const disconnects = Object.entries(r.disconnects);
    if (disconnects.length) sections.push(`Connections the server ended: ${disconnects.map(([k, v]) => `${v}× ${k}`).join(', ')}.`);
    if (r.serverLog.length) {
      const shown = r.serverLog.slice(0, 5).map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
      sections.push(`Server output (${r.serverLog.length} lines${r.serverLog.length > 5 ? ', first 5' : ''}):\n\n\`\`\`text\n${shown.join('\n')}\n\`\`\``);
    }
    if (sections.length) out.push(`\n#### ${r.scenario} × ${r.peer}\n\n${sections.join('\n\n')}`);
  }
  return out.join('\n');
}

// ---- the chart ----------------------------------------------------------------------------------

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

// ---- docs/benchmarks.md -------------------------------------------------------------------------

export const BEGIN = '<!-- bench:begin: written by `npm run bench`; edit outside these markers -->';
export const END = '<!-- bench:end -->';

export function generatedSection(results: BenchResults, chartFile: string): string {
  const m = results.machine;
  const o = results.settings as unknown as BenchOptions;
  const chatEnv = (results.settings as { chatEnv?: Record<string, string> }).chatEnv ?? {};
  const c = (results.settings as { cluster?: BenchOptions['cluster'] }).cluster;
  const clusterNote =
    c && results.scenarios.includes('cluster')
      ? `\nThe \`cluster\` scenario also runs it with \`DATABASE_URL\` = a fresh schema in \`${c.databaseUrl}\` (one node),
and as two nodes with \`REDIS_URL=${c.redisUrl}\` and a fresh \`REDIS_PREFIX\` as well; schemas and keys are removed afterwards.`
      : '';
  const fairnessNote = results.scenarios.includes('fairness')
    ? '\nThe `fairness` scenario runs it with its shipped limits instead: only `PORT`, `HOST`, `DATA_DIR` and `LOG_LEVEL=warn` are set.'
    : '';
  return `${BEGIN}

## Latest run

${results.startedAt}, ${Math.round(results.wallSeconds)} s, commit \`${results.source?.commit ?? 'unknown'}\`${results.source?.dirty ? ' with uncommitted changes in the server' : ''}${results.quick ? ', **quick mode** (toy sizes: proves the harness, measures nothing)' : ''}.

**Machine:** \`nproc\` = ${m.nproc}, ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. The servers and
the load generator share these cores, all on 127.0.0.1.

**Commands:**

\`\`\`sh
npm ci
npm run bench${o.argv?.length ? ` -- ${o.argv.join(' ')}` : ''}
# which runs: npm run build && tsc -b packages/bench && ${results.command}
\`\`\`

Our server ran as \`node packages/server/dist/main.js\` with
${Object.entries(chatEnv).map(([k, v]) => `\`${k}=${v}\``).join(', ')}: it **stores every message in SQLite and
fsyncs it** (WAL, \`synchronous=FULL\`, group commit) before delivering it. The peers keep nothing.${clusterNote}${fairnessNote}
Load generator: ${o.workers} worker threads, ${o.textBytes}-character texts; a step passes with p99 ≤ ${o.p99LimitMs} ms,
at most ${(o.lossLimit * 100).toFixed(1)} % lost (not delivered within ${o.drainMs / 1000} s of the end of sending), no client
dropped by the server, and the generator sending at least 97 % of its target.

### Results

Each peer cell reads "the peer's value (chat ÷ peer)". For "better: higher" a ratio above 1 is chat
ahead; for "better: lower" a ratio below 1 is chat ahead.${results.scenarios.includes('cluster') ? ' The `cluster` rows compare our server with\nitself: PostgreSQL and two nodes against SQLite (the setup ÷ SQLite).' : ''}${results.scenarios.includes('fairness') ? ' The `fairness` rows too: each flood against\nthe idle phase (the flood ÷ idle).' : ''}

${markdownTable(results)}

![saturate and cost-curve runs](${chartFile})

### Load generator CPU

CPU as % of one core (this machine has ${m.nproc}), measured from /proc for the server and with
\`process.cpuUsage()\` for the generator (all its threads). The generator counts as saturated in a
step when it used 90 % or more of the CPU the server left over, or one of its threads a whole core:
that step then measured the generator as much as the server. A Node server runs on one thread,
so a server near 100 % was the bottleneck.

${generatorTable(results)}

### Details

${details(results)}

${END}`;
}

const DOC_HEAD = `# Benchmarks

How our server compares with what users would otherwise run: the tutorial's two broadcasters
(\`ws\` and \`nodejs-websocket\`) and Socket.IO 4 with rooms, under the scenarios of issue 6. The
harness lives in \`packages/bench\` (\`npm run bench\`; \`npm run bench -- --quick\` for a smoke run).
Everything between the markers below is rewritten by each full run.
`;

/** The page with its generated section replaced (or appended), keeping everything outside it. */
export function updateDoc(path: string, section: string): string {
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const begin = old.indexOf('<!-- bench:begin');
  const end = old.indexOf(END);
  if (begin >= 0 && end > begin) return old.slice(0, begin) + section + old.slice(end + END.length);
  return `${old.trim() ? old.trimEnd() : DOC_HEAD}\n\n${section}\n`;
}
