// Raw HTTP/1.1 over a socket, for what fetch cannot do: declare a Content-Length and send less, or
// go away in the middle of a body.
import { connect, type Socket } from 'node:net';
import type { TestServer } from '../helpers.js';

/** What goes before and after a file's bytes in a multipart body with one part `file`, and its Content-Type. */
export function multipartBody(filename = 'data.bin', boundary = 'raw-boundary-7d3a9c'): { head: Buffer; tail: Buffer; contentType: string } {
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { head, tail, contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface RawRequest {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves with what was received once the answer's head has come (or the socket closed). */
  answer(): Promise<string>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
}

/** Opens a socket and sends a request head; the body is up to the caller. */
export function rawRequest(server: TestServer, path: string, headers: Record<string, string | number>): Promise<RawRequest> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let data = '';
    const waiters: Array<() => void> = [];
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n\r\n')) for (const w of waiters.splice(0)) w();
    });
    // A reset after the server answered and closed is expected when we were still sending.
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    void closed.then(() => {
      for (const w of waiters.splice(0)) w();
    });
    socket.once('connect', () => {
      const head = [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${server.port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
      socket.write(head);
      resolve({
        socket,
        received: () => data,
        answer: () => (data.includes('\r\n\r\n') || socket.destroyed ? Promise.resolve(data) : new Promise<string>((r) => waiters.push(() => r(data)))),
        closed,
      });
    });
    socket.once('error', reject);
  });
}
