// A push service of the tests' own (no real one is reachable here): an HTTPS server on
// 127.0.0.1 with a self-signed certificate, one endpoint per subscription it made. It records
// every request, answers a scripted status (201 by default), and checks each push
// independently of the `web-push` library: the VAPID JWT (vapid-check.ts), the RFC 8030
// headers, and the body, which it decrypts with the subscription's own secrets (ece-decrypt.ts).
// A check that fails is recorded in errors(name) and answered 400, never thrown at the server.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { makeCert, type Cert } from '../ops/ops-helpers.js';
import { sleep } from '../helpers.js';
import { decryptPushBody, newSubscriptionSecrets, type SubscriptionSecrets } from './ece-decrypt.js';
import { base64url, checkPushHeaders, verifyVapid, type JwtClaims, type Urgency } from './vapid-check.js';

/** RFC 8030 7.2 / RFC 8291 4: push services need only accept 4096 bytes of body. */
export const MAX_PUSH_BODY_BYTES = 4096;
/** What the receiver reads of a request at most (a larger one is recorded as an error). */
const READ_LIMIT_BYTES = 64 * 1024;

/** A subscription as the browser's PushSubscription.toJSON() gives it. */
export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** One scripted answer to the next push of an endpoint. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Never answer (a push service that hangs); the request is recorded with status 0. */
  hang?: boolean;
}

/** A push that passed every check. */
export interface ReceivedPush {
  /** The decrypted body, parsed as JSON. */
  payload: any;
  headers: IncomingHttpHeaders;
  topic: string;
  urgency: Urgency;
  ttl: number;
  jwtClaims: JwtClaims;
  /** Date.now() when it arrived. */
  at: number;
  /** What the receiver answered. */
  status: number;
}

/** Every request an endpoint got, valid or not. */
export interface RecordedRequest {
  at: number;
  method: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  status: number;
  /** Set when every check passed. */
  push?: ReceivedPush;
  /** Set when a check failed: what was wrong. */
  error?: string;
}

