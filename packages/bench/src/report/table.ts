// The summary table: one row per metric, with ratios (chat / peer; for the cluster scenario, each
// setup / SQLite; for rooms-changes, with changes / plain; for fairness, each flood / idle).
import type { PeerName } from '../adapters.js';
import { describeMix, roomsChangesMix } from '../changes.js';
import { FLOODS } from '../fairness-protocol.js';
import { fmt } from '../format.js';
import type { BenchOptions } from '../options.js';
import { costRows } from './cost-rows.js';
import type { Row } from './row.js';
import { CLUSTER_SETUPS, SETUP_LABELS, STORM_LABELS, STORM_SETUPS, type BenchResults, type ScenarioName, type ScenarioResult } from '../results.js';

/** Scenarios that compare our server with itself (SetupResult.vsSqlite, FairnessPhase.p99VsIdle), not with the peers. */
const SELF_COMPARED: readonly ScenarioName[] = ['cluster', 'rooms-changes', 'fairness', 'upload', 'myrooms', 'storm'];

export function rowsFor(opts: Pick<BenchOptions, 'fanout' | 'saturate' | 'rooms' | 'idle' | 'resume' | 'cost'> & Partial<Pick<BenchOptions, 'cluster' | 'reactions' | 'edits' | 'upload' | 'myRooms' | 'storm'>>): Row[] {
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
    ...roomsChangesRows(opts),
    { scenario: 'idle', metric: 'rssPerConnKiB', label: 'server RSS per idle connection', better: 'lower', unit: kib },
    { scenario: 'idle', metric: 'connectSeconds', label: `${opts.idle.connections} connects + joins`, better: 'lower', unit: s },
    { scenario: 'idle', metric: 'connectsPerSec', label: 'connect + join rate', better: 'higher', unit: per },
    { scenario: 'idle', metric: 'serverCpuSecondsToConnect', label: 'server CPU for the connects + joins', better: 'lower', unit: s },
    { scenario: 'idle', metric: 'generatorCpuSecondsToConnect', label: 'load generator CPU for them (it shares the cores)', better: '', unit: s },
    { scenario: 'resume', metric: 'catchUpSeconds', label: `${opts.resume.clients} × ${opts.resume.missed} missed: all caught up`, better: 'lower', unit: s },
    { scenario: 'resume', metric: 'catchUpP99Ms', label: 'per-client catch-up p99', better: 'lower', unit: ms },
    { scenario: 'resume', metric: 'lost', label: 'lost / out of order', better: '' },
  ];
  // With changes in the load (our server only), the changes delivered, beside the deliveries.
  if ((opts.reactions ?? 0) + (opts.edits ?? 0) > 0) {
    const changes = (scenario: ScenarioName, after: string, metric: string, label: string): void => {
      const at = rows.findIndex((r) => r.scenario === scenario && r.metric === after);
      rows.splice(at + 1, 0, { scenario, metric, label, better: '', unit: per });
    };
    changes('fanout', 'deliveriesPerSec', 'changesPerSec', 'changes delivered/s (reactions, edits)');
    changes('rooms', 'lost', 'changesPerSec', 'changes delivered/s (reactions, edits)');
    changes('rooms', 'maxDeliveriesPerSec', 'changesPerSecAtMax', 'changes delivered/s at the max (reactions, edits)');
    changes('saturate', 'maxDeliveriesPerSec', 'changesPerSecAtMax', 'changes delivered/s at the max (reactions, edits)');
  }
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
  const st = opts.storm;
  if (st) {
    const pct = (v: number): string => `${v} %`;
    for (const setup of STORM_SETUPS.filter((x) => st.setups.includes(x))) {
      const on = (metric: string, label: string, better: Row['better'], unit?: (v: number) => string, pair?: string): Row => ({
        scenario: 'storm',
        metric: `${metric}@${setup}`,
        label: `${STORM_LABELS[setup]}: ${label}`,
        better,
        ...(unit ? { unit } : {}),
        ...(pair ? { pair: `${pair}@${setup}` } : {}),
      });
      rows.push(
        on('caughtUpSeconds', `${fmt(st.clients)} clients, ${st.rate} msg/s: all caught up after the SIGTERM`, 'lower', s),
        on('caughtUpAfterListenSeconds', 'all caught up after the restarted server listened', 'lower', s),
        on('lost', 'lost / doubled', '', undefined, 'doubled'),
        on('serverPeakCpuPct', 'restarted server: peak CPU (250 ms)', 'lower', pct),
        on('serverPeakRssMiB', 'restarted server: peak RSS', 'lower', mib),
      );
    }
  }
  rows.push(...costRows(opts.upload, opts.myRooms));
  return rows;
}

