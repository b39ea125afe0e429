// Every error code reachable without accounts (docs/protocol.md: Errors, Connecting). After each error the
// connection must still be open and answering; only an oversized frame closes it (1009).
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AckFrame, ErrorCode, ErrorFrame, HistoryReplyFrame, JoinedFrame, NickReplyFrame, PongFrame } from '@chat/protocol';
import { trackResources, TestClient } from '../helpers.js';

const { server, connect } = trackResources();

const join = (c: TestClient, room: string) => c.request<JoinedFrame>({ type: 'join', room });

/** The connection is open and still answers requests. */
async function expectAlive(c: TestClient, label = ''): Promise<void> {
  expect(c.ws.readyState, `connection closed after ${label}`).toBe(WebSocket.OPEN);
  expect((await c.request<PongFrame>({ type: 'ping' })).type, label).toBe('pong');
}

/** Sends `frame` with a ref; expects an `error` of `code` echoing that ref; then checks the connection. */
async function expectError(c: TestClient, frame: Record<string, unknown>, code: ErrorCode): Promise<ErrorFrame> {
  const label = JSON.stringify(frame);
  const err = await c.request<ErrorFrame>(frame);
  expect(err.type, label).toBe('error');
  expect(err.code, label).toBe(code);
  expect(typeof err.message, label).toBe('string');
  await expectAlive(c, label);
  return err;
}

/**
 * Sends a frame whose ref cannot be read (raw text, binary, bad ref); expects the next error to be
 * `code`, no other reply to it, and the connection still working.
 */
async function expectRawError(c: TestClient, data: string | Buffer, code: ErrorCode, binary = false): Promise<void> {
  const label = JSON.stringify(Buffer.isBuffer(data) ? `<binary ${data.toString('hex')}>` : data);
  expect(c.pending(), 'nothing unread before the bad frame').toEqual([]);
  c.send(data, { binary });
  const err = await c.nextOfType<ErrorFrame>('error');
  expect(err.code, label).toBe(code);
  expect(typeof err.message, label).toBe('string');
  await expectAlive(c, label);
  // The bad frame caused exactly one error and no other reply (e.g. no pong for a bad ping).
  expect(c.pending(), label).toEqual([]);
}

describe('bad_request', () => {
  it('answers frames that are not a JSON object', async () => {
    const s = await server();
    const c = await connect(s);
    for (const raw of ['hello', '{', '{"type":"ping"', '', ' ', 'null', '42', '"ping"', 'true', '[]', '[{"type":"ping"}]', '{"type":"ping"}{"type":"ping"}']) {
      await expectRawError(c, raw, 'bad_request');
    }
  });

  it('answers a missing, non-string or unknown type, with the ref', async () => {
    const s = await server();
    const c = await connect(s);
    const frames: Record<string, unknown>[] = [
      {},
      { type: 5 },
      { type: null },
      { type: ['ping'] },
      { type: { ping: true } },
      { type: '' },
      { type: 'PING' },
      { type: 'launch' },
      // Inherited object keys are not frame types.
      { type: '__proto__' },
      { type: 'constructor' },
      { type: 'toString' },
      { type: 'hasOwnProperty' },
      // Server-to-client types are not requests.
      { type: 'welcome' },
      { type: 'joined', room: 'lobby' },
      { type: 'message', room: 'lobby', text: 'x' },
      { type: 'pong' },
      { type: 'error', code: 'internal' },
    ];
    for (const f of frames) {
      const err = await expectError(c, f, 'bad_request');
      expect(err.ref).toBeDefined();
    }
  });

  it('answers missing and wrongly typed fields', async () => {
    const s = await server();
    const c = await connect(s);
    await join(c, 'here');
    const frames: Record<string, unknown>[] = [
      { type: 'join' },
      { type: 'join', room: 5 },
      { type: 'join', room: ['lobby'] },
      { type: 'join', room: 'here', since: '3' },
      { type: 'join', room: 'here', since: -1 },
      { type: 'join', room: 'here', since: 1.5 },
      { type: 'join', room: 'here', since: true },
      { type: 'leave' },
      { type: 'leave', room: 7 },
      { type: 'send', text: 'hi', id: 'a' },
      { type: 'send', room: 'here', id: 'a' },
      { type: 'send', room: 'here', text: 'hi' },
      { type: 'send', room: 'here', text: 5, id: 'a' },
      { type: 'send', room: 'here', text: ['hi'], id: 'a' },
      { type: 'send', room: 'here', text: 'hi', id: 5 },
      { type: 'send', room: 'here', text: 'hi', id: '' },
      { type: 'send', room: 'here', text: 'hi', id: 'i'.repeat(65) },
      { type: 'history' },
      { type: 'history', room: 'here', before: '5' },
      { type: 'history', room: 'here', before: -1 },
      { type: 'history', room: 'here', after: 2.5 },
      { type: 'history', room: 'here', limit: '10' },
      { type: 'history', room: 'here', limit: 0 },
      { type: 'history', room: 'here', limit: -5 },
      { type: 'history', room: 'here', limit: 2.5 },
      { type: 'history', room: 'here', before: 10, after: 2 },
      { type: 'typing' },
      { type: 'typing', room: false },
      { type: 'nick' },
      { type: 'nick', nick: 5 },
    ];
    for (const f of frames) await expectError(c, f, 'bad_request');

    // None of the bad sends stored anything.
    const h = await c.request<HistoryReplyFrame>({ type: 'history', room: 'here' });
    expect(h).toMatchObject({ type: 'history', messages: [], hasMore: false });
  });

  it('answers a ref that is too long or not a string, and does not act on that frame', async () => {
    const s = await server();
    const c = await connect(s);
    for (const ref of ['x'.repeat(65), 5, {}, ['r'], true]) {
      await expectRawError(c, JSON.stringify({ type: 'ping', ref }), 'bad_request');
    }
    // 64 characters is fine.
    const ref = 'y'.repeat(64);
    c.send({ type: 'ping', ref });
    expect(await c.nextOfType<PongFrame>('pong')).toMatchObject({ type: 'pong', ref });
  });
});

