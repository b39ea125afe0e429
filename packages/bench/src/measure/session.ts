// A server (one process, or a cluster setup's nodes) with its clients connected and joined.
import { ADAPTERS, type ConnectSpec, type PeerName } from '../adapters.js';
import { changeShare, describeMix, NO_CHANGES, type ChangeMix } from '../changes.js';
import { MiB } from '../format.js';
import { PeerProcess, ServerGroup } from '../peer-process.js';
import { SetupError, type Context } from '../scenario-context.js';
import type { ConnectResult } from '../worker-protocol.js';

/** Starts a session's servers: one fresh process, or the cluster scenario's setups. */
export interface Launcher {
  start(): Promise<ServerGroup>;
  /** Also measure the CPU of the postgres and redis-server processes in each step. */
  services: boolean;
  /**
   * --reactions and --edits apply (with a peer that has them). The cluster scenario's setups leave
   * them out: PostgreSQL refused changes when the option came in, and its setups compare the same load.
   */
  changes: boolean;
}

const oneProcess = (peer: PeerName): Launcher => ({ start: async () => new ServerGroup([await PeerProcess.start(peer)]), services: false, changes: true });

/** With several nodes: clients in contiguous blocks of the specs, so the first (the sender) is on node 1. */
function spread(specs: ConnectSpec[], ports: number[]): ConnectSpec[] {
  if (ports.length < 2) return specs;
  return specs.map((s, k) => ({ ...s, port: ports[Math.floor((k * ports.length) / specs.length)] as number }));
}

export class Session {
  private constructor(
    readonly ctx: Context,
    readonly peer: PeerName,
    readonly launcher: Launcher,
    readonly server: ServerGroup,
    readonly connect: ConnectResult,
  ) {}

  static async open(ctx: Context, peer: PeerName, specs: ConnectSpec[], deadlineMs: number, launcher: Launcher = oneProcess(peer)): Promise<Session> {
    const server = await launcher.start();
    let connect: ConnectResult;
    try {
      connect = await ctx.gen.connect(peer, server.port, spread(specs, server.ports), {
        concurrency: ctx.opts.connectConcurrency,
        timeoutMs: deadlineMs,
        deadlineMs,
      });
    } catch (err) {
      await server.stop();
      await ctx.gen.close();
      throw err;
    }
    const session = new Session(ctx, peer, launcher, server, connect);
    if (connect.connected < specs.length) {
      const problems = server.problems().slice(0, 3).join(' | ');
      await session.close();
      throw new SetupError(
        `${connect.connected} of ${specs.length} clients connected in ${(connect.elapsedMs / 1000).toFixed(1)} s` +
          ` (${Object.entries(connect.errors).map(([k, v]) => `${v}× ${k}`).join(', ') || 'deadline'})${problems ? `; server: ${problems}` : ''}`,
      );
    }
    const over = server.nodes.length > 1 ? ` over ${server.nodes.length} nodes` : '';
    const share = changeShare(session.mix) > 0 ? `; ${describeMix(session.mix)} of requests` : '';
    const none = ctx.opts.reactions + ctx.opts.edits > 0 && changeShare(session.mix) === 0 ? '; sends only (no reactions or edits here)' : '';
    ctx.log(`  ${peer}: ${specs.length} clients connected${over} in ${(connect.elapsedMs / 1000).toFixed(1)} s${share}${none}`);
    return session;
  }

  /** The shares of each sender's requests that are reactions and edits in this session's steps (none: sends only). */
  get mix(): ChangeMix {
    return ADAPTERS[this.peer].changes && this.launcher.changes ? { reactions: this.ctx.opts.reactions, edits: this.ctx.opts.edits } : NO_CHANGES;
  }

  peakRssMiB = 0;
  log: string[] = [];
  private closed = false;

  /** Records peak RSS and the server's output, stops the server, then drops the clients. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.peakRssMiB = Math.max(this.peakRssMiB, this.server.peakRssBytes() / MiB);
    await this.server.stop();
    this.log = this.server.problems();
    await this.ctx.gen.close();
  }
}