/** rooms-changes: each number plain, then with the change mix (÷ plain), and the changes delivered. */
function roomsChangesRows(opts: Pick<BenchOptions, 'rooms'> & Partial<Pick<BenchOptions, 'reactions' | 'edits'>>): Row[] {
  const mix = describeMix(roomsChangesMix({ reactions: opts.reactions ?? 0, edits: opts.edits ?? 0 }));
  const scenario = 'rooms-changes';
  const rows: Row[] = [];
  const pair = (metric: string, label: string, better: Row['better'], unit: Row['unit']): void => {
    rows.push({ scenario, metric: `${metric}@plain`, label: `${label}, plain`, better, unit });
    rows.push({ scenario, metric: `${metric}@changes`, label: `${label}, ${mix}`, better, unit, base: `${metric}@plain`, baseLabel: 'plain', ratio: `${metric}@ratio` });
  };
  const per = (v: number): string => `${fmt(v)}/s`;
  pair('maxDeliveriesPerSec', 'max sustainable deliveries/s', 'higher', per);
  pair('serverCpuPer100kAtMax', 'server CPU s per 100k deliveries at the max', 'lower', (v) => `${v} s`);
  pair('serverCpuPer100k', `server CPU s per 100k deliveries at ${opts.rooms.rate} msg/s each`, 'lower', (v) => `${v} s`);
  pair('p99Ms', `latency p99 at ${opts.rooms.rate} msg/s each`, 'lower', (v) => `${v} ms`);
  rows.push(
    { scenario, metric: 'lost@plain', label: 'lost / out of order, plain', better: '' },
    { scenario, metric: 'lost@changes', label: `lost / out of order, ${mix}`, better: '' },
    { scenario, metric: 'changesPerSec@changes', label: `changes delivered/s at ${opts.rooms.rate} msg/s each, ${mix}`, better: '', unit: per },
    { scenario, metric: 'editChangesPerSec@changes', label: 'of them, edits delivered/s', better: '', unit: per },
    { scenario, metric: 'changesLost@changes', label: `changes lost at ${opts.rooms.rate} msg/s each`, better: '' },
  );
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
    return `${r.metrics[row.metric] ?? '–'} / ${r.metrics[row.pair ?? row.metric.replace('lost', 'outOfOrder')] ?? '–'}`;
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
        const given = row.ratio ? r?.metrics[row.ratio] : undefined;
        const ratio = typeof given === 'number' ? given : typeof v === 'number' && typeof b === 'number' && b > 0 ? v / b : null;
        return ratio !== null ? `**${text}** (${ratio.toFixed(2)}× ${row.baseLabel ?? ''})` : `**${text}**`;
      }
      if (peer === 'chat' || !row.better) return peer === 'chat' ? `**${text}**` : text;
      const ratio = results.ratios[row.scenario]?.[row.metric]?.[peer];
      return typeof ratio === 'number' ? `${text} (chat ${ratio.toFixed(2)}×)` : text;
    });
    const repeated = Math.max(...peers.map((peer) => find(results.results, row.scenario, peer)?.runs?.length ?? 1));
    const m = find(results.results, row.scenario, 'chat')?.metrics;
    const mix = describeMix({ reactions: m?.reactionShare ?? 0, edits: m?.editShare ?? 0 });
    const named = mix && row.scenario !== 'rooms-changes' ? `${row.scenario}, ${mix}` : row.scenario;
    const scenario = repeated > 1 ? `${named} (median of ${repeated})` : named;
    return `| ${scenario} | ${row.label} | ${row.better || ' '} | ${cells.join(' | ')} |`;
  });
  return [head, ...lines].join('\n');
}
