// Fuzz: 100k random and mutated frames at ONE connection. The connection must never close, every
// error must carry a protocol error code (and none may be `internal`: bad input is not a server
// failure), every frame carrying a readable `ref` gets exactly one reply echoing it, every binary
// frame gets `unsupported`, nothing pollutes Object.prototype, and afterwards the same connection
// still works normally and /healthz is ok.
//
// Reproduce a run with FUZZ_SEED=<seed> (printed at the start); FUZZ_FRAMES changes the count.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ERROR_CODES, type ServerFrame } from '@chat/protocol';
import { DEFAULT_REQUEST_BUDGET, RequestBudget } from '../src/rate-limit/request-budget.js';
import { startServer, type TestServer } from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_c4a7);
const TOTAL = Number(process.env.FUZZ_FRAMES ?? 100_000);
const CHUNK = 200;
const MAX_FRAME_BYTES = 65536;
/** Frames are kept under this (a larger one legitimately closes with 1009, tested elsewhere). */
const FRAME_BUDGET = 60_000;

// ---- generators -----------------------------------------------------------------------------

type Gen =
  | { kind: 'raw'; data: string }
  | { kind: 'bin'; data: Uint8Array }
  /** An object frame; `splice` appends a raw JSON member (for literals like 1e999 and keys like __proto__). */
  | { kind: 'obj'; obj: Record<string, unknown>; splice?: { key: string; raw: string } };

const POOL_ROOMS = ['fz-a', 'fz-b', 'fz-c', 'lobby'];
// A fixed set of other valid names (so the connection's memberships stay bounded; a nick change
// sends presence to every room it is in), including names that are Object.prototype keys.
const ODD_ROOMS = ['constructor', 'prototype', 'null', 'undefined', 'true', '0', 'z', '9-_', 'a'.repeat(64), 'x_y-z', 'room-with-123'];
const roomName = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...POOL_ROOMS) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_ROOMS) },
);
const shortText = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });
const clientId = fc.oneof(fc.constantFrom('dup-1', 'dup-2', 'dup-3'), fc.string({ minLength: 1, maxLength: 64 }));
const smallSeq = fc.nat({ max: 2000 });

const validFrame: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('join'), room: roomName, since: smallSeq }, { requiredKeys: ['type', 'room'] }),
  fc.record({ type: fc.constant('leave'), room: roomName }),
  fc.record({ type: fc.constant('send'), room: roomName, id: clientId, text: shortText }),
  fc.oneof(
    fc.record({ type: fc.constant('history'), room: roomName, before: smallSeq, limit: fc.integer({ min: 1, max: 50 }) }, { requiredKeys: ['type', 'room'] }),
    fc.record({ type: fc.constant('history'), room: roomName, after: smallSeq, limit: fc.integer({ min: 1, max: 50 }) }, { requiredKeys: ['type', 'room'] }),
  ),
  fc.record({ type: fc.constant('typing'), room: roomName }),
  fc.record({ type: fc.constant('read'), room: roomName, seq: smallSeq }),
  fc.record({ type: fc.constant('ping') }),
  fc.record({ type: fc.constant('nick'), nick: fc.string({ minLength: 1, maxLength: 32, unit: 'grapheme-ascii' }) }),
);

const weirdString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '   \t\n ',
    'NaN',
    'Infinity',
    '-Infinity',
    '-1',
    '0x10',
    '1e999',
    'null',
    'undefined',
    'true',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'JOIN',
    'join ',
    ' ping',
    'Lobby',
    '-lobby',
    '_lobby',
    '\u0000',
    '\u0000lobby',
    'lobby\u0000',
    '\u202e\u202d',
    '\ud800',
    '\udfff\ud800',
    'bob\u0007',
    '𝕏𝕐ℤ',
    '🎉'.repeat(5000), // 5000 characters: over maxMessageChars
    'a'.repeat(65), // over the ref / id / room limits
    'a'.repeat(4001),
    '<script>alert(1)</script>',
    "'; DROP TABLE messages; --",
    '../../../../etc/passwd',
    '%s%n%x',
  ),
  fc.string({ maxLength: 100, unit: 'binary' }),
  fc.string({ maxLength: 100, unit: 'grapheme' }),
);

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  weirdString,
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(), // NaN and ±Infinity serialize as null
  fc.constantFrom(-1, -0.5, 0, 0.5, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  fc.jsonValue({ maxDepth: 4 }),
);

