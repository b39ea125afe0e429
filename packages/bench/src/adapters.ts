// How a benchmark client talks to each peer: connect, join a room, send a text (our server: or
// react to a message, or edit one of its own), and hand every frame that may carry a benchmark payload to the worker (which
// finds the payload itself). These run inside the load generator's worker threads.
import type { EditFrame, JoinFrame, ReactFrame, SendFrame, ServerFrame } from '@chat/protocol';
import { io as socketIo } from 'socket.io-client';
import WebSocket from 'ws';
import { ackSeq, isChangedFrame, isEditChange, messageSeq, OwnMessages, RecentMessages } from './changes.js';

export const PEERS = ['chat', 'ws-broadcaster', 'nodejs-websocket', 'socketio'] as const;
export type PeerName = (typeof PEERS)[number];

export interface ClientHooks {
  /** A frame that may hold a payload (the adapter does not parse it). */
  onFrame(data: Buffer): void;
  /** A text known to be one message's text (Socket.IO events, chat history). */
  onText(text: string): void;
  /**
   * chat: a `changed` event (a change to an earlier message). Never a delivery: its message is the
   * target's current state, old payload included, so it is counted apart and not parsed. `edit`:
   * the change is an edit's (else a reaction's).
   */
  onChange(edit: boolean): void;
  /** The connection ended without the worker asking for it. */
  onClose(reason: string): void;
}

export interface ConnectSpec {
  index: number;
  room: string;
  /** The server port this client connects to, when not the one the connect command names (cluster: one of the nodes). */
  port?: number;
  /** chat only: reconnect as the same guest (welcome.token of an earlier connection). */
  token?: string;
  /** chat only: join with `since`, and hand the history it returns to onText. */
  since?: number;
}

export interface BenchClient {
  /** chat: the guest's restore token from welcome. */
  readonly token: string | undefined;
  /** chat: joined.seq, the room's last seq when the join completed. */
  readonly joinedSeq: number;
  send(room: string, text: string, clientId: string): void;
  /**
   * chat: from now on, note the seqs of the messages this client receives, as targets for react(),
   * and of its own messages the server acknowledged, as targets for edit() (a load without changes
   * does not pay for it).
   */
  watchMessages(): void;
  /**
   * chat: toggles this client's reaction on one of the messages it saw lately. False when it
   * cannot (a peer without reactions, or no message seen since watchMessages): the caller sends
   * instead.
   */
  react(room: string): boolean;
  /**
   * chat: replaces the text of one of this client's own latest acknowledged messages with `text`
   * (which must differ from every text it had). False when it cannot (a peer without edits, or no
   * own message acknowledged since watchMessages): the caller sends instead.
   */
  edit(room: string, text: string): boolean;
  /** Close now (no handshake). */
  terminate(): void;
  /** Close with a handshake; resolves once closed (or after timeoutMs). */
  close(timeoutMs: number): Promise<void>;
}

export interface ClientAdapter {
  /** Has rooms: messages reach only the room's members. Without, every client gets everything. */
  readonly rooms: boolean;
  /** Keeps history: a client can resume what it missed. */
  readonly history: boolean;
  /** Has reactions and edits (--reactions and --edits apply): our server only. */
  readonly changes: boolean;
  connect(port: number, spec: ConnectSpec, hooks: ClientHooks, timeoutMs: number): Promise<BenchClient>;
}

const WS_OPTIONS = { perMessageDeflate: false, skipUTF8Validation: true } as const;

class WsClient implements BenchClient {
  token: string | undefined;
  joinedSeq = 0;
  ended = false;
  /** chat: the messages this client saw lately, from watchMessages() on. */
  recent: RecentMessages | null = null;
  /** chat: its own messages the server acknowledged lately, from watchMessages() on. */
  own: OwnMessages | null = null;
  constructor(
    readonly ws: WebSocket,
    private readonly frame: (room: string, text: string, clientId: string) => string,
    private readonly changes = false,
  ) {}
  send(room: string, text: string, clientId: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(this.frame(room, text, clientId));
  }
  watchMessages(): void {
    if (!this.changes) return;
    this.recent ??= new RecentMessages();
    this.own ??= new OwnMessages();
  }
  react(room: string): boolean {
    const r = this.recent?.next();
    if (!r) return false;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'react', room, ...r } satisfies ReactFrame));
    return true;
  }
  edit(room: string, text: string): boolean {
    const seq = this.own?.next();
    if (seq === undefined || seq === null) return false;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'edit', room, seq, text } satisfies EditFrame));
    return true;
  }
  terminate(): void {
    this.ended = true;
    this.ws.terminate();
  }
  close(timeoutMs: number): Promise<void> {
    this.ended = true;
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, timeoutMs);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close(1000);
    });
  }
}

