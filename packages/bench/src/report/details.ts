// The tables under the summary: the load generator's CPU, the steps of every saturation search, the
// cluster setups, the rooms-changes halves, the fairness phases, and the notes (n/a, errors, server
// output).
import { describeMix } from '../changes.js';
import { fmt } from '../format.js';
import { SPREAD } from '../repeat.js';
import type { BenchResults, FairnessPhase, ScenarioResult, StepResult } from '../results.js';
import { ABUSER_ADDRESS, WELL_BEHAVED_ADDRESS } from '../scenarios/fairness.js';

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

/**
 * `services`: with the PostgreSQL + Redis CPU columns (cluster scenario). With changes in the load,
 * the changes each step delivered per second (of them the edits', and those lost) follow the
 * messages'.
 */
function stepsTable(steps: StepResult[], services = false): string {
  const extra = services ? ' PostgreSQL + Redis CPU s/100k | PostgreSQL + Redis CPU |' : '';
  const changes = steps.some((s) => s.changes);
  const lines = [
    `| target/s | achieved/s | p50 ms | p99 ms | max ms | lost | out of order |${changes ? ' changes/s (edits/s, lost) |' : ''} server CPU s/100k | server CPU |${extra} generator CPU | result |`,
    `| --- | --- | --- | --- | --- | --- | --- |${changes ? ' --- |' : ''} --- | --- |${services ? ' --- | --- |' : ''} --- | --- |`,
  ];
  for (const s of steps) {
    const cols = services ? ` ${s.servicesCpuPer100k ?? '–'} | ${s.servicesCpuPct ?? '–'} % |` : '';
    const ch = changes ? ` ${s.changes ? `${fmt(s.changes.perSec)} (${fmt(s.changes.editsPerSec)}, ${s.changes.lost})` : '–'} |` : '';
    lines.push(
      `| ${fmt(s.targetPerSec)} | ${fmt(s.deliveriesPerSec)} | ${s.p50Ms} | ${s.p99Ms} | ${s.maxMs} | ${s.lost} | ${s.outOfOrder} |${ch} ${s.serverCpuPer100k} | ${s.serverCpuPct} % |${cols} ${s.generatorCpuPct} %${s.generatorSaturated ? ' (saturated)' : ''} | ${s.pass ? 'pass' : s.why} |`,
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

/** The rooms-changes scenario: one row per half, with the ratio, then each half's steps. */
function halvesDetails(r: ScenarioResult): string[] {
  const m = r.metrics;
  const v = (x: number | null | undefined, unit = ''): string => (typeof x === 'number' ? `${x}${unit}` : '–');
  const per = (x: number | null | undefined): string => (typeof x === 'number' ? `${fmt(x)}/s` : '–');
  const lines = [
    '| half | deliveries/s at 1 msg/s each | p99 ms | lost / out of order | changes/s (lost) | server CPU s/100k | max sustainable deliveries/s | changes/s at max | p99 ms at max | server CPU s/100k at max |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const half of ['plain', 'changes', 'ratio'] as const) {
    const k = (name: string): number | null | undefined => m[`${name}@${half}`];
    const label = half === 'ratio' ? 'changes ÷ plain' : half === 'plain' ? 'plain' : describeMix({ reactions: m.reactionShare ?? 0, edits: m.editShare ?? 0 });
    const changes = half === 'changes' ? `${per(k('changesPerSec'))} (${v(k('changesLost'))})` : '–';
    lines.push(
      half === 'ratio'
        ? `| ${label} | | ${v(k('p99Ms'))} | | | ${v(k('serverCpuPer100k'))} | ${v(k('maxDeliveriesPerSec'))} | | ${v(k('p99MsAtMax'))} | ${v(k('serverCpuPer100kAtMax'))} |`
        : `| ${label} | ${per(k('deliveriesPerSec'))} | ${v(k('p99Ms'))} | ${v(k('lost'))} / ${v(k('outOfOrder'))} | ${changes} | ${v(k('serverCpuPer100k'))} |` +
            ` ${per(k('maxDeliveriesPerSec'))} | ${half === 'changes' ? per(k('changesPerSecAtMax')) : '–'} | ${v(k('p99MsAtMax'))} | ${v(k('serverCpuPer100kAtMax'))} |`,
    );
  }
  const out = [
    'Each half is the rooms scenario on a fresh server of the same build: sends only, then with the change mix (the order alternates ' +
      'from one run to the next). With changes, a sender makes as many requests, so at 10 % changes the messages\' deliveries are 90 % ' +
      'of the target; CPU per 100k deliveries counts messages\' deliveries only, so it carries the changes\' cost. Ratios are changes ÷ plain ' +
      '(with repeats: the median of each run\'s ratio).',
    lines.join('\n'),
  ];
  for (const h of r.halves ?? []) out.push(`${h.label === 'plain' ? 'Plain' : h.label} (first row: the 1 msg/s step; then the search):\n\n${stepsTable(h.steps)}`);
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
    const mix = { reactions: r.metrics.reactionShare ?? 0, edits: r.metrics.editShare ?? 0 };
    if (mix.reactions + mix.edits > 0) {
      sections.push(
        `${describeMix(mix)} of each sender's requests${r.scenario === 'rooms-changes' ? ' in the second half' : ''} were changes (a reaction to a recent message, an edit of one of its own): ` +
          'a target counts requests × receivers; achieved, latency and loss are the messages\'; changes/s are the `changed` events received ' +
          '(every member of the room gets one), edits/s those of edits.',
      );
    }
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
    if (r.scenario === 'rooms-changes') sections.push(...halvesDetails(r));
    if (r.scenario === 'fairness') sections.push(...fairnessDetails(r));
    if (r.scenario === 'idle' || r.scenario === 'resume' || r.scenario === 'upload' || r.scenario === 'myrooms' || r.scenario === 'storm') {
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
