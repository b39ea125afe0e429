// Times GET api/search from an HTTP client (timed-gets.ts), one query kind at a time: a few
// warm-up requests, then `requests` more, `concurrency` in flight (the server lets one user have 2
// searches in flight, so 1 or 2). Latency is the whole request as a client sees it (parsing, the
// store's query, the JSON), on keep-alive connections to 127.0.0.1.
import { timeGets, type GetLatency } from '../timed-gets.js';

export interface LatencyOptions {
  requests: number;
  warmup: number;
  concurrency: number;
}

/** `failed`: a 429 would mean the concurrency was above the server's limit. */
export interface QueryLatency extends GetLatency {
  /** Results on the first page (the page size is the server's default, 20). */
  results: number;
  /** The first page said there was more (`next` not null). */
  more: boolean;
}

interface SearchAnswer {
  results?: unknown[];
  next?: string | null;
}

export async function timeQuery(port: number, token: string, query: { q: string; room?: string }, o: LatencyOptions): Promise<QueryLatency> {
  const params = new URLSearchParams({ q: query.q });
  if (query.room) params.set('room', query.room);
  let results = 0;
  let more = false;
  const timed = await timeGets<SearchAnswer>(port, `api/search?${params.toString()}`, token, o, (body) => {
    results = body.results?.length ?? 0;
    more = body.next !== null && body.next !== undefined;
  });
  return { ...timed, results, more };
}
