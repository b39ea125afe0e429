// Repeated runs of one scenario against one peer, folded into one result. On a shared 2-core
// machine one run of a close comparison is a coin toss (a single 100 ms stall fails a search step,
// and fanout's p99 moves by a millisecond between runs), so the scenarios whose targets sit near
// the line run several times, peers alternating, and the table shows each number's median.
import type { ScenarioName, ScenarioResult } from './results.js';

/** How many runs each scenario gets in a full run (the others: 1). --repeat N sets them all. */
export const DEFAULT_REPEATS: Partial<Record<ScenarioName, number>> = { fanout: 3, rooms: 3, 'rooms-changes': 3 };

/**
 * The number a scenario's representative run is chosen by: the median run by it keeps its steps
 * and points for the details. Cost and cluster fold many searches into one result, so they have no
 * single headline.
 */
const HEADLINE: Partial<Record<ScenarioName, string>> = {
  fanout: 'p99Ms',
  saturate: 'maxDeliveriesPerSec',
  rooms: 'maxDeliveriesPerSec',
  'rooms-changes': 'maxDeliveriesPerSec@ratio',
  idle: 'connectSeconds',
  resume: 'catchUpSeconds',
};

/** The numbers whose spread over the runs the details list, per scenario. */
export const SPREAD: Partial<Record<ScenarioName, string[]>> = {
  fanout: ['p50Ms', 'p99Ms'],
  saturate: ['maxDeliveriesPerSec'],
  rooms: ['maxDeliveriesPerSec', 'p99Ms'],
  'rooms-changes': ['maxDeliveriesPerSec@plain', 'maxDeliveriesPerSec@changes', 'maxDeliveriesPerSec@ratio', 'serverCpuPer100k@ratio', 'p99Ms@ratio'],
  idle: ['connectSeconds', 'rssPerConnKiB'],
  resume: ['catchUpSeconds'],
};

/** Counts of what went wrong: the worst run's count is reported, not a median that could hide it. */
const WORST_OF = /^(lost|outOfOrder|changesLost)(@|AtMax|$)/;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return Number(m.toPrecision(6));
}

/**
 * One result for several runs: every metric is the median of the runs that measured it (lost and
 * out-of-order: the highest), `runs` keeps each run's own metrics, and the steps, points and logs
 * are the median run's (by the scenario's headline metric). A run that failed outright is left out
 * of the medians and shown in `reason`; if every run failed, the last one is the result.
 */
export function foldRuns(runs: ScenarioResult[]): ScenarioResult {
  if (runs.length === 1) return runs[0] as ScenarioResult;
  const ok = runs.filter((r) => r.status === 'ok');
  const failed = runs.length - ok.length;
  if (ok.length === 0) return { ...(runs.at(-1) as ScenarioResult), runs: runs.map((r) => r.metrics) };
  const scenario = (ok[0] as ScenarioResult).scenario;
  const headline = HEADLINE[scenario];
  const byHeadline = headline ? [...ok].sort((a, b) => (a.metrics[headline] ?? Infinity) - (b.metrics[headline] ?? Infinity)) : ok;
  const representative = byHeadline[(byHeadline.length - 1) >> 1] as ScenarioResult;
  const metrics: Record<string, number | null> = {};
  for (const key of new Set(ok.flatMap((r) => Object.keys(r.metrics)))) {
    const values = ok.map((r) => r.metrics[key]).filter((v): v is number => typeof v === 'number');
    metrics[key] = values.length === 0 ? null : WORST_OF.test(key) ? Math.max(...values) : median(values);
  }
  const note = `median of ${ok.length} runs${failed ? ` (${failed} more failed: ${runs.filter((r) => r.status !== 'ok').map((r) => r.reason ?? r.status).join('; ')})` : ''}`;
  return {
    ...representative,
    metrics,
    runs: runs.map((r) => r.metrics),
    ...(failed ? { reason: note } : {}),
    wallSeconds: Number(runs.reduce((sum, r) => sum + r.wallSeconds, 0).toFixed(1)),
  };
}
