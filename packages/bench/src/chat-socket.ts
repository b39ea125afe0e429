// A bare client of our server for the fairness scenario's threads: a WebSocket to 127.0.0.1 from a
// chosen loopback address, open once `welcome` has arrived. Frames are parsed by the caller.
import type { ServerFrame, WelcomeFrame } from '@chat/protocol';
import WebSocket from 'ws';

const WS_OPTIONS = { perMessageDeflate: false } as const;

/**
 * Opens `/ws?<query>` on 127.0.0.1:port from `localAddress` and resolves with the socket once the
 * server's `welcome` came (rejects on an HTTP refusal, a socket error, a close, or the timeout).
 * Frames after `welcome` go to the caller's own 'message' listener.
 */
export function openChat(port: number, localAddress: string, query: string, timeoutMs: number): Promise<{ ws: WebSocket; welcome: WelcomeFrame }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?${query}`, { ...WS_OPTIONS, localAddress });
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      ws.removeAllListeners('message');
      ws.on('error', () => {});
      ws.terminate();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail('no welcome in time'), timeoutMs);
    ws.once('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode ?? '?'}`));
    ws.once('error', (err: NodeJS.ErrnoException) => fail(`socket error ${err.code ?? err.message}`));
    ws.once('close', (code) => fail(`closed before welcome (${code})`));
    ws.once('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if (frame.type !== 'welcome') return fail(`${frame.type} before welcome`);
      clearTimeout(timer);
      ws.removeAllListeners('unexpected-response');
      ws.removeAllListeners('error');
      ws.removeAllListeners('close');
      ws.on('error', () => {});
      resolve({ ws, welcome: frame });
    });
  });
}

/** `close CODE reason` for a report. */
export function closeText(code: number, reason: Buffer): string {
  const text = reason.toString();
  return text ? `close ${code} ${text}` : `close ${code}`;
}
