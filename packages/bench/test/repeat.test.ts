// How repeated runs fold into one result (--repeat): medians, the worst loss, the median run's steps.
import { describe, expect, it } from 'vitest';
import { parseArgs, type BenchOptions } from '../src/options.js';
import { foldRuns } from '../src/repeat.js';
import { SCENARIOS, type ScenarioResult } from '../src/results.js';

function run(metrics: Record<string, number | null>, extra: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    scenario: 'rooms',
    peer: 'chat',
    status: 'ok',
    wallSeconds: 10,
    metrics,
    generator: { maxWorkerCpuPct: 0, maxGeneratorCpuPct: 0, saturated: false, atResult: null, atFirstFailure: null },
    serverLog: [],
    disconnects: {},
    ...extra,
  } as ScenarioResult;
}

describe('foldRuns', () => {
  it('leaves a single run as it is', () => {
    const only = run({ maxDeliveriesPerSec: 100 });
    expect(foldRuns([only])).toBe(only);
  });

  it('reports each metric as the median over the runs, and lost (messages or changes) as the worst run', () => {
    const folded = foldRuns([
      run({ maxDeliveriesPerSec: 67_000, p99Ms: 9, lost: 0, outOfOrder: 0, 'changesLost@changes': 0 }),
      run({ maxDeliveriesPerSec: 159_000, p99Ms: 4, lost: 3, outOfOrder: 0, 'changesLost@changes': 7 }),
      run({ maxDeliveriesPerSec: 188_000, p99Ms: 5, lost: 0, outOfOrder: 1, 'changesLost@changes': 0 }),
    ]);
    expect(folded.metrics).toMatchObject({ maxDeliveriesPerSec: 159_000, p99Ms: 5, lost: 3, outOfOrder: 1, 'changesLost@changes': 7 });
    expect(folded.runs?.map((m) => m.maxDeliveriesPerSec)).toEqual([67_000, 159_000, 188_000]);
    expect(folded.wallSeconds).toBe(30);
  });

  it('keeps the steps of the median run by the headline metric', () => {
    const steps = (tag: number) => [{ targetPerSec: tag }] as unknown as ScenarioResult['steps'];
    const folded = foldRuns([
      run({ maxDeliveriesPerSec: 300 }, { steps: steps(3) }),
      run({ maxDeliveriesPerSec: 100 }, { steps: steps(1) }),
      run({ maxDeliveriesPerSec: 200 }, { steps: steps(2) }),
    ]);
    expect(folded.steps).toEqual(steps(2));
  });

  it('averages the middle two of an even number of runs', () => {
    expect(foldRuns([run({ p99Ms: 7 }), run({ p99Ms: 8 })]).metrics.p99Ms).toBe(7.5);
  });

  it('leaves failed runs out of the medians and says so', () => {
    const folded = foldRuns([run({ maxDeliveriesPerSec: 100 }), run({}, { status: 'error', reason: 'server crashed' }), run({ maxDeliveriesPerSec: 300 })]);
    expect(folded.status).toBe('ok');
    expect(folded.metrics.maxDeliveriesPerSec).toBe(200);
    expect(folded.reason).toMatch(/median of 2 runs \(1 more failed: server crashed\)/);
  });

  it('reports the last failure when every run failed', () => {
    const folded = foldRuns([run({}, { status: 'error', reason: 'a' }), run({}, { status: 'error', reason: 'b' })]);
    expect(folded).toMatchObject({ status: 'error', reason: 'b' });
  });
});

describe('--repeat', () => {
  const options = (argv: string[]) => parseArgs(argv) as BenchOptions;

  it('repeats the close scenarios by default, and nothing in quick mode', () => {
    expect(options([]).repeats).toEqual({ fanout: 3, rooms: 3, 'rooms-changes': 3 });
    expect(options(['--quick']).repeats).toEqual({});
  });

  it('sets every scenario, within bounds', () => {
    expect(Object.values(options(['--repeat', '5']).repeats)).toEqual(SCENARIOS.map(() => 5));
    expect(() => parseArgs(['--repeat', '0'])).toThrow(/positive/);
    expect(() => parseArgs(['--repeat', '10'])).toThrow(/at most 9/);
  });
});
