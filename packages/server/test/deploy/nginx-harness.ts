// Real nginx for the deployment tests: a self-signed certificate made with openssl, an nginx started
// in the foreground from a config in a temp dir (pid, logs and temp paths there too), and small
// HTTPS / WebSocket clients that trust that certificate.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { connect, isIP } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort } from '../child-server.js';
import { sleep } from '../helpers.js';

export const NGINX = '/usr/sbin/nginx';
export const OPENSSL = '/usr/bin/openssl';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
/** The shipped files: the tests run these, not copies. */
export const LOCATION_SNIPPET = join(REPO, 'deploy/nginx/chat-location.conf');
export const EXAMPLE_SITE = join(REPO, 'deploy/nginx.conf');

export interface Cert {
  certFile: string;
  keyFile: string;
  /** The certificate PEM, to pass as `ca` (it is its own issuer). */
  pem: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost (SAN), valid for two days. */
export function makeCert(dir: string): Cert {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const r = spawnSync(
    OPENSSL,
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl failed (${r.status}): ${r.stderr}`);
  return { certFile, keyFile, pem: readFileSync(certFile, 'utf8') };
}

/** A top-level block `name … { … }` (no nested braces) from the example site, verbatim. */
export function exampleBlock(header: RegExp): string {
  const text = readFileSync(EXAMPLE_SITE, 'utf8');
  const m = new RegExp(`^${header.source}\\s*\\{[^{}]*\\}`, 'm').exec(text);
  if (!m) throw new Error(`${EXAMPLE_SITE} has no block matching ${header}`);
  return m[0];
}

/**
 * A shipped site file (deploy/nginx.conf, deploy/nginx-cluster.conf) made runnable here: its
 * upstream addresses, listen ports, certificate paths and snippet path swapped, IPv6 listens
 * dropped (the test host may have none). Throws if a placeholder is no longer in the file, so the
 * tests notice when the shipped file changes shape.
 */
export function localSite(file: string, o: { upstreams: Array<[string, string]>; httpPort: number; port: number; cert: Cert }): string {
  const swaps: Array<[string | RegExp, string]> = [
    ...o.upstreams,
    [/^\s*listen \[::\]:(80|443)( ssl)?;\n/gm, ''],
    [/listen 80;/, `listen 127.0.0.1:${o.httpPort};`],
    [/listen 443 ssl;/, `listen 127.0.0.1:${o.port} ssl;`],
    ['/etc/letsencrypt/live/chat.example.org/fullchain.pem', o.cert.certFile],
    ['/etc/letsencrypt/live/chat.example.org/privkey.pem', o.cert.keyFile],
    ['include snippets/chat-location.conf;', `include ${LOCATION_SNIPPET};`],
  ];
  let text = readFileSync(file, 'utf8');
  for (const [from, to] of swaps) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${file} no longer contains ${String(from)}`);
    text = next;
  }
  return text;
}

/** Temp-path directives for the modules this nginx has, all under dir (nginx -V lists the missing). */
function tempPaths(dir: string): string {
  const built = spawnSync(NGINX, ['-V'], { encoding: 'utf8' }).stderr ?? '';
  const lines = [`client_body_temp_path ${join(dir, 'body')};`, `proxy_temp_path ${join(dir, 'proxy')};`];
  for (const m of ['fastcgi', 'uwsgi', 'scgi']) {
    if (!built.includes(`--without-http_${m}_module`)) lines.push(`${m}_temp_path ${join(dir, m)};`);
  }
  return lines.join('\n    ');
}

export interface Nginx {
  /** The port given to httpBlock (the one waited for). */
  port: number;
  dir: string;
  /** nginx's error log and anything it printed. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Writes `<dir>/nginx.conf` (foreground, one process, everything under dir; no `user`: as root it
 * then keeps running as root, as anyone else it runs as that user) around `httpBlock(port)`, starts
 * nginx and resolves once it accepts connections on port. A lost race for a free port is retried.
 */
export async function startNginx(
  dir: string,
  httpBlock: (port: number) => string,
  options: { port?: number } = {},
): Promise<Nginx> {
  mkdirSync(dir, { recursive: true });
  let lastLog = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    const conf = join(dir, 'nginx.conf');
    const errorLog = join(dir, 'error.log');
    writeFileSync(errorLog, '');
    writeFileSync(
      conf,
      `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} notice;
events {
    worker_connections 256;
}
http {
    access_log ${join(dir, 'access.log')};
    ${tempPaths(dir)}

${httpBlock(port)}
}
`,
    );
    // -e: the error log nginx uses before it has read the config (default /var/log/nginx/...).
    const child: ChildProcess = spawn(NGINX, ['-p', `${dir}/`, '-c', conf, '-e', errorLog], { stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (printed += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (printed += d));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let dead = false;
    void exited.then(() => (dead = true));
    const log = () => printed + (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
    const stop = async () => {
      if (dead) return;
      child.kill('SIGTERM'); // fast shutdown; SIGQUIT would wait for open WebSockets
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    };
    for (let i = 0; i < 200 && !dead; i++) {
      if (await accepts(port)) return { port, dir, log, stop };
      await sleep(25);
    }
    await stop();
    lastLog = log();
    if (options.port !== undefined || !/Address already in use/.test(lastLog)) break;
  }
  throw new Error(`nginx did not start:\n${lastLog}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/**
 * One HTTPS GET trusting `ca` (no redirects followed, no connection reuse). The path is sent as
 * written: no dot-segment removal or re-encoding (new URL() would do both).
 */
export function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<Response> {
  const { origin, hostname, port } = new URL(url);
  const path = url.slice(origin.length) || '/';
  return new Promise((resolve, reject) => {
    // SNI and the certificate check follow the URL, not a Host header the test sets.
    const servername = isIP(hostname) ? '' : hostname;
    const req = https.get({ host: hostname, port, path, ca, headers, agent: false, servername }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Tries a WebSocket upgrade; resolves with the refusal (status and body) or 101 if it opened. */
export function upgradeResult(url: string, options: WebSocket.ClientOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.on('error', reject); // on, not once: terminate() while connecting emits one more
  });
}
