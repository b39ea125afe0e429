// The tutorial's `ws` server, without its TLS (everything here is on 127.0.0.1): every message
// goes to every client, and the connection count goes to everyone on each connect and disconnect
// (an O(n²) cost for n joins). Usage: PORT=… node ws-broadcaster.js
import { createServer } from 'node:http';
import { WebSocketServer, type RawData } from 'ws';

const server = createServer((_req, res) => {
  res.writeHead(200);
  res.end('Websocket linked successfully');
});
const wss = new WebSocketServer({ server });

function broadcast(data: RawData | string, binary = false): void {
  wss.clients.forEach((client) => client.send(data, { binary }));
}

wss.on('connection', (ws) => {
  broadcast(String(wss.clients.size));
  // ws 8 hands over a Buffer; the tutorial (ws 7) got a string and sent text back, so keep text text.
  ws.on('message', (message, isBinary) => broadcast(message, isBinary));
  ws.on('close', () => broadcast(String(wss.clients.size)));
});

server.listen(Number(process.env.PORT), '127.0.0.1');