/** Raw JSON members that cannot be written with JSON.stringify of a plain JS object. */
const rawMember = fc.oneof(
  fc.record({
    key: fc.constantFrom('since', 'before', 'after', 'limit', 'seq', 'room', 'id', 'text', 'ref', 'type'),
    raw: fc.constantFrom('1e999', '-1e999', '1e-999', '-0', '123456789012345678901234567890', '0.0000001', '1E3', '9007199254740993'),
  }),
  fc.record({
    key: fc.constantFrom('__proto__', 'constructor', 'prototype'),
    raw: fc.constantFrom(
      '{"polluted":"yes","isAdmin":true,"room":"fz-a","type":"ping"}',
      '{"prototype":{"polluted":"yes"}}',
      '{"__proto__":{"polluted":"yes"}}',
      '"polluted"',
      'null',
      '[]',
    ),
  }),
);

const FIELDS = ['type', 'room', 'since', 'before', 'after', 'limit', 'text', 'id', 'nick', 'ref', 'user', 'private'];

const mutatedFrame: fc.Arbitrary<Gen> = fc.oneof(
  // Replace (or add) one field with a weird value.
  { weight: 6, arbitrary: fc.tuple(validFrame, fc.constantFrom(...FIELDS), weirdValue).map(([f, k, v]): Gen => ({ kind: 'obj', obj: { ...f, [k]: v } })) },
  // Drop one field.
  {
    weight: 2,
    arbitrary: fc.tuple(validFrame, fc.constantFrom(...FIELDS)).map(([f, k]): Gen => {
      const copy = { ...f };
      delete copy[k];
      return { kind: 'obj', obj: copy };
    }),
  },
  // Extra unknown fields.
  {
    weight: 1,
    arbitrary: fc
      .tuple(validFrame, fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }))
      .map(([f, extra]): Gen => ({ kind: 'obj', obj: { ...extra, ...f } })),
  },
  // Raw literals and prototype keys.
  { weight: 3, arbitrary: fc.tuple(validFrame, rawMember).map(([f, splice]): Gen => ({ kind: 'obj', obj: f, splice })) },
  // Several fields at once.
  {
    weight: 2,
    arbitrary: fc
      .tuple(validFrame, fc.dictionary(fc.constantFrom(...FIELDS), weirdValue, { maxKeys: 4 }))
      .map(([f, m]): Gen => ({ kind: 'obj', obj: { ...f, ...m } })),
  },
);

const brokenJson: fc.Arbitrary<Gen> = fc
  .tuple(validFrame, fc.nat(), fc.constantFrom('', '"', '{', '}', ',', ':', '\\', '\u0000', 'NaN', '\n'))
  .map(([f, cut, insert]): Gen => {
    const s = JSON.stringify(f);
    const at = cut % (s.length + 1);
    return { kind: 'raw', data: s.slice(0, at) + insert + s.slice(at + (insert === '' ? 1 : 0)) };
  });

const bigOrDeep: fc.Arbitrary<Gen> = fc.oneof(
  fc.integer({ min: 100, max: 9000 }).map((n): Gen => ({ kind: 'raw', data: '['.repeat(n) + ']'.repeat(n) })),
  fc.integer({ min: 100, max: 4000 }).map((n): Gen => ({ kind: 'raw', data: `{"type":"join","room":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}` })),
  fc.integer({ min: 4001, max: 20_000 }).map((n): Gen => ({ kind: 'obj', obj: { type: 'send', room: 'fz-a', id: 'big', text: 'b'.repeat(n) } })),
  fc.integer({ min: 100, max: 5000 }).map((n): Gen => ({ kind: 'obj', obj: { type: 'ping', pad: Array.from({ length: n }, (_, i) => i) } })),
);

const anyGen: fc.Arbitrary<Gen> = fc.oneof(
  { weight: 30, arbitrary: validFrame.map((obj): Gen => ({ kind: 'obj', obj })) },
  { weight: 30, arbitrary: mutatedFrame },
  { weight: 10, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v): Gen => ({ kind: 'raw', data: JSON.stringify(v) ?? 'null' })) },
  { weight: 4, arbitrary: fc.json({ maxDepth: 3 }).map((data): Gen => ({ kind: 'raw', data })) },
  { weight: 10, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }).map((data): Gen => ({ kind: 'raw', data })) },
  { weight: 6, arbitrary: brokenJson },
  {
    weight: 5,
    arbitrary: fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((data): Gen => ({ kind: 'bin', data })),
      validFrame.map((f): Gen => ({ kind: 'bin', data: new TextEncoder().encode(JSON.stringify(f)) })),
    ),
  },
  { weight: 1, arbitrary: bigOrDeep },
);

// ---- the run --------------------------------------------------------------------------------

