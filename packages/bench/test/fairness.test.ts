// The fairness scenario in its quick size, as `npm run bench -- --quick --scenario fairness` runs
// it: every phase measured, each number where the report reads it, and the abuser's frames
// accounted for. No timing is asserted (the machine may be busy with other tests), and nothing the
// server's limits decide beyond what the shipped message rate has always refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOODS } from '../src/fairness-protocol.js';
import { PHASES } from '../src/scenarios/fairness.js';
import { buildBench, runChatScenario } from './run-bench.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-fairness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The run is the compiled harness: bring it up to date with its source (a no-op when it is).
beforeAll(buildBench, 120_000);

describe('npm run bench -- --quick --scenario fairness', () => {
  it('measures the well-behaved client idle and during each flood, and counts the abuser\'s frames', async () => {
    const { chat: r } = await runChatScenario(dir, 'fairness', [], 120_000);
    const required = [
      ...['pingP50Ms', 'pingP99Ms', 'pingMaxMs', 'pings', 'pingsUnanswered', 'connects', 'connectsFailed', 'serverCpuPct'].flatMap((m) => PHASES.map((p) => `${m}@${p}`)),
      ...['pingP99VsIdle', 'abuserSent', 'abuserAnswered', 'abuserRefused', 'abuserOtherErrors', 'abuserDisconnected'].flatMap((m) => FLOODS.map((f) => `${m}@${f}`)),
    ];
    for (const field of required) expect(Number.isFinite(r.metrics[field]), `${field} = ${String(r.metrics[field])}`).toBe(true);
    // Null only when every newcomer of the phase was refused outright (nothing to time).
    for (const field of ['connectP50Ms', 'connectMaxMs'].flatMap((m) => PHASES.map((p) => `${m}@${p}`))) {
      const v = r.metrics[field];
      expect(v === null || Number.isFinite(v), `${field} = ${String(v)}`).toBe(true);
    }
    const phases = r.phases ?? [];
    expect(phases.map((p) => `${p.phase}: ${p.status} ${p.reason ?? ''}`.trim())).toEqual(PHASES.map((p) => `${p}: ok`));

    const idle = phases[0];
    for (const p of phases) {
      const at = `${p.phase}`;
      expect(p.ping.count, at).toBeGreaterThan(0);
      for (const v of [p.ping.p50Ms, p.ping.p99Ms, p.ping.maxMs]) expect(Number.isFinite(v) && v > 0, at).toBe(true);
      expect(p.ping.p50Ms, at).toBeLessThanOrEqual(p.ping.p99Ms);
      expect(p.ping.p99Ms, at).toBeLessThanOrEqual(p.ping.maxMs);
      expect(p.ping.unanswered, at).toBeLessThanOrEqual(p.ping.count);
      expect(p.connect.count, at).toBeGreaterThan(0);
      expect(p.connect.failed, at).toBeLessThanOrEqual(p.connect.count);
      expect(r.metrics[`pingP99Ms@${p.phase}`], at).toBe(p.ping.p99Ms);
      if (p.phase === 'idle') {
        expect(p.abuser.sent).toBe(0);
        continue;
      }
      // Every reply the abuser counted answers one of its frames (a refusal or an error included).
      expect(p.abuser.sent, at).toBeGreaterThan(0);
      expect(p.abuser.answered + p.abuser.refused + p.abuser.otherErrors, at).toBeLessThanOrEqual(p.abuser.sent);
      expect(p.p99VsIdle, at).toBe(Number((p.ping.p99Ms / (idle?.ping.p99Ms ?? NaN)).toFixed(1)));
      expect(r.metrics[`pingP99VsIdle@${p.phase}`], at).toBe(p.p99VsIdle);
      expect(r.metrics[`abuserDisconnected@${p.phase}`], at).toBe(p.abuser.disconnected ? 1 : 0);
    }
    // typing asks for no reply; the shipped message rate (10/s, burst 20) cannot let hundreds of
    // sends through in under a second, so the send flood shows refusals (or a disconnect).
    const by = (name: string) => phases.find((p) => p.phase === name);
    expect(by('typing')?.abuser.answered).toBe(0);
    const send = by('send');
    expect(send?.abuser.answered).toBeLessThan(send?.abuser.sent ?? 0);
    expect((send?.abuser.refused ?? 0) > 0 || send?.abuser.disconnected).toBe(true);

    const table = readFileSync(join(dir, 'fairness.md'), 'utf8');
    expect(table).toContain('| fairness | ping p99 during a `nick` flood | lower |');
    expect(table).toContain('× idle)');
    expect(table).toMatch(/\| `history` flood \| \d+ \| \d+ \| \d+ \|/);
  }, 150_000);
});