describe('unsupported', () => {
  it('answers a binary frame, even one holding valid JSON', async () => {
    const s = await server();
    const c = await connect(s);
    await expectRawError(c, Buffer.from(JSON.stringify({ type: 'ping', ref: 'bin' })), 'unsupported', true);
    await expectRawError(c, Buffer.from([0xff, 0x00, 0x01]), 'unsupported', true);
    await expectRawError(c, Buffer.alloc(0), 'unsupported', true);
  });
});

describe('invalid_room', () => {
  it('answers room names outside the rules, for every request that names a room', async () => {
    const s = await server();
    const c = await connect(s);
    const bad = ['Lobby', 'LOBBY', 'a'.repeat(65), '-abc', '_abc', '', ' lobby', 'lob by', 'lobby!', 'café', 'a.b', 'a/b', 'a\u0000'];
    for (const room of bad) await expectError(c, { type: 'join', room }, 'invalid_room');
    for (const type of ['leave', 'history', 'typing']) await expectError(c, { type, room: 'Bad' }, 'invalid_room');
    await expectError(c, { type: 'send', room: 'Bad', id: 'x', text: 'hi' }, 'invalid_room');

    // The edges of the rule are accepted.
    for (const room of ['a'.repeat(64), '0-a_b', 'x']) {
      expect(await join(c, room)).toMatchObject({ type: 'joined', room });
    }
  });
});

describe('invalid_nick', () => {
  it('answers nicks outside the rules and keeps the old nick', async () => {
    const s = await server();
    const c = await connect(s, { nick: 'alice' });
    const bad = ['', '   ', 'a'.repeat(33), '😀'.repeat(33), 'a\nb', 'a\tb', '\u0000x', 'x\u007f', 'x\u009b'];
    for (const nick of bad) await expectError(c, { type: 'nick', nick }, 'invalid_nick');

    // Nothing changed.
    const again = await connect(s, { token: c.welcome.token as string });
    expect(again.welcome.user).toMatchObject({ id: c.welcome.user.id, nick: 'alice' });

    // The edges: 32 characters, counted in code points.
    for (const nick of ['b'.repeat(32), '😀'.repeat(32)]) {
      expect(await c.request<NickReplyFrame>({ type: 'nick', nick })).toMatchObject({ type: 'nick', nick });
    }
  });
});

describe('invalid_text', () => {
  it('answers empty, blank and too long text (code points, after trimming); stores none of it', async () => {
    const s = await server({ maxMessageChars: 10 });
    const c = await connect(s);
    await join(c, 'txt');
    let n = 0;
    const send = (text: string, id = `t${++n}`) => ({ type: 'send', room: 'txt', id, text });

    for (const text of ['', '   ', ' \n\t\r ', 'a'.repeat(11), '😀'.repeat(11), ` ${'b'.repeat(11)} `]) {
      await expectError(c, send(text), 'invalid_text');
    }
    // A rejected send does not use up its id.
    await expectError(c, send('', 'reuse'), 'invalid_text');

    const ok = ['a'.repeat(10), '😀'.repeat(10), `   ${'c'.repeat(10)}\n`, 'fine'];
    for (const [i, text] of ok.entries()) {
      const ack = await c.request<AckFrame>(send(text, i === 3 ? 'reuse' : undefined));
      expect(ack, JSON.stringify(text)).toMatchObject({ type: 'ack', seq: i + 1 });
    }
    const h = await c.request<HistoryReplyFrame>({ type: 'history', room: 'txt' });
    expect(h.messages.filter(isMessage).map((m) => m.text)).toEqual(['a'.repeat(10), '😀'.repeat(10), 'c'.repeat(10), 'fine']);
  });
});

