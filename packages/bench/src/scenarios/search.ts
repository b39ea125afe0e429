// search: GET api/search latency over a large history (issue 18), on SQLite and on PostgreSQL.
// For each store: a fresh one filled through the Store API (search/fill.ts), its size on disk
// (search/store-size.ts), then the real server started on it and each query kind of
// search/corpus.ts timed from an HTTP client (search/latency.ts). With a build from before search
// (--server-dir) only the fill is measured: its per-message time is the cost without the index.
import type { PeerName } from '../adapters.js';
import { round } from '../format.js';
import { currentChatMain, PeerProcess } from '../peer-process.js';
import { partsBody, type Body, type Context } from '../scenario-context.js';
import { QUERY_KINDS } from '../search/corpus.js';
import { fill, loadStore, type StoreKind } from '../search/fill.js';
import { timeQuery } from '../search/latency.js';
import { pgSettle, pgSize, sqliteSize, type StoreSize } from '../search/store-size.js';
import { ScratchStore } from '../scratch-store.js';

/** One store's numbers, as metrics named `…@sqlite` / `…@postgres`. */
async function measureStore(ctx: Context, kind: StoreKind, log: string[]): Promise<Record<string, number | null>> {
  const o = ctx.opts.search;
  const chatMain = currentChatMain();
  let scratch: ScratchStore | null = null;
  let server: PeerProcess | null = null;
  try {
    scratch = await ScratchStore.create(kind, ctx.opts.cluster.databaseUrl, 'chat-bench-search-');
    const { where } = scratch;
    const store = await loadStore(chatMain, kind, where);
    await store.open();
    let filled;
    try {
      filled = await fill(store, { ...o, seed: 18 }, (line) => ctx.log(`    ${kind}: ${line}`));
    } finally {
      await store.close();
    }
    ctx.log(`    ${kind}: ${o.messages.toLocaleString('en')} messages in ${round(filled.fillSeconds, 1)} s (${round(filled.perMessageUs, 1)} µs each)${filled.searchable ? '' : ', without a search index (a build from before search)'}`);
    let size: StoreSize;
    if (kind === 'postgres') {
      await pgSettle(where);
      size = await pgSize(where);
    } else {
      size = sqliteSize(chatMain, where);
    }
    ctx.log(`    ${kind}: index ${size.indexMiB ?? '?'} MiB, messages ${size.messagesMiB ?? '?'} MiB`);
    const metrics: Record<string, number | null> = {
      fillSeconds: round(filled.fillSeconds, 1),
      fillPerMessageUs: round(filled.perMessageUs, 1),
      indexMiB: size.indexMiB,
      messagesMiB: size.messagesMiB,
      readableMessages: filled.readable,
      smallRoomMessages: filled.smallRoomMessages,
    };
    if (!filled.searchable) return metrics;
    const startedAt = Date.now();
    server = await PeerProcess.start('chat', scratch.env);
    metrics.serverStartSeconds = round((Date.now() - startedAt) / 1000, 1);
    for (const q of QUERY_KINDS) {
      const r = await timeQuery(server.port, filled.token, { q: q.q, ...(q.smallRoom ? { room: filled.smallRoom } : {}) }, o);
      ctx.log(`    ${kind}: ${q.kind}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms; ${r.results} results${r.more ? ' (more)' : ''}${r.failed ? `; ${r.failed} failed` : ''}`);
      Object.assign(metrics, {
        [`${q.kind}P50Ms`]: r.p50Ms,
        [`${q.kind}P99Ms`]: r.p99Ms,
        [`${q.kind}MaxMs`]: r.maxMs,
        [`${q.kind}Results`]: r.results,
        [`${q.kind}Failed`]: r.failed,
      });
    }
    metrics.serverCpuSeconds = round(server.cpuSeconds(), 1);
    metrics.serverPeakRssMiB = round(server.peakRssBytes() / 1024 / 1024, 1);
    log.push(...server.problems().map((l) => `${kind}: ${l}`));
    return metrics;
  } finally {
    await server?.stop();
    if (o.keep) ctx.log(`    ${kind}: kept ${scratch?.where ?? ''} (--search-keep)`);
    else await scratch?.remove();
  }
}

export async function search(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.search;
  const metrics: Record<string, number | null> = { messages: o.messages, rooms: o.rooms, requestsPerQuery: o.requests, concurrency: o.concurrency };
  const log: string[] = [];
  const failures: string[] = [];
  for (const kind of o.stores) {
    ctx.log(`  ${peer}: ${kind}`);
    try {
      for (const [k, v] of Object.entries(await measureStore(ctx, kind, log))) metrics[`${k}@${kind}`] = v;
    } catch (err) {
      const reason = (err as Error).message.replace(/\s+/g, ' ').trim();
      ctx.log(`  ${peer}: ${kind}: ERROR ${reason}`);
      failures.push(`${kind}: ${reason}`);
    }
  }
  return partsBody(metrics, log, failures);
}
