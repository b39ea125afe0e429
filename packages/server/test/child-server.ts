// The built server (dist/main.js) as a child process on a free port, for tests that need a real
// process: kill -9, signals, what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from './helpers.js';

export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface ChildServer {
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:PORT, or https:// when started with tlsCa. */
  baseUrl: string;
  wsUrl(query?: Record<string, string>): string;
  /** The last 8000 characters the process wrote (or everything, with keepAllOutput). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

/** Kills (SIGKILL) every child still running; call it in afterEach. */
export function killChildren(): void {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(address.port));
    });
  });
}

export interface ChildOptions {
  /** Extra environment (defaults: RATE_LIMIT=0, LOG_LEVEL=warn). */
  env?: Record<string, string>;
  keepAllOutput?: boolean;
  /** Listen on this port (a restart on the same address); default: a free one. */
  port?: number;
  /**
   * The server speaks TLS (TLS_CERT/TLS_KEY in env): check health over https trusting this CA
   * (PEM), and make wsUrl() wss://. Default: plain http.
   */
  tlsCa?: string | Buffer;
  /**
   * Runs the server through this command, which must end by exec'ing its arguments (e.g.
   * test/ops/small-disk.ts's `onSmallDisk`, or `umask022`): `command... node dist/main.js`.
   */
  command?: string[];
}

/** Waits for the server's own "Join at:" line naming this port; false if it exits first. */
async function saidListening(output: () => string, port: number, dead: () => boolean): Promise<boolean> {
  const said = new RegExp(`Join at:\\n  https?://[^\\n]*:${port}\\n`);
  for (let i = 0; i < 500; i++) {
    if (said.test(output())) return true;
    if (dead()) return false;
    await sleep(10);
  }
  return false;
}

/** GET /healthz; true when it answers 200 {"status":"ok"}. */
async function healthy(port: number, tlsCa: string | Buffer | undefined): Promise<boolean> {
  if (tlsCa === undefined) {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return res.status === 200 && JSON.stringify(await res.json()) === JSON.stringify({ status: 'ok' });
  }
  return new Promise((resolve, reject) => {
    const req = httpsGet(`https://127.0.0.1:${port}/healthz`, { ca: tlsCa, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body === JSON.stringify({ status: 'ok' })));
      res.on('error', reject);
    });
    req.setTimeout(2000, () => req.destroy(new Error('health check timed out')));
    req.on('error', reject);
  });
}

/** Spawns dist/main.js on a free port and resolves once GET /healthz answers 200 {"status":"ok"}. */
export async function startChild(dataDir: string, options: ChildOptions = {}): Promise<ChildServer> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    const [program, ...args] = [...(options.command ?? []), process.execPath, MAIN];
    const child = spawn(program as string, args, {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        // Unlimited, as every client of a test comes from 127.0.0.1; a test that checks a limit sets it.
        RATE_LIMIT: '0',
        RATE_LIMIT_PER_IP: '0',
        MAX_ROOMS_CREATED_PER_IP_PER_HOUR: '0',
        MAX_GUESTS_PER_IP_PER_HOUR: '0',
        REQUEST_RATE_PER_IP: '0',
        LOG_LEVEL: 'warn',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    const keep = (d: string) => {
      out = options.keepAllOutput ? out + d : (out + d).slice(-8000);
    };
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let dead = false;
    void exited.then(() => (dead = true));
    for (let i = 0; i < 300 && !dead; i++) {
      try {
        // Whatever answers /healthz on the port might be another test's server that took the port
        // between freePort() and our listen (ours then exits with EADDRINUSE): it only counts
        // once our own process has said where it listens.
        if ((await healthy(port, options.tlsCa)) && (await saidListening(() => out, port, () => dead))) {
          const secure = options.tlsCa !== undefined;
          return {
            child,
            port,
            baseUrl: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`,
            wsUrl: (query = {}) => {
              const qs = new URLSearchParams(query).toString();
              return `${secure ? 'wss' : 'ws'}://127.0.0.1:${port}/ws${qs ? `?${qs}` : ''}`;
            },
            output: () => out,
            exited,
          };
        }
      } catch {
        /* not listening yet */
      }
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;
    lastError = out;
    if (options.port !== undefined || !/EADDRINUSE/.test(out)) break; // only a lost port race is worth another try
  }
  throw new Error(`server did not become healthy; output:\n${lastError}`);
}
