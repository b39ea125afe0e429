// The restart storm (issue 20) at its quick size, as `npm run bench -- --quick --scenario storm`
// runs it: 200 clients in 10 rooms, the server restarted under 20 msg/s, on one node and (with
// PostgreSQL and Redis) as two nodes with node 2 restarted. Every client must come back by itself
// and have every message exactly once: a resume that lost or repeated messages, a resend stored
// twice or a client left out fails here. No timing is asserted. Also the pieces that decide what
// the clients do: the web client's backoff schedule and the layout of clients, rooms and senders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stormLayout } from '../src/measure/storm-run.js';
import { defaultOptions } from '../src/options.js';
import { backoffDelay } from '../src/storm-client.js';
import { buildBench, reachable, runChatScenario } from './run-bench.js';

const { databaseUrl: DATABASE_URL, redisUrl: REDIS_URL } = defaultOptions(true).cluster;

const dir = mkdtempSync(join(tmpdir(), 'bench-storm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the storm clients', () => {
  it('wait as the web client does: random in [250 ms, min(15 s, 500 ms·2^n)]', () => {
    for (let n = 0; n < 8; n++) {
      const ceiling = Math.min(15_000, 500 * 2 ** n);
      expect(backoffDelay(n, () => 0)).toBe(250);
      expect(backoffDelay(n, () => 1)).toBe(ceiling);
      const d = backoffDelay(n);
      expect(d).toBeGreaterThanOrEqual(250);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
  });

  it('spread every room over every node, one sender per room, half of them on the restarted node', () => {
    const specs = stormLayout({ clients: 200, rooms: 10, rate: 20 }, [1001, 1002]);
    const senders = specs.filter((s) => s.rate > 0);
    expect(senders.map((s) => s.room).sort()).toEqual(Array.from({ length: 10 }, (_, r) => `storm-${r}`).sort());
    expect(senders.reduce((a, s) => a + s.rate, 0)).toBeCloseTo(20);
    expect(senders.filter((s) => s.ports[0] === 1002)).toHaveLength(5);
    for (let r = 0; r < 10; r++) {
      const home = new Set(specs.filter((s) => s.room === `storm-${r}`).map((s) => s.ports[0]));
      expect([...home].sort()).toEqual([1001, 1002]);
    }
    expect(specs.filter((s) => s.ports[0] === 1002).every((s) => s.ports[1] === 1001)).toBe(true);
  });
});

describe('npm run bench -- --quick --scenario storm', () => {
  // The run is the compiled harness: bring it up to date with its source (a no-op when it is).
  beforeAll(buildBench, 120_000);

  it('brings every client back with every message exactly once, on one node and on two', async () => {
    const services = (await reachable(DATABASE_URL)) && (await reachable(REDIS_URL));
    if (!services && process.env.CI === 'true') throw new Error(`CI needs PostgreSQL at ${DATABASE_URL} and Redis at ${REDIS_URL}`);
    if (!services) console.log(`skipped: the storm's cluster setup (PostgreSQL at ${DATABASE_URL} or Redis at ${REDIS_URL} not reachable)`);
    const setups = services ? ['single', 'cluster'] : ['single'];
    const { chat, output } = await runChatScenario(dir, 'storm', ['--storm-setups', setups.join(',')], 150_000);
    const m = chat.metrics;
    for (const setup of setups) {
      const at = (metric: string): number | null | undefined => m[`${metric}@${setup}`];
      const clients = at('clients');
      expect(clients, setup).toBe(200);
      // The restarted server's clients all lost their connection, and all came back by themselves.
      expect(at('dropped'), setup).toBe(setup === 'single' ? 200 : 100);
      expect(at('caughtUp'), `${setup}\n${output}`).toBe(clients);
      expect(at('notJoined'), setup).toBe(0);
      expect(Number.isFinite(at('caughtUpSeconds')), setup).toBe(true);
      // Messages kept coming through the restart, and each one reached every member exactly once.
      expect(at('sent'), setup).toBeGreaterThan(0);
      for (const none of ['lost', 'doubled', 'outOfOrder', 'beyond', 'unacked', 'storedTwice']) expect(at(none), `${setup}: ${none}\n${output}`).toBe(0);
      for (const measured of ['serverPeakCpuPct', 'serverCpuSeconds', 'serverPeakRssMiB']) expect(at(measured), `${setup}: ${measured}`).toBeGreaterThan(0);
    }
    if (services) {
      // Node 2's clients moved to node 1 (the load balancer's way), and node 1 carried them.
      expect(m['moved@cluster']).toBeGreaterThan(0);
      expect(m['survivorPeakRssMiB@cluster']).toBeGreaterThan(0);
    }
  }, 180_000);
});
