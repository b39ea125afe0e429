// The load generator's CPU over a scenario (GeneratorSummary), so a saturated generator shows.
import { availableParallelism } from 'node:os';
import { round } from '../format.js';
import type { GeneratorSummary, StepResult } from '../results.js';

export function generatorSummary(steps: StepResult[], result: StepResult | null): GeneratorSummary {
  const failure = steps.find((s) => !s.pass) ?? null;
  return {
    maxWorkerCpuPct: Math.max(0, ...steps.flatMap((s) => s.workerCpuPct)),
    maxGeneratorCpuPct: Math.max(0, ...steps.map((s) => s.generatorCpuPct)),
    saturated: steps.some((s) => s.generatorSaturated),
    atResult: result && { generatorCpuPct: result.generatorCpuPct, serverCpuPct: result.serverCpuPct, generatorSaturated: result.generatorSaturated },
    atFirstFailure: failure && {
      generatorCpuPct: failure.generatorCpuPct,
      serverCpuPct: failure.serverCpuPct,
      generatorSaturated: failure.generatorSaturated,
      serverSaturated: failure.serverSaturated,
      limit: failure.serverSaturated ? 'server CPU' : failure.generatorSaturated ? 'generator CPU' : 'neither',
      why: failure.why,
    },
  };
}

/** For a phase without steps (connecting): the generator's and the server's CPU over it. */
export function phaseSummary(generatorCpuS: number, workerCpuS: number[], serverCpuS: number, wallS: number): GeneratorSummary {
  const pct = (c: number): number => round((c / Math.max(wallS, 0.001)) * 100, 1);
  const generatorCpuPct = pct(generatorCpuS);
  const serverCpuPct = pct(serverCpuS);
  const generatorSaturated = generatorCpuPct >= 0.9 * (availableParallelism() * 100 - serverCpuPct);
  return {
    maxWorkerCpuPct: Math.max(0, ...workerCpuS.map(pct)),
    maxGeneratorCpuPct: generatorCpuPct,
    saturated: generatorSaturated,
    atResult: { generatorCpuPct, serverCpuPct, generatorSaturated },
    atFirstFailure: null,
  };
}
