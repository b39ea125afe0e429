// The scenarios that measure what a feature costs our server, at their --quick sizes, as
// `npm run bench -- --quick --scenario upload` and `--scenario myrooms` run them: every upload was
// stored whole, and every GET api/me/rooms answered 200 with the account's rooms and the unread and
// mention counts each phase set up. No timing is asserted. myrooms' PostgreSQL half needs
// 127.0.0.1:5432 (skipped without it, a failure in CI) and must leave no schema behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultOptions } from '../src/options.js';
import { MY_ROOMS_PHASES } from '../src/scenarios/my-rooms.js';
import { buildBench, reachable, runChatScenario } from './run-bench.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-costs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The run is the compiled harness: bring it up to date with its source (a no-op when it is).
beforeAll(buildBench, 120_000);

const quick = defaultOptions(true);

describe('npm run bench -- --quick --scenario upload', () => {
  it('stores every upload whole, alone and at once, and the image', async () => {
    const { chat, output } = await runChatScenario(dir, 'upload', [], 100_000);
    const m = chat.metrics;
    const o = quick.upload;
    expect(m.fileMiB).toBe(o.fileMiB);
    expect(m.singleStored, output).toBe(1);
    expect(m.concurrentStored, output).toBe(o.concurrent);
    expect(m.imageStored, output).toBe(1);
    for (const field of ['singleSeconds', 'singleMiBPerSec', 'concurrentSeconds', 'concurrentMiBPerSec', 'rssBeforeMiB', 'rssPeakMiB', 'rssGrowthMiB', 'rssGrowthPctOfFiles', 'imageSeconds', 'serverPeakRssMiB']) {
      expect(Number.isFinite(m[field]), `${field} = ${String(m[field])}`).toBe(true);
    }
    expect(m.rssPeakMiB).toBeGreaterThan(0);
    expect(m.rssSamples).toBeGreaterThan(0);
    expect(chat.serverLog).toEqual([]);
  }, 120_000);
});

describe('npm run bench -- --quick --scenario myrooms', () => {
  it('answers every GET api/me/rooms with the rooms and counts of each phase, on SQLite and PostgreSQL', async () => {
    const databaseUrl = quick.cluster.databaseUrl;
    const withPg = await reachable(databaseUrl);
    if (!withPg && process.env.CI === 'true') throw new Error(`CI needs PostgreSQL at ${databaseUrl}`);
    if (!withPg) console.log(`skipped: myrooms on PostgreSQL (${databaseUrl} not reachable); SQLite only`);
    const { chat, output, pid } = await runChatScenario(dir, 'myrooms', ['--myrooms-stores', withPg ? 'sqlite,postgres' : 'sqlite'], 100_000);
    const m = chat.metrics;
    const o = quick.myRooms;
    const backlog = o.rooms * Math.min(100, o.messages); // the list's cap per room (rows.ts UNREAD_CAP)
    const want: Record<(typeof MY_ROOMS_PHASES)[number], [number, number]> = {
      few: [o.rooms * o.few, 0],
      backlog: [backlog, 0],
      mentions: [backlog, o.rooms * Math.floor(o.messages / o.mentionEvery)],
      read: [0, 0],
    };
    for (const store of withPg ? ['sqlite', 'postgres'] : ['sqlite']) {
      expect(m[`measured@${store}`], `${store}\n${output}`).toBe(1);
      expect(m[`fillSeconds@${store}`], store).toBeGreaterThanOrEqual(0);
      for (const phase of MY_ROOMS_PHASES) {
        const at = (field: string): number | null | undefined => m[`${phase}${field}@${store}`];
        expect(at('Rooms'), `${store} ${phase}`).toBe(o.rooms);
        expect(at('Failed'), `${store} ${phase}`).toBe(0);
        expect([at('Unread'), at('Mentions')], `${store} ${phase}`).toEqual(want[phase]);
        for (const field of ['P50Ms', 'P99Ms', 'MaxMs']) expect(at(field), `${store} ${phase} ${field}`).toBeGreaterThan(0);
      }
    }
    if (withPg) {
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        const left = await db.query('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`chat\\_bench\\_${pid}\\_%`]);
        expect(left.rows).toEqual([]);
      } finally {
        await db.end();
      }
    }
  }, 120_000);
});
