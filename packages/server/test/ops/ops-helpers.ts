// Helpers for the operations tests: self-signed certificates (openssl), https/tls probes that
// trust a given CA, the built CLI as a one-shot command, and a small Prometheus text parser.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { afterEach } from 'vitest';
import { killChildren, MAIN } from '../child-server.js';
import { sleep, tempDir, type TestClient } from '../helpers.js';

export const OPENSSL = '/usr/bin/openssl';

/**
 * What an operations or durability test opens, closed after each test: its clients (cut), the
 * child servers (killed) and its temporary directories (removed). Call once at the top of a test file.
 */
export function trackOps(): { dirs: string[]; clients: TestClient[]; dir(prefix: string): string } {
  const dirs: string[] = [];
  const clients: TestClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
    killChildren();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const dir = (prefix: string): string => {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
  };
  return { dirs, clients, dir };
}

export interface Cert {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** SHA-256 fingerprint as tls getPeerCertificate().fingerprint256 shows it (AA:BB:…). */
  fingerprint: string;
}

let certCounter = 0;

/** A fresh self-signed certificate (EC P-256) for 127.0.0.1 and localhost, written into dir. */
export function makeCert(dir: string, name = `cert${++certCounter}`): Cert {
  const certFile = join(dir, `${name}.crt.pem`);
  const keyFile = join(dir, `${name}.key.pem`);
  execFileSync(
    OPENSSL,
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=127.0.0.1/O=chat-test ${name}`,
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', keyFile, '-out', certFile,
    ],
    { stdio: 'pipe' },
  );
  const cert = readFileSync(certFile, 'utf8');
  return { cert, key: readFileSync(keyFile, 'utf8'), certFile, keyFile, fingerprint: new X509Certificate(cert).fingerprint256 };
}

export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET over https trusting `ca` (certificate verification stays on). */
export function httpsGetText(url: string, ca: string | Buffer | Array<string | Buffer>): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    // agent: false: a fresh connection each time (a pooled keep-alive socket would hide a reload).
    const req = httpsGet(url, { ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** Plain-http GET; resolves with the response, or with the error that ended the attempt. */
export function plainHttpGet(url: string): Promise<SimpleResponse | Error> {
  return new Promise((resolve) => {
    const req = httpGet(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', (err) => resolve(err));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', (err) => resolve(err));
  });
}

/** Opens a new TLS connection and returns the fingerprint of the certificate the server presents. */
export function peerFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // No verification here: the point is to see which certificate is presented, old or new.
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS connect timed out')));
    socket.on('error', reject);
  });
}

/** Polls until check() is truthy (or throws after timeoutMs with the last value in the message). */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 8000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${String(last)}`);
    await sleep(50);
  }
}

/**
 * A command prefix that runs what follows with umask 022, the usual default, so that a test of file
 * modes does not depend on the umask of whoever runs the tests.
 */
export const umask022 = ['/bin/sh', '-c', 'umask 022 && exec "$0" "$@"'];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Runs it through this command, which ends by exec'ing its arguments (see ChildOptions.command). */
  command?: string[];
  /** Killed (SIGTERM) after this long; the result's code is then null. Default 15 s. */
  timeoutMs?: number;
  /** Written to its standard input (then closed). */
  input?: string;
}

/** Runs `node dist/main.js ...args` to completion with a minimal environment. */
export function runCli(args: string[], env: Record<string, string> = {}, options: CliOptions = {}): Promise<CliResult> {
  const [program, ...rest] = [...(options.command ?? []), process.execPath, MAIN, ...args];
  return new Promise((resolve) => {
    const child = execFile(
      program as string,
      rest,
      { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, timeout: options.timeoutMs ?? 15_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code: child.exitCode ?? code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * Prometheus text exposition -> map from `name{labels}` (labels as printed) to value. A line like
 * `chat_errors_total{code="bad_request"} 1` is keyed `chat_errors_total{code="bad_request"}`.
 */
export function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}