export interface PushReceiver {
  /** https://127.0.0.1:PORT: what the VAPID JWT's aud must be. */
  readonly origin: string;
  readonly port: number;
  /** The self-signed certificate: certFile for the server's NODE_EXTRA_CA_CERTS, cert as a CA. */
  readonly cert: Cert;
  /** The server's VAPID public key (GET api/push/key) that every push's k must equal. */
  setServerKey(key: string): void;
  /** A fresh subscription at https://127.0.0.1:PORT/push/<name> (a name once only). */
  subscription(name: string): BrowserSubscription;
  /** Queues answers for the endpoint's next requests; after them, 201 again. */
  respond(name: string, answers: ScriptedAnswer[]): void;
  requests(name: string): RecordedRequest[];
  /** Pushes that passed every check and were answered 2xx (delivered), in arrival order. */
  pushes(name: string): ReceivedPush[];
  /** Pushes that passed every check, whatever the answer (a 429'd attempt included). */
  attempts(name: string): ReceivedPush[];
  /** What was wrong with the endpoint's requests that failed a check. */
  errors(name: string): string[];
  /** Every endpoint's errors, `name: error`, including requests to unknown endpoints. */
  allErrors(): string[];
  /** Resolves once `n` pushes were delivered to the endpoint; rejects after timeoutMs. */
  waitForPushes(name: string, n: number, timeoutMs?: number): Promise<ReceivedPush[]>;
  /** Resolves once the endpoint got `n` requests of any kind; rejects after timeoutMs. */
  waitForRequests(name: string, n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

interface Endpoint {
  secrets: SubscriptionSecrets;
  answers: ScriptedAnswer[];
  requests: RecordedRequest[];
}

export interface ReceiverOptions {
  /** The server's VAPID key, if known already (else setServerKey later). */
  serverKey?: string;
}

const PATH = /^\/push\/([A-Za-z0-9_.-]{1,100})$/;

/** Starts a receiver on 127.0.0.1 (ephemeral port); its certificate is written into `dir`. */
export async function startPushReceiver(dir: string, options: ReceiverOptions = {}): Promise<PushReceiver> {
  const cert = makeCert(dir, `push-receiver-${randomBytes(4).toString('hex')}`);
  const endpoints = new Map<string, Endpoint>();
  const unknown: string[] = [];
  let serverKey = options.serverKey;
  let origin = '';

  const check = (endpoint: Endpoint, req: IncomingMessage, body: Buffer, at: number): Omit<ReceivedPush, 'status'> => {
    if (serverKey === undefined) throw new Error('receiver: the server key is not set (setServerKey)');
    const jwtClaims = verifyVapid(req.headers.authorization, { serverKey, audience: origin });
    const { ttl, urgency, topic } = checkPushHeaders(req.headers);
    if (body.length > MAX_PUSH_BODY_BYTES) throw new Error(`body: ${body.length} bytes, more than a push service must accept (${MAX_PUSH_BODY_BYTES})`);
    const { plaintext } = decryptPushBody(body, endpoint.secrets);
    let payload: unknown;
    try {
      payload = JSON.parse(plaintext.toString('utf8'));
    } catch {
      throw new Error(`body: decrypted, but not JSON: ${JSON.stringify(plaintext.toString('utf8').slice(0, 80))}`);
    }
    return { payload, headers: req.headers, topic, urgency, ttl, jwtClaims, at };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer | null): void => {
    const at = Date.now();
    const name = PATH.exec(req.url ?? '')?.[1];
    const endpoint = name === undefined ? undefined : endpoints.get(name);
    const answer = (status: number, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(status >= 400 ? `status ${status}` : '');
    };
    if (endpoint === undefined || name === undefined) {
      unknown.push(`${req.method} ${req.url}: no such endpoint`);
      return answer(404);
    }
    const record: RecordedRequest = { at, method: req.method ?? '', headers: req.headers, body: body ?? Buffer.alloc(0), status: 0 };
    endpoint.requests.push(record);
    try {
      if (req.method !== 'POST') throw new Error(`method ${req.method}, expected POST`);
      if (body === null) throw new Error(`body: more than ${READ_LIMIT_BYTES} bytes`);
      const push = check(endpoint, req, body, at);
      const scripted = endpoint.answers.shift() ?? { status: 201 };
      record.status = scripted.hang ? 0 : scripted.status;
      record.push = { ...push, status: record.status };
      if (scripted.hang) return; // close() cuts the connection
      return answer(scripted.status, scripted.headers);
    } catch (err) {
      record.error = (err as Error).message;
      record.status = 400;
      return answer(400);
    }
  };

  const server: Server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= READ_LIMIT_BYTES) chunks.push(chunk);
    });
    req.on('end', () => handle(req, res, size <= READ_LIMIT_BYTES ? Buffer.concat(chunks) : null));
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('push receiver: no port');
  const port = address.port;
  origin = `https://127.0.0.1:${port}`;

  const endpointOf = (name: string): Endpoint => {
    const e = endpoints.get(name);
    if (e === undefined) throw new Error(`push receiver: no subscription named ${JSON.stringify(name)}`);
    return e;
  };
  const pushesOf = (name: string) => endpointOf(name).requests.flatMap((r) => (r.push && r.status >= 200 && r.status < 300 ? [r.push] : []));
  const errorsOf = (name: string) => endpointOf(name).requests.flatMap((r) => (r.error === undefined ? [] : [r.error]));
  const describe = (name: string) => {
    const reqs = endpointOf(name).requests;
    return `(${reqs.length} requests, answers ${JSON.stringify(reqs.map((r) => r.status))}; errors: ${JSON.stringify(errorsOf(name))})`;
  };
  const waitUntil = async <T>(what: string, get: () => T[], n: number, timeoutMs: number, name: string): Promise<T[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = get();
      if (got.length >= n) return got;
      if (Date.now() > deadline) throw new Error(`push receiver: timed out after ${timeoutMs} ms waiting for ${n} ${what} at ${name} ${describe(name)}`);
      await sleep(20);
    }
  };

  return {
    origin,
    port,
    cert,
    setServerKey(key) {
      serverKey = key;
    },
    subscription(name) {
      if (!PATH.test(`/push/${name}`)) throw new Error(`push receiver: bad subscription name ${JSON.stringify(name)}`);
      if (endpoints.has(name)) throw new Error(`push receiver: subscription ${JSON.stringify(name)} exists already`);
      const secrets = newSubscriptionSecrets(randomBytes(16));
      endpoints.set(name, { secrets, answers: [], requests: [] });
      return { endpoint: `${origin}/push/${name}`, keys: { p256dh: base64url(secrets.ecdh.getPublicKey()), auth: base64url(secrets.auth) } };
    },
    respond(name, answers) {
      endpointOf(name).answers.push(...answers);
    },
    requests: (name) => [...endpointOf(name).requests],
    pushes: pushesOf,
    attempts: (name) => endpointOf(name).requests.flatMap((r) => (r.push ? [r.push] : [])),
    errors: errorsOf,
    allErrors: () => [...[...endpoints].flatMap(([name]) => errorsOf(name).map((e) => `${name}: ${e}`)), ...unknown],
    waitForPushes: (name, n, timeoutMs = 10_000) => waitUntil('pushes', () => pushesOf(name), n, timeoutMs, name),
    waitForRequests: (name, n, timeoutMs = 10_000) => waitUntil('requests', () => [...endpointOf(name).requests], n, timeoutMs, name),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
