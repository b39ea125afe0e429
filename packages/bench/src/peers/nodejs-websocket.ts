// The tutorial's `nodejs-websocket` server: every text goes to every connection.
// Usage: PORT=… node nodejs-websocket.js
import { createRequire } from 'node:module';

// The package is CommonJS without types; this is the part of its API the tutorial uses.
interface Connection {
  on(event: 'text', listener: (text: string) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  sendText(text: string): void;
}
interface Server {
  connections: Connection[];
  listen(port: number, host: string): void;
}
const ws = createRequire(import.meta.url)('nodejs-websocket') as {
  createServer(onConnection: (conn: Connection) => void): Server;
};

const server = ws.createServer((conn) => {
  conn.on('text', (str) => broadcast(str));
  conn.on('error', () => {}); // the tutorial logs it; a closed client is no news here
});
server.listen(Number(process.env.PORT), '127.0.0.1');

function broadcast(data: string): void {
  server.connections.forEach((conn) => conn.sendText(data));
}