describe('not_member', () => {
  it('answers send, history and typing for a room the connection has not joined', async () => {
    const s = await server();
    const c = await connect(s);
    const other = await connect(s);
    await join(other, 'theirs');
    await join(c, 'mine');
    for (const room of ['theirs', 'lobby', 'never-created']) {
      await expectError(c, { type: 'send', room, id: `s-${room}`, text: 'hi' }, 'not_member');
      await expectError(c, { type: 'history', room }, 'not_member');
      await expectError(c, { type: 'typing', room }, 'not_member');
    }
    // Nothing reached the room.
    expect(await other.request<HistoryReplyFrame>({ type: 'history', room: 'theirs' })).toMatchObject({ messages: [] });
    expect(other.frames.filter((f) => f.type === 'message' || f.type === 'typing')).toEqual([]);

    // After leaving, too.
    await c.request({ type: 'leave', room: 'mine' });
    await expectError(c, { type: 'send', room: 'mine', id: 'after-leave', text: 'hi' }, 'not_member');
    await expectError(c, { type: 'history', room: 'mine' }, 'not_member');
  });

  it('is per connection: another connection of the same user being in the room does not count', async () => {
    const s = await server();
    const a = await connect(s);
    const a2 = await connect(s, { token: a.welcome.token as string });
    await join(a, 'room');
    await expectError(a2, { type: 'send', room: 'room', id: 'x', text: 'hi' }, 'not_member');
    await expectError(a2, { type: 'history', room: 'room' }, 'not_member');
  });
});

describe('rate_limited', () => {
  it('answers sends over the rate with retryAfterMs and the ref; the burst is accepted', async () => {
    const s = await server({ rateLimit: 2 });
    const c = await connect(s);
    await join(c, 'rl');
    const refs = Array.from({ length: 12 }, (_, i) => `rl-${i}`);
    const replies = Promise.all(refs.map((ref) => c.next((f) => 'ref' in f && f.ref === ref)));
    for (const [i, ref] of refs.entries()) c.send({ type: 'send', room: 'rl', id: `m${i}`, text: `m${i}`, ref });
    const got = await replies;

    const acks = got.filter((f) => f.type === 'ack');
    const limited = got.filter((f): f is ErrorFrame => f.type === 'error');
    // Burst is 2 × rateLimit; a slow machine can only let more through, never fewer.
    expect(acks.length).toBeGreaterThanOrEqual(4);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(acks.length + limited.length).toBe(refs.length);
    for (const e of limited) {
      expect(e.code).toBe('rate_limited');
      expect(typeof e.retryAfterMs).toBe('number');
      expect(e.retryAfterMs).toBeGreaterThan(0);
      expect(refs).toContain(e.ref);
    }
    await expectAlive(c, 'rate limiting');
  });
});

describe('oversized frames', () => {
  it('closes only the offending connection with 1009; a frame of exactly maxFrameBytes is fine', async () => {
    const s = await server({ maxFrameBytes: 1024 });
    const c = await connect(s);
    const bystander = await connect(s);

    const base = JSON.stringify({ type: 'ping', ref: 'exact', pad: '' });
    const exact = JSON.stringify({ type: 'ping', ref: 'exact', pad: 'p'.repeat(1024 - base.length) });
    expect(Buffer.byteLength(exact)).toBe(1024);
    c.send(exact);
    expect(await c.nextOfType<PongFrame>('pong')).toMatchObject({ ref: 'exact' });

    c.send(JSON.stringify({ type: 'send', room: 'lobby', id: 'big', text: 'x'.repeat(2000) }));
    expect((await c.closed).code).toBe(1009);
    await expectAlive(bystander, 'another connection’s oversized frame');
  });

  it('closes with 1009 on an oversized binary frame too', async () => {
    const s = await server({ maxFrameBytes: 1024 });
    const c = await connect(s);
    c.send(Buffer.alloc(4096, 0x61), { binary: true });
    expect((await c.closed).code).toBe(1009);
  });

  it('uses the 64 KiB default', async () => {
    const s = await server();
    const c = await connect(s);
    c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(64 * 1024) }));
    expect((await c.closed).code).toBe(1009);
  });
});
