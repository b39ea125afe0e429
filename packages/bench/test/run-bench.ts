// The compiled harness as the tests run it: `node packages/bench/dist/run.js …` in a process group
// of its own, so that a timeout ends the run and the servers it started together.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { BenchResults, ScenarioResult } from '../src/results.js';

export const RUN = fileURLToPath(new URL('../dist/run.js', import.meta.url));

/** Brings dist/ up to date with the harness's source (a no-op when it is). */
export function buildBench(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', fileURLToPath(new URL('..', import.meta.url))], { stdio: 'pipe' });
}

export function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string; pid: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n(test: killed after ${timeoutMs} ms)`;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, pid: child.pid as number });
    });
  });
}

/**
 * `--quick --scenario <scenario>` (and `args`) against our server and the ws broadcaster, its JSON
 * in `dir`: the run must exit 0, the broadcaster's result be n/a (these scenarios measure our server
 * alone) and ours be ok. Ours, with the run's output (for messages) and pid (scratch names carry it).
 */
export async function runChatScenario(dir: string, scenario: string, args: string[], timeoutMs: number): Promise<{ chat: ScenarioResult; output: string; pid: number }> {
  const out = join(dir, `${scenario}.json`);
  const { code, output, pid } = await runBench(['--quick', '--scenario', scenario, '--peer', 'chat,ws-broadcaster', ...args, '--out', out, '--no-doc'], timeoutMs);
  expect(code, output).toBe(0);
  const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
  expect(results.results.find((r) => r.peer === 'ws-broadcaster')?.status).toBe('n/a');
  const chat = results.results.find((r) => r.scenario === scenario && r.peer === 'chat');
  expect(chat?.status, `${chat?.reason ?? ''}\n${output}`).toBe('ok');
  return { chat: chat as ScenarioResult, output, pid };
}

/** Whether something listens at the URL's host and port (PostgreSQL, Redis), within a second. */
export function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port), hostname, () => done(true));
  });
}
