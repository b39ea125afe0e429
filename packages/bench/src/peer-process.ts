// A server under test as a fresh child process on 127.0.0.1: our chat server (the built
// packages/server/dist/main.js) or one of the peers in ./peers/. Its CPU and memory are read from
// /proc/<pid>. A ServerGroup is the processes one measurement runs against (one server, or the
// nodes of a cluster), measured together.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PeerName } from './adapters.js';
import { sleep } from './format.js';
import WebSocket from 'ws';
import { peakRssBytes, processCpuSeconds, rssBytes } from './proc.js';

export const CHAT_MAIN = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url));

/** The built server of a checkout of this repository (--server-dir), or this one's. */
export function chatMainIn(dir: string | null): string {
  return dir ? join(dir, 'packages', 'server', 'dist', 'main.js') : CHAT_MAIN;
}

// Set once by run.ts before any server starts: every scenario starts our server through
// PeerProcess.start, and threading the choice through each of them would change them all for one
// setting of the run.
let chatMain = CHAT_MAIN;
export function useChatMain(file: string): void {
  chatMain = file;
}

/** The built server this run measures (the search scenario loads its store from beside it). */
export function currentChatMain(): string {
  return chatMain;
}

const PEER_SCRIPTS: Record<Exclude<PeerName, 'chat'>, string> = {
  'ws-broadcaster': fileURLToPath(new URL('./peers/ws-broadcaster.js', import.meta.url)),
  'nodejs-websocket': fileURLToPath(new URL('./peers/nodejs-websocket.js', import.meta.url)),
  socketio: fileURLToPath(new URL('./peers/socketio.js', import.meta.url)),
};

/** The settings our server runs with here: no limits that a load test would trip over. */
export function chatEnv(port: number, dataDir: string): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    RATE_LIMIT: '0',
    MAX_CONNECTIONS_PER_IP: '0',
    MAX_GUESTS_PER_IP_PER_HOUR: '0',
    // Every client of the load generator comes from 127.0.0.1 (the fairness scenario runs the shipped limits).
    RATE_LIMIT_PER_IP: '0',
    MAX_ROOMS_CREATED_PER_IP_PER_HOUR: '0',
    MAX_ROOMS_CREATED_PER_HOUR: '0',
    REQUEST_RATE_PER_IP: '0',
    MAX_ROOMS_PER_CONNECTION: '0',
    LOG_LEVEL: 'warn',
    HEARTBEAT_MS: '30000',
  };
}

/**
 * Our server as shipped, every limit at its default (the fairness scenario measures what those
 * limits leave an abuser): only where it listens, where its data goes, and quiet logs.
 */
