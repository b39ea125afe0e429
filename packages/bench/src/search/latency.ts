// Times GET api/search from an HTTP client, one query kind at a time: a few warm-up requests,
// then `requests` more, `concurrency` in flight (the server lets one user have 2 searches in
// flight, so 1 or 2). Latency is the whole request as a client sees it (parsing, the store's
// query, the JSON), on keep-alive connections to 127.0.0.1.
import { Histogram } from '../histogram.js';
import { round } from '../format.js';

export interface LatencyOptions {
  requests: number;
  warmup: number;
  concurrency: number;
}

export interface QueryLatency {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Results on the first page (the page size is the server's default, 20). */
  results: number;
  /** The first page said there was more (`next` not null). */
  more: boolean;
  /** Answers other than 200 (a 429 would mean the concurrency was above the server's limit). */
  failed: number;
}

interface SearchAnswer {
  results?: unknown[];
  next?: string | null;
}

export async function timeQuery(port: number, token: string, query: { q: string; room?: string }, o: LatencyOptions): Promise<QueryLatency> {
  const params = new URLSearchParams({ q: query.q });
  if (query.room) params.set('room', query.room);
  const url = `http://127.0.0.1:${port}/api/search?${params.toString()}`;
  const headers = { authorization: `Bearer ${token}` };
  const hist = Histogram.empty();
  let results = 0;
  let more = false;
  let failed = 0;
  let firstError = '';
  const one = async (record: boolean): Promise<void> => {
    const started = process.hrtime.bigint();
    const res = await fetch(url, { headers });
    const body = (await res.json()) as SearchAnswer;
    const us = Number(process.hrtime.bigint() - started) / 1000;
    if (res.status !== 200) {
      failed++;
      firstError ||= `${res.status} ${JSON.stringify(body).slice(0, 200)}`;
      return;
    }
    results = body.results?.length ?? 0;
    more = body.next !== null && body.next !== undefined;
    if (record) hist.record(us);
  };
  const run = async (count: number, record: boolean): Promise<void> => {
    let left = count;
    const lane = async (): Promise<void> => {
      while (left > 0) {
        left--;
        await one(record);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, lane));
  };
  await run(o.warmup, false);
  await run(o.requests, true);
  if (hist.count === 0) throw new Error(`GET api/search?${params.toString()}: every request failed (${firstError})`);
  return {
    requests: hist.count,
    p50Ms: round(hist.quantileUs(0.5) / 1000, 2),
    p99Ms: round(hist.quantileUs(0.99) / 1000, 2),
    maxMs: round(hist.maxUs / 1000, 2),
    results,
    more,
    failed,
  };
}
