// The socket's lifecycle (src/lib/connection.ts): reconnect with backoff, wake, stop, keepalive,
// and giving up on a dead socket without waiting for its close event.
import { describe, expect, it, vi } from 'vitest';
import { message, onlineAsAlice, range, settle, useFakeTimers } from './client-harness.js';

useFakeTimers();

describe('reconnect', () => {
  it('a drop makes the client offline and reconnects after the backoff delay, which grows and resets on welcome', async () => {
    const h = onlineAsAlice({}, { serverUp: false });
    h.socket.drop(1006);
    expect(h.state.status).toBe('offline');
    expect(h.room().joined).toBe(false);

    // Delays with jitter at the top of its range: 1000, 2000, 4000 ms.
    for (const delay of [1000, 2000, 4000]) {
      const count = h.sockets.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(h.sockets).toHaveLength(count);
      await vi.advanceTimersByTimeAsync(1);
      expect(h.sockets).toHaveLength(count + 1);
      expect(h.state.status).toBe('connecting');
      h.socket.drop(1006); // still down (the token was not refused: the health check says down)
      await settle();
      expect(h.state.status).toBe('offline');
    }

    await vi.advanceTimersByTimeAsync(8000);
    h.connect();
    expect(h.state.status).toBe('online');
    h.socket.drop();
    const count = h.sockets.length;
    await vi.advanceTimersByTimeAsync(999);
    expect(h.sockets).toHaveLength(count);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.sockets).toHaveLength(count + 1); // back to the base delay
  });

  it('a server closing with 1001 (shutdown) is reconnected too', async () => {
    const h = onlineAsAlice();
    h.socket.drop(1001);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
  });

  it('wake() reconnects at once when offline; stop() closes and stays offline', async () => {
    const h = onlineAsAlice();
    h.socket.drop();
    h.client.wake();
    expect(h.sockets).toHaveLength(2);
    expect(h.state.status).toBe('connecting');
    h.connect();
    h.client.wake(); // online: nothing to do
    expect(h.sockets).toHaveLength(2);

    const socket = h.socket;
    h.client.stop();
    expect(socket.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(2);
    expect(h.state.status).toBe('offline');
    h.client.wake();
    expect(h.sockets).toHaveLength(2);
  });

  it('a late frame from an old socket is ignored', async () => {
    const h = onlineAsAlice({ seq: 1, history: range(1, 1) });
    const old = h.socket;
    old.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.connect({ joined: { lobby: { seq: 1 } } });
    old.receive(message(2));
    expect(h.seqs()).toEqual([1]);
  });
});

describe('keepalive', () => {
  it('pings after keepaliveMs without a frame, and closes the socket if nothing answers within 10 s', async () => {
    const h = onlineAsAlice({}, { keepaliveMs: 20_000 });
    const s = h.socket;
    await vi.advanceTimersByTimeAsync(19_999);
    expect(s.ofType('ping')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.ofType('ping')).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(9_999);
    expect(s.closedWith).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.closedWith).not.toBeNull();
    await settle();
    expect(h.state.status).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2); // and reconnects
  });

  it('a pong (or any frame) keeps the connection and restarts the quiet timer', async () => {
    const h = onlineAsAlice({}, { keepaliveMs: 20_000 });
    const s = h.socket;
    await vi.advanceTimersByTimeAsync(15_000);
    s.receive(message(1)); // traffic counts as proof of life
    await vi.advanceTimersByTimeAsync(15_000);
    expect(s.ofType('ping')).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s.ofType('ping')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5_000);
    s.receive({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(15_000);
    expect(s.closedWith).toBeNull();
    expect(h.state.status).toBe('online');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s.ofType('ping')).toHaveLength(2);
  });
});

// A browser delivers a dead socket's `close` only when the network returns (Chromium: minutes
// later), so the client decides for itself: no pong in time, or the browser's `offline` event.
describe('dead socket', () => {
  /** The old socket's close event, arriving whenever the browser gets round to it. */
  function lateClose(socket: { onclose: ((ev: { code: number; reason: string }) => void) | null }): void {
    socket.onclose?.({ code: 1006, reason: '' });
  }

  it('no pong: connecting at once, without any close event, and a new socket after the backoff delay', async () => {
    const h = onlineAsAlice({}, { keepaliveMs: 20_000 });
    const old = h.socket;
    const onclose = old.onclose;
    old.onclose = null; // the browser holds the close event back
    await vi.advanceTimersByTimeAsync(30_000);
    expect(old.closedWith).not.toBeNull();
    expect(h.state.status).toBe('connecting');
    expect(h.room().joined).toBe(false);

    await vi.advanceTimersByTimeAsync(999);
    expect(h.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.sockets).toHaveLength(2);
    expect(h.state.status).toBe('connecting');

    // The late close of the old socket neither marks the new one gone nor schedules another.
    onclose?.({ code: 1006, reason: '' });
    await settle();
    expect(h.state.status).toBe('connecting');
    h.connect();
    expect(h.state.status).toBe('online');
    lateClose(old);
    old.receive(message(7));
    await vi.advanceTimersByTimeAsync(15_000); // less than the new socket's own keepalive
    expect(h.state.status).toBe('online');
    expect(h.sockets).toHaveLength(2);
    expect(h.seqs()).toEqual([]);
  });

  it('networkLost(): connecting at once, a new socket after the backoff delay, the old close ignored', async () => {
    const h = onlineAsAlice();
    const old = h.socket;
    h.client.networkLost();
    expect(h.state.status).toBe('connecting');
    expect(old.closedWith).not.toBeNull();
    await settle(); // the old socket's close event: ignored
    expect(h.state.status).toBe('connecting');
    await vi.advanceTimersByTimeAsync(999);
    expect(h.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.sockets).toHaveLength(2);

    // Still offline: the attempt fails, and the schedule goes on with a longer delay.
    h.socket.drop();
    await settle();
    expect(h.state.status).toBe('offline');
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.sockets).toHaveLength(3);
    h.socket.drop();
    await settle();

    // Nothing more than one schedule: exactly one socket per delay.
    await vi.advanceTimersByTimeAsync(3999);
    expect(h.sockets).toHaveLength(3);
    lateClose(old);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.sockets).toHaveLength(4);
  });

  it('the network returning (wake) connects at once, even while waiting out the delay as connecting', async () => {
    const h = onlineAsAlice();
    h.client.networkLost();
    expect(h.state.status).toBe('connecting');
    h.client.wake();
    expect(h.sockets).toHaveLength(2);
    h.client.wake(); // a socket is already opening: not another
    expect(h.sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(2); // the scheduled attempt was replaced, not added
    h.connect();
    expect(h.state.status).toBe('online');
  });

  it('a message written while the network is lost goes out once, with its id, after the next joined', async () => {
    const h = onlineAsAlice();
    h.client.networkLost();
    h.client.send('lobby', 'written offline');
    const clientId = h.room().outbox[0]!.clientId;
    expect(h.sockets[0]!.ofType('send')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    const s = h.connect();
    expect(s.ofType('send').map((f) => f.id)).toEqual([clientId]);
  });

  it('networkLost() with no socket, or when stopped, does nothing', async () => {
    const h = onlineAsAlice();
    h.socket.drop();
    h.client.networkLost();
    expect(h.state.status).toBe('offline');
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    h.client.stop();
    h.client.networkLost();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(2);
    expect(h.state.status).toBe('offline');
  });
});
