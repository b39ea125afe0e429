// Reactions and edits in the load, end to end: the quick mode of the built harness against the built
// server, with 5 % reactions and 5 % edits in fanout and rooms, and the rooms-changes scenario (rooms
// plain, then with that mix). Checks that changes were made and delivered, that edits were among
// them (the server's `changed` events said "edit"), that nothing was lost at the low fixed rate,
// and that rooms-changes measured both halves. Never a timing: the machine may be busy.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults, ScenarioResult, StepResult } from '../src/results.js';
import { buildBench, runBench } from './run-bench.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-changes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(buildBench, 120_000);

/** The changes a step made and got, with the edits' part. */
function changesOf(step: StepResult | undefined): NonNullable<StepResult['changes']> {
  expect(step?.changes, 'a step with changes in the load reports them').toBeDefined();
  return step?.changes as NonNullable<StepResult['changes']>;
}

describe('npm run bench -- --quick --reactions 0.05 --edits 0.05', () => {
  it('makes and delivers reactions and edits, loses none at the fixed rate, and measures rooms-changes plain and with them', async () => {
    const out = join(dir, 'changes.json');
    const { code, output } = await runBench(['--quick', '--scenario', 'fanout,rooms,rooms-changes', '--peer', 'chat', '--reactions', '0.05', '--edits', '0.05', '--out', out, '--no-doc'], 150_000);
    expect(code, output).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    const find = (scenario: string): ScenarioResult => {
      const r = results.results.find((x) => x.scenario === scenario && x.peer === 'chat');
      expect(r?.status, `${scenario}: ${r?.reason ?? ''}\n${output}`).toBe('ok');
      return r as ScenarioResult;
    };

    // fanout and rooms: the fixed-rate step (their first) delivered every message and every change.
    let edits = 0;
    let editsReceived = 0;
    for (const scenario of ['fanout', 'rooms']) {
      const r = find(scenario);
      expect(r.metrics).toMatchObject({ reactionShare: 0.05, editShare: 0.05, lost: 0, outOfOrder: 0, changesLost: 0 });
      expect(r.metrics.changesPerSec, scenario).toBeGreaterThan(0);
      const c = changesOf(r.steps?.[0]);
      expect(c.reactions + c.edits, scenario).toBeGreaterThan(0);
      expect(c.received, scenario).toBe(c.expected);
      for (const step of r.steps ?? []) {
        edits += changesOf(step).edits;
        editsReceived += changesOf(step).editsReceived;
      }
    }
    // Edits happened, and the server told every member: its `changed` events carried "edit".
    expect(edits).toBeGreaterThan(0);
    expect(editsReceived).toBeGreaterThan(0);

    // rooms-changes: both halves, the plain one without changes, the other with both kinds.
    const rc = find('rooms-changes');
    expect(rc.halves?.map((h) => h.half).sort()).toEqual(['changes', 'plain']);
    const plain = rc.halves?.find((h) => h.half === 'plain');
    const changed = rc.halves?.find((h) => h.half === 'changes');
    expect(plain?.steps.length).toBeGreaterThan(0);
    expect(plain?.steps.every((s) => s.changes === undefined)).toBe(true);
    expect(changed?.mix).toEqual({ reactions: 0.05, edits: 0.05 });
    const first = changesOf(changed?.steps[0]);
    expect(first.received).toBe(first.expected);
    expect(changed?.steps.reduce((n, s) => n + changesOf(s).editsReceived, 0)).toBeGreaterThan(0);
    for (const half of ['plain', 'changes']) {
      expect(rc.metrics[`lost@${half}`], half).toBe(0);
      expect(rc.metrics[`outOfOrder@${half}`], half).toBe(0);
      for (const m of ['maxDeliveriesPerSec', 'serverCpuPer100k', 'p99Ms']) expect(Number.isFinite(rc.metrics[`${m}@${half}`]), `${m}@${half}`).toBe(true);
    }
    expect(rc.metrics['changesLost@changes']).toBe(0);
    for (const m of ['maxDeliveriesPerSec', 'serverCpuPer100k', 'p99Ms']) expect(rc.metrics[`${m}@ratio`], `${m}@ratio`).toBeGreaterThan(0);

    const table = readFileSync(join(dir, 'changes.md'), 'utf8');
    expect(table).toContain('| rooms-changes | max sustainable deliveries/s, 5 % reactions + 5 % edits |');
    expect(table).toContain('× plain)');
  }, 180_000);
});
