// The search scenario at a tiny size (2,000 messages on SQLite, a few requests per query kind), as
// `npm run bench -- --scenario search --search-messages 2000 --search-stores sqlite` runs it: the
// fill, the index's size and every query kind's latency come back as numbers, every request was
// answered, and the queries whose words the corpus surely holds at this size found messages. No
// timing is asserted. The corpus is seeded, so which query finds what does not change between runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_KINDS } from '../src/search/corpus.js';
import { buildBench, runChatScenario } from './run-bench.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The run is the compiled harness: bring it up to date with its source (a no-op when it is).
beforeAll(buildBench, 120_000);

describe('npm run bench -- --scenario search (tiny)', () => {
  it('fills a store, then times every query kind against the real server', async () => {
    const { chat } = await runChatScenario(dir, 'search', ['--search-messages', '2000', '--search-stores', 'sqlite', '--search-requests', '5'], 90_000);
    const m = chat.metrics;
    expect(m.messages).toBe(2000);
    for (const field of ['fillSeconds', 'fillPerMessageUs', 'indexMiB', 'messagesMiB', 'serverStartSeconds']) {
      expect(Number.isFinite(m[`${field}@sqlite`]), `${field} = ${String(m[`${field}@sqlite`])}`).toBe(true);
    }
    expect(m['indexMiB@sqlite']).toBeGreaterThan(0);
    // Not every message is readable: some rooms are private and the searcher is not in them.
    expect(m['readableMessages@sqlite']).toBeGreaterThan(0);
    expect(m['readableMessages@sqlite']).toBeLessThan(2000);
    for (const q of QUERY_KINDS) {
      for (const field of ['P50Ms', 'P99Ms', 'MaxMs']) expect(m[`${q.kind}${field}@sqlite`], `${q.kind}${field}`).toBeGreaterThan(0);
      expect(m[`${q.kind}Failed@sqlite`], q.kind).toBe(0);
    }
    // A common English word fills a page; a Chinese word is found; nonsense is not.
    expect(m['commonResults@sqlite']).toBe(20);
    expect(m['chineseResults@sqlite']).toBeGreaterThan(0);
    expect(m['noneResults@sqlite']).toBe(0);
  }, 120_000);
});
