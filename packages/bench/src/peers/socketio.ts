// Socket.IO 4 with rooms: `join` puts the socket in a room (and acknowledges), `msg` goes to
// everyone in the room, the sender included. Usage: PORT=… node socketio.js
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { serveClient: false });

io.on('connection', (socket) => {
  socket.on('join', (room: string, ack: () => void) => {
    void socket.join(room);
    ack();
  });
  socket.on('msg', (room: string, text: string) => {
    io.to(room).emit('msg', text);
  });
});

http.listen(Number(process.env.PORT), '127.0.0.1');