export function shippedChatEnv(port: number, dataDir: string): Record<string, string> {
  return { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
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

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Every server still running, with its data directory. */
const running = new Map<ChildProcess, string | null>();
/** Data directories of servers stopped by terminate() and not started again (yet): also removed by killAll. */
const between = new Set<string>();

export class PeerProcess {
  /** SIGKILLs every server still running (the run is being cut short), and removes their data directories. */
  static killAll(): void {
    for (const [child, dataDir] of running) {
      child.kill('SIGKILL');
      if (dataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    }
    running.clear();
    for (const dataDir of between) rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    between.clear();
  }

  private out = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;
  private stopping = false;

  private constructor(
    readonly peer: PeerName,
    readonly port: number,
    private readonly child: ChildProcess,
    private dataDir: string | null,
    private readonly launch: { args: string[]; env: Record<string, string> },
  ) {
    const keep = (chunk: Buffer): void => {
      this.out += chunk.toString();
      if (this.out.length > 64_000) this.out = this.out.slice(-32_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    running.set(child, dataDir);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.exitInfo = { code, signal };
        resolve();
      }),
    );
  }

  /**
   * `extraEnv`: settings on top of chatEnv (our server only), e.g. DATABASE_URL. `inspect`: start
   * the process with the inspector on a free 127.0.0.1 port, for collectGarbage(). `shipped`: our
   * server with its default limits (shippedChatEnv) instead of chatEnv's.
   */
  static async start(peer: PeerName, extraEnv: Record<string, string> = {}, options: { inspect?: boolean; shipped?: boolean } = {}): Promise<PeerProcess> {
    const port = await freePort();
    let dataDir: string | null = null;
    let args: string[];
    let env: Record<string, string>;
    if (peer === 'chat') {
      dataDir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
      // For profiling our server under a scenario: BENCH_CHAT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
      args = [...(process.env.BENCH_CHAT_NODE_ARGS?.split(' ').filter(Boolean) ?? []), chatMain];
      env = { ...(options.shipped ? shippedChatEnv : chatEnv)(port, dataDir), ...extraEnv };
    } else {
      // The same for the other peers, to profile them under the same load: BENCH_PEER_NODE_ARGS.
      args = [...(process.env.BENCH_PEER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), PEER_SCRIPTS[peer]];
      env = { PORT: String(port) };
    }
    if (options.inspect) args = ['--inspect=127.0.0.1:0', ...args];
    return PeerProcess.launch(peer, port, dataDir, { args, env });
  }

  /** Spawns the server and resolves once it accepts connections on `port`. */
  private static async launch(peer: PeerName, port: number, dataDir: string | null, launch: { args: string[]; env: Record<string, string> }): Promise<PeerProcess> {
    const child = spawn(process.execPath, launch.args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...launch.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new PeerProcess(peer, port, child, dataDir, launch);
    const deadline = Date.now() + 20_000;
    while (!(await canConnect(port))) {
      if (proc.exitInfo) {
        await proc.stop();
        throw new Error(`${peer} exited before listening (${JSON.stringify(proc.exitInfo)}): ${proc.out.slice(-2000)}`);
      }
      if (Date.now() > deadline) {
        await proc.stop();
        throw new Error(`${peer} did not listen on 127.0.0.1:${port} within 20 s: ${proc.out.slice(-2000)}`);
      }
      await sleep(30);
    }
    return proc;
  }

  /**
   * A deploy's restart, first half: SIGTERM (SIGKILL after 10 s) and wait for the exit, keeping
   * the data directory for startAgain().
   */
  async terminate(): Promise<void> {
    this.stopping = true;
    if (this.dataDir) between.add(this.dataDir);
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  /**
   * The second half, after terminate(): the same server again, on the same port with the same data
   * directory and settings. Resolves once it listens; the data directory is then the new one's.
   */
  async startAgain(): Promise<PeerProcess> {
    if (this.alive) throw new Error(`${this.peer} is still running: terminate() first`);
    const dataDir = this.dataDir;
    this.dataDir = null;
    if (dataDir) between.delete(dataDir);
    return PeerProcess.launch(this.peer, this.port, dataDir, this.launch);
  }

  /**
   * A full garbage collection in the server, through its inspector (started with `inspect`), so
   * that a memory reading counts what the server holds, not garbage it has yet to collect: a
   * server that happened to return its garbage to the OS would otherwise look leaner than one
   * that had not. Resolves when the collection is done.
   */
  async collectGarbage(): Promise<void> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(this.out)?.[1];
    if (!url) throw new Error(`${this.peer} was not started with its inspector`);
    const ws = new WebSocket(url);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('error', reject);
        ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
        ws.on('message', (data) => {
          if ((JSON.parse(data.toString()) as { id?: number }).id === 1) resolve();
        });
      });
    } finally {
      ws.close();
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** The process died by itself (not stopped by us). */
  get crashed(): boolean {
    return this.exitInfo !== null && !this.stopping;
  }

  cpuSeconds(): number {
    return this.alive ? processCpuSeconds(this.pid) : 0;
  }

  rssBytes(): number {
    return this.alive ? rssBytes(this.pid) : 0;
  }

  peakRssBytes(): number {
    return this.alive ? peakRssBytes(this.pid) : 0;
  }

  /**
   * What the server wrote besides its start-up banner: for our server (LOG_LEVEL=warn) every line
   * is a warning or an error worth reading; the peers print nothing unless they fail.
   */
  problems(): string[] {
    return this.out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^Chat is running|^Join at:|^https?:\/\/|^Debugger (listening|attached|ending)|^For help, see:/.test(l));
  }

  /** SIGTERM (our server shuts down cleanly), SIGKILL after 10 s; removes its data directory. */
  async stop(): Promise<void> {
    await this.terminate();
    if (this.dataDir) {
      rmSync(this.dataDir, { recursive: true, force: true });
      between.delete(this.dataDir);
    }
  }

  /** How it exited (exit code or signal), or null while running: a restart should see code 0. */
  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.exitInfo;
  }
}

/** One server, or the nodes of a cluster: CPU and memory summed over the processes. */
export class ServerGroup {
  constructor(readonly nodes: PeerProcess[]) {}

  /**
   * `count` servers with the same environment, started one after the other: on a fresh schema the
   * first migrates it and the next finds it done. When one fails to start, those started stop.
   */
  static async startInTurn(peer: PeerName, count: number, env: Record<string, string>): Promise<ServerGroup> {
    const started: PeerProcess[] = [];
    try {
      for (let i = 0; i < count; i++) started.push(await PeerProcess.start(peer, env));
    } catch (err) {
      await Promise.all(started.map((p) => p.stop()));
      throw err;
    }
    return new ServerGroup(started);
  }

  /** The first node's port: clients without a port of their own connect there. */
  get port(): number {
    return (this.nodes[0] as PeerProcess).port;
  }

  get ports(): number[] {
    return this.nodes.map((n) => n.port);
  }

  get alive(): boolean {
    return this.nodes.every((n) => n.alive);
  }

  cpuSeconds(): number {
    return this.nodes.reduce((a, n) => a + n.cpuSeconds(), 0);
  }

  /** Each node's CPU seconds (a node near a full core was a bottleneck). */
  cpuSecondsEach(): number[] {
    return this.nodes.map((n) => n.cpuSeconds());
  }

  rssBytes(): number {
    return this.nodes.reduce((a, n) => a + n.rssBytes(), 0);
  }

  /** The sum of each node's peak RSS. */
  peakRssBytes(): number {
    return this.nodes.reduce((a, n) => a + n.peakRssBytes(), 0);
  }

  problems(): string[] {
    return this.nodes.length === 1 ? this.nodes.flatMap((n) => n.problems()) : this.nodes.flatMap((n, i) => n.problems().map((l) => `node ${i + 1}: ${l}`));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
