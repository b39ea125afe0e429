// Fakes shared by the client and account tests: the browser WebSocket as ChatClient sees it (the
// test plays the server), in-memory localStorage, and a scripted fetch.
import type { SocketLike, StorageLike } from '../src/lib/chat-client.js';
import type { FetchLike } from '../src/lib/account-api.js';

/** A frame the client sent, parsed. */
export type Sent = { type: string; ref?: string; room?: string; [field: string]: unknown };

export class FakeSocket implements SocketLike {
  readyState = 0; // CONNECTING
  readonly sent: Sent[] = [];
  closedWith: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(
    readonly query: Record<string, string>,
    /** The subprotocols offered (Sec-WebSocket-Protocol): where a token goes, never the query. */
    readonly protocols: string[] = [],
  ) {}

  /** The token this socket offered as `token.<TOKEN>`, or null. */
  get offeredToken(): string | null {
    const entry = this.protocols.find((p) => p.startsWith('token.'));
    return entry === undefined ? null : entry.slice('token.'.length);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error(`send() on a socket in readyState ${this.readyState}`);
    this.sent.push(JSON.parse(data) as Sent);
  }

  close(code = 1000, reason = ''): void {
    if (this.closedWith !== null || this.readyState === 3) return;
    this.closedWith = code;
    this.readyState = 2; // CLOSING; the close event comes later, as in a browser
    queueMicrotask(() => {
      this.readyState = 3;
      this.onclose?.({ code, reason });
    });
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** The connection ends from the server's side (or the network); also a refused upgrade. */
  drop(code = 1006): void {
    if (this.readyState === 3) return;
    this.onerror?.({});
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }

  ofType(type: string): Sent[] {
    return this.sent.filter((f) => f.type === type);
  }

  last(type: string): Sent {
    const frames = this.ofType(type);
    const frame = frames[frames.length - 1];
    if (!frame) throw new Error(`no ${type} frame sent; sent: ${JSON.stringify(this.sent)}`);
    return frame;
  }
}

export class MemoryStorage implements StorageLike {
  readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, String(value));
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
  dump(): string {
    return JSON.stringify([...this.data]);
  }
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A fetch that answers from a script and records every request. */
export function fakeFetch(answer: (url: string, init: { method: string; body?: unknown }) => FakeResponse | 'network') {
  const calls: Array<{ url: string; method: string; body?: unknown; headers?: Record<string, string>; credentials?: string }> = [];
  const fetchFn: FetchLike = async (url, init = {}) => {
    const method = init.method ?? 'GET';
    const body = init.body === undefined ? undefined : JSON.parse(init.body);
    calls.push({ url, method, body, ...(init.headers ? { headers: init.headers } : {}), ...(init.credentials ? { credentials: init.credentials } : {}) });
    const res = answer(url, { method, body });
    if (res === 'network') throw new TypeError('Failed to fetch');
    const headers = new Map(Object.entries(res.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return {
      ok: res.status >= 200 && res.status < 300,
      status: res.status,
      headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
      json: async () => {
        if (res.body === undefined) throw new SyntaxError('no body');
        return res.body;
      },
    };
  };
  return { fetchFn, calls };
}