let server: TestServer | undefined;
let ws: WebSocket | undefined;

afterEach(async () => {
  ws?.terminate();
  ws = undefined;
  await server?.close().catch(() => {});
  server = undefined;
});

describe('fuzz', () => {
  it(`survives ${TOTAL} random and mutated frames on one connection`, async () => {
    console.log(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} to reproduce), ${TOTAL} frames`);
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    // historyWindow kept small so a burst of joins cannot come near the slow-consumer limit. The
    // request budget is lifted (gateway/fairness.test.ts covers it): a fuzzer refused most of its
    // joins and histories would no longer reach their handlers. So is room creation.
    const unlimited = new RequestBudget({ ...DEFAULT_REQUEST_BUDGET, perUserRate: 0, perAddressRate: 0, nickRate: 0 });
    server = await startServer(
      { rateLimit: 0, historyWindow: 10, maxFrameBytes: MAX_FRAME_BYTES, maxRoomsCreatedPerHour: 0 },
      { requestBudget: unlimited },
    );
    const socket = new WebSocket(server.wsUrl({ nick: 'fuzzer' }));
    ws = socket;

    // Bookkeeping on everything the server sends.
    const badFrames: string[] = [];
    const errorsByCode = new Map<string, number>();
    const internalErrors: unknown[] = [];
    const refReplies = new Map<string, number>();
    const waiters = new Map<string, () => void>();
    let binaryFromServer = 0;
    let welcomes = 0;
    let frames = 0;
    const byType = new Map<string, number>();
    let closedWith: { code: number; reason: string } | undefined;

    socket.on('message', (data, isBinary) => {
      frames++;
      if (isBinary) {
        binaryFromServer++;
        return;
      }
      let f: ServerFrame & { ref?: unknown };
      try {
        f = JSON.parse(data.toString());
      } catch {
        badFrames.push(data.toString().slice(0, 200));
        return;
      }
      if (typeof f !== 'object' || f === null || typeof f.type !== 'string') {
        badFrames.push(data.toString().slice(0, 200));
        return;
      }
      byType.set(f.type, (byType.get(f.type) ?? 0) + 1);
      if (f.type === 'welcome') welcomes++;
      if (f.type === 'error') {
        errorsByCode.set(f.code, (errorsByCode.get(f.code) ?? 0) + 1);
        if (!(ERROR_CODES as readonly string[]).includes(f.code) || typeof f.message !== 'string') {
          badFrames.push(JSON.stringify(f).slice(0, 300));
        }
        if (f.code === 'internal' && internalErrors.length < 20) internalErrors.push(f);
      }
      if (typeof f.ref === 'string') {
        refReplies.set(f.ref, (refReplies.get(f.ref) ?? 0) + 1);
        waiters.get(f.ref)?.();
      }
    });
    socket.on('close', (code, reason) => {
      closedWith = { code, reason: reason.toString() };
      for (const w of waiters.values()) w();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });

    /** Sends a ping with a ref and waits for its pong (or for the connection to close). */
    const checkpoint = async (ref: string): Promise<void> => {
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no pong for ${ref} within 30 s`)), 30_000);
        waiters.set(ref, () => (clearTimeout(timer), waiters.delete(ref), resolve()));
      });
      socket.send(JSON.stringify({ type: 'ping', ref }));
      await done;
      if (closedWith) throw new Error(`connection closed during the fuzz: ${JSON.stringify(closedWith)} (seed ${SEED})`);
    };
    await checkpoint('chk-start');

    const exactlyOne = new Set<string>(); // refs that must be answered exactly once
    const atMostOne = new Set<string>(); // refs on `typing` and `read` frames: silent when valid
    let binarySent = 0;
    let refCounter = 0;
    const counts = { obj: 0, raw: 0, bin: 0, oversizeSkipped: 0 };

    for (let sent = 0, chunk = 0; sent < TOTAL; chunk++) {
      const gens = fc.sample(anyGen, { seed: SEED + chunk, numRuns: Math.min(CHUNK, TOTAL - sent) });
      for (const gen of gens) {
        sent++;
        if (gen.kind === 'bin') {
          binarySent++;
          counts.bin++;
          socket.send(gen.data, { binary: true });
          continue;
        }
        let text: string;
        let ref: string | undefined;
        if (gen.kind === 'raw') {
          counts.raw++;
          text = gen.data;
        } else {
          counts.obj++;
          const hasRef = Object.prototype.hasOwnProperty.call(gen.obj, 'ref');
          ref = hasRef ? undefined : `zz-${++refCounter}`;
          text = JSON.stringify(ref === undefined ? gen.obj : { ...gen.obj, ref });
          if (gen.splice) {
            text = `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}${JSON.stringify(gen.splice.key)}:${gen.splice.raw}}`;
          }
          if (ref !== undefined) {
            // Work out what the server will see, the way it will see it.
            let parsed: Record<string, unknown> | undefined;
            try {
              parsed = JSON.parse(text) as Record<string, unknown>;
            } catch {
              parsed = undefined;
            }
            if (parsed && parsed.ref === ref) (parsed.type === 'typing' || parsed.type === 'read' ? atMostOne : exactlyOne).add(ref);
          }
        }
        if (Buffer.byteLength(text) > FRAME_BUDGET) {
          counts.oversizeSkipped++;
          if (ref) exactlyOne.delete(ref);
          continue;
        }
        socket.send(text);
      }
      await checkpoint(`chk-${chunk}`);
    }
    console.log(`fuzz: sent ${JSON.stringify(counts)}, received ${frames} frames ${JSON.stringify(Object.fromEntries(byType))}; errors by code ${JSON.stringify(Object.fromEntries(errorsByCode))}`);

    // Replies that wait on the store (acks) may trail the last pong: wait for every tracked ref.
    const unanswered = () => [...exactlyOne].filter((r) => !refReplies.has(r));
    for (let i = 0; i < 300 && unanswered().length > 0 && !closedWith; i++) await new Promise((r) => setTimeout(r, 100));

    // ---- assertions on the run ----------------------------------------------------------------
    expect(closedWith, `the connection closed (seed ${SEED})`).toBeUndefined();
    expect(badFrames, 'frames that are not JSON objects with a type, or errors with an unknown code').toEqual([]);
    expect(internalErrors, `bad input caused server failures (seed ${SEED})`).toEqual([]);
    expect(binaryFromServer).toBe(0);
    expect(welcomes).toBe(1);
    expect(errorsByCode.get('unsupported') ?? 0, 'every binary frame gets exactly one `unsupported`').toBe(binarySent);
    expect(errorsByCode.get('bad_request') ?? 0).toBeGreaterThan(0);
    const missing = unanswered();
    expect(missing.length, `frames with a ref that got no reply, e.g. ${missing.slice(0, 5).join(', ')} (seed ${SEED})`).toBe(0);
    const repeated = [...refReplies].filter(([r, n]) => n > 1 && (exactlyOne.has(r) || atMostOne.has(r) || r.startsWith('chk-')));
    expect(repeated.slice(0, 5), 'a ref echoed by more than one reply').toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect((({}) as Record<string, unknown>).polluted).toBeUndefined();
    expect((({}) as Record<string, unknown>).isAdmin).toBeUndefined();

    // ---- the same connection still works normally ---------------------------------------------
    const request = (frame: Record<string, unknown>, ref: string) =>
      new Promise<ServerFrame>((resolve, reject) => {
        const timer = setTimeout(() => (socket.off('message', onMessage), reject(new Error(`no reply to ${ref}`))), 10_000);
        const onMessage = (data: WebSocket.RawData) => {
          const f = JSON.parse(data.toString()) as ServerFrame & { ref?: string };
          if (f.ref === ref) {
            clearTimeout(timer);
            socket.off('message', onMessage);
            resolve(f);
          }
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ ...frame, ref }));
      });
    expect(await request({ type: 'ping' }, 'final-ping')).toMatchObject({ type: 'pong', ref: 'final-ping' });
    const joined = await request({ type: 'join', room: 'fz-final' }, 'final-join');
    expect(joined).toMatchObject({ type: 'joined', room: 'fz-final', seq: 0, ref: 'final-join' });
    const messageSeen = new Promise<ServerFrame>((resolve) => {
      const onMessage = (data: WebSocket.RawData) => {
        const f = JSON.parse(data.toString()) as ServerFrame;
        if (f.type === 'message' && f.room === 'fz-final') {
          socket.off('message', onMessage);
          resolve(f);
        }
      };
      socket.on('message', onMessage);
    });
    const ack = await request({ type: 'send', room: 'fz-final', id: 'final-1', text: '  still alive  ' }, 'final-send');
    expect(ack).toMatchObject({ type: 'ack', room: 'fz-final', id: 'final-1', seq: 1, ref: 'final-send' });
    expect(await messageSeen).toMatchObject({ type: 'message', room: 'fz-final', seq: 1, clientId: 'final-1', text: 'still alive' });

    const health = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    expect(socket.readyState).toBe(WebSocket.OPEN);
  }, 180_000);
});