function openWs(url: string, timeoutMs: number): { ws: WebSocket; timer: NodeJS.Timeout; fail: Promise<never> } {
  const ws = new WebSocket(url, WS_OPTIONS);
  let timer!: NodeJS.Timeout;
  const fail = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('connect timeout'));
    }, timeoutMs);
    ws.once('error', (err) => reject(new Error(`connect error: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    ws.once('close', (code) => reject(new Error(`closed while connecting (${code})`)));
  });
  fail.catch(() => {}); // the caller races it; an unobserved rejection must not crash the worker
  return { ws, timer, fail };
}

function watchClose(client: WsClient, hooks: ClientHooks): void {
  client.ws.removeAllListeners('close');
  client.ws.removeAllListeners('error');
  client.ws.on('error', () => {});
  client.ws.on('close', (code) => {
    if (!client.ended) hooks.onClose(`close ${code}`);
  });
}

/** The tutorial broadcasters: connected is joined; a send is the bare text; no rooms. */
const broadcaster: ClientAdapter = {
  rooms: false,
  history: false,
  changes: false,
  async connect(port, _spec, hooks, timeoutMs) {
    const { ws, timer, fail } = openWs(`ws://127.0.0.1:${port}/`, timeoutMs);
    const client = new WsClient(ws, (_room, text) => text);
    ws.on('message', (data) => hooks.onFrame(data as Buffer));
    await Promise.race([new Promise<void>((resolve) => ws.once('open', () => resolve())), fail]);
    clearTimeout(timer);
    watchClose(client, hooks);
    return client;
  },
};

/**
 * Our server: join (with since when resuming) as soon as the socket is open, as the protocol
 * allows (docs/protocol.md: frames sent before `welcome` wait for it), so a connect + join costs
 * one round trip after the upgrade, as a well-written client's does. Live once `joined` arrives.
 */
const chat: ClientAdapter = {
  rooms: true,
  history: true,
  changes: true,
  async connect(port, spec, hooks, timeoutMs) {
    const query = spec.token !== undefined ? `token=${encodeURIComponent(spec.token)}` : `nick=b${spec.index}`;
    const { ws, timer, fail } = openWs(`ws://127.0.0.1:${port}/ws?${query}`, timeoutMs);
    const client = new WsClient(ws, (room, text, id) => JSON.stringify({ type: 'send', room, text, id } satisfies SendFrame), true);
    let isLive = false;
    ws.once('open', () => {
      const join: JoinFrame = { type: 'join', room: spec.room };
      if (spec.since !== undefined) join.since = spec.since;
      ws.send(JSON.stringify(join));
    });
    const joined = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        if (isLive) return live(client, data as Buffer, hooks);
        const frame = JSON.parse((data as Buffer).toString()) as ServerFrame;
        if (frame.type === 'welcome') {
          client.token = frame.token;
        } else if (frame.type === 'joined' && frame.room === spec.room) {
          client.joinedSeq = frame.seq;
          isLive = true;
          if (spec.since !== undefined) for (const m of frame.history) if (m.type === 'message') hooks.onText(m.text);
          resolve();
        } else if (frame.type === 'error') {
          reject(new Error(`error ${frame.code}: ${frame.message}`));
        }
      });
    });
    await Promise.race([joined, fail]);
    clearTimeout(timer);
    watchClose(client, hooks);
    return client;
  },
};

/**
 * A frame of our server once joined: a change is counted apart; a message's seq is noted for
 * reactions, and an `ack`'s (this client's own message, stored) for edits.
 */
function live(client: WsClient, data: Buffer, hooks: ClientHooks): void {
  if (isChangedFrame(data)) return hooks.onChange(isEditChange(data));
  if (client.recent) {
    const seq = messageSeq(data);
    if (seq > 0) client.recent.saw(seq);
    else {
      const own = ackSeq(data);
      if (own > 0) client.own?.acked(own);
    }
  }
  hooks.onFrame(data);
}

/** Socket.IO 4 over its WebSocket transport only (no long-polling upgrade dance). */
const socketio: ClientAdapter = {
  rooms: true,
  history: false,
  changes: false,
  connect(port, spec, hooks, timeoutMs) {
    return new Promise((resolve, reject) => {
      const socket = socketIo(`http://127.0.0.1:${port}`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        timeout: timeoutMs,
      });
      let ended = false;
      let joined = false;
      const client: BenchClient = {
        token: undefined,
        joinedSeq: 0,
        send: (room, text) => void socket.emit('msg', room, text),
        watchMessages: () => {},
        react: () => false,
        edit: () => false,
        terminate: () => {
          ended = true;
          socket.disconnect();
        },
        close: async () => {
          ended = true;
          socket.disconnect();
        },
      };
      const timer = setTimeout(() => {
        ended = true;
        socket.disconnect();
        reject(new Error('connect timeout'));
      }, timeoutMs);
      socket.on('msg', (text: string) => hooks.onText(text));
      socket.on('connect_error', (err) => {
        clearTimeout(timer);
        ended = true;
        socket.disconnect();
        reject(new Error(`connect error: ${err.message}`));
      });
      socket.on('disconnect', (reason) => {
        if (!joined) {
          clearTimeout(timer);
          reject(new Error(`disconnected while connecting (${reason})`));
        } else if (!ended) hooks.onClose(`socket.io ${reason}`);
      });
      socket.once('connect', () => {
        socket.emit('join', spec.room, () => {
          joined = true;
          clearTimeout(timer);
          resolve(client);
        });
      });
    });
  },
};

export const ADAPTERS: Record<PeerName, ClientAdapter> = {
  chat,
  'ws-broadcaster': broadcaster,
  'nodejs-websocket': broadcaster,
  socketio,
};
