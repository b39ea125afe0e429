// Ordering and delivery (docs/protocol.md: Ordering and delivery; send idempotency; resume with since;
// rate limits): every member sees every message once, in gap-free seq order, across reconnects.
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import type { AckFrame, ErrorFrame, HistoryReplyFrame, JoinedFrame, ServerFrame } from '@chat/protocol';
import { nextMessages, sendMany, seqRange, sleep, trackResources, TestClient, type MessageEvent } from '../helpers.js';

const { server, connect } = trackResources();

const join = (c: TestClient, room: string, extra: Record<string, unknown> = {}) =>
  c.request<JoinedFrame>({ type: 'join', room, ...extra });
const seqs = (messages: { seq: number }[]) => messages.map((m) => m.seq);
const messagesIn = (c: TestClient, room: string) =>
  c.frames.filter((f): f is MessageEvent => f.type === 'message' && f.room === room);

async function allHistory(c: TestClient, room: string): Promise<MessageEvent[]> {
  const out: MessageEvent[] = [];
  for (let after = 0; ; ) {
    const page = await c.request<HistoryReplyFrame>({ type: 'history', room, after, limit: 200 });
    out.push(...page.messages.filter(isMessage));
    if (!page.hasMore) return out;
    after = page.messages.at(-1)!.seq;
  }
}

/**
 * The seqs a connection saw for `room`, in arrival order, from `joined` history and live `message`
 * events together (everything after the connection's first joined for that room).
 */
function seenSeqs(c: TestClient, room: string): number[] {
  const out: number[] = [];
  let joined = false;
  for (const f of c.frames) {
    if (f.type === 'joined' && f.room === room) {
      joined = true;
      out.push(...seqs(f.history));
    } else if (f.type === 'message' && f.room === room) {
      expect(joined, 'a message event before joined').toBe(true);
      out.push(f.seq);
    }
  }
  return out;
}

describe('ordering', () => {
  it('several concurrent senders: every member sees every message once, gap-free, in one order', async () => {
    const s = await server({ rateLimit: 0 });
    const senders = await Promise.all([0, 1, 2, 3].map((i) => connect(s, { nick: `sender${i}` })));
    const observer = await connect(s, { nick: 'observer' });
    const all = [...senders, observer];
    for (const c of all) await join(c, 'race');

    const PER = 50;
    const total = senders.length * PER;
    // Interleave the senders' frames as tightly as possible.
    const replies: Promise<ServerFrame>[] = [];
    for (let i = 0; i < PER; i++) {
      for (const [k, c] of senders.entries()) {
        replies.push(c.request({ type: 'send', room: 'race', id: `s${k}-${i}`, text: `sender ${k} message ${i}` }, 30_000));
      }
    }
    const acks = (await Promise.all(replies)) as AckFrame[];
    expect(acks.every((a) => a.type === 'ack')).toBe(true);
    expect([...acks.map((a) => a.seq)].sort((x, y) => x - y)).toEqual(seqRange(1, total));

    const received = await Promise.all(all.map((c) => nextMessages(c, 'race', total, 20_000)));
    const reference = received[0]!;
    expect(seqs(reference)).toEqual(seqRange(1, total));
    for (const r of received) {
      expect(seqs(r)).toEqual(seqRange(1, total));
      expect(r.map((m) => m.id)).toEqual(reference.map((m) => m.id));
    }
    // Each ack names the message that carries its seq.
    const bySeq = new Map(reference.map((m) => [m.seq, m]));
    for (const [i, a] of acks.entries()) {
      const k = i % senders.length;
      const m = bySeq.get(a.seq)!;
      expect(m).toMatchObject({ id: a.msgId, clientId: a.id, from: senders[k]!.welcome.user, ts: a.ts });
    }
    expect(new Set(reference.map((m) => m.id)).size).toBe(total);

    // No duplicate trails behind: the next message each connection gets is the next seq.
    await observer.request({ type: 'send', room: 'race', id: 'last', text: 'last' });
    for (const c of all) expect((await c.nextOfType<MessageEvent>('message')).seq).toBe(total + 1);

    // The store agrees with what was delivered.
    expect((await allHistory(observer, 'race')).slice(0, total)).toEqual(reference);
  }, 60_000);

  it('a join during a burst: history and live events together hold every message once, in order', async () => {
    const s = await server({ rateLimit: 0 });
    const sender = await connect(s);
    await join(sender, 'burst');
    await sendMany(sender, 'burst', 20);

    const resumer = await connect(s);
    const fresh = await connect(s);
    const N = 300;
    const burst = sendMany(sender, 'burst', N);
    // Join while the burst is being stored and broadcast.
    const [resumed, joinedFresh] = await Promise.all([join(resumer, 'burst', { since: 10 }), join(fresh, 'burst')]);
    await burst;
    const last = 20 + N;

    // Resume from seq 10: exactly 11..last, history first, then live.
    if (resumed.seq < last) await resumer.next((f) => f.type === 'message' && f.seq === last, 20_000);
    expect(seqs(resumed.history)[0]).toBe(11);
    expect(seqs(resumed.history).at(-1)).toBe(resumed.seq);
    expect(seenSeqs(resumer, 'burst')).toEqual(seqRange(11, last));

    // A plain join: its history ends at joined.seq, and live events continue from there.
    expect(joinedFresh.history).toHaveLength(Math.min(50, joinedFresh.seq));
    expect(seqs(joinedFresh.history).at(-1)).toBe(joinedFresh.seq);
    if (joinedFresh.seq < last) await fresh.next((f) => f.type === 'message' && f.seq === last, 20_000);
    const seen = seenSeqs(fresh, 'burst');
    expect(seen).toEqual(seqRange(seen[0]!, last));
  }, 60_000);
});

describe('idempotent send', () => {
  it('the same id in the same room by the same user returns the same ack and stores nothing new', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const b = await connect(s, { nick: 'bob' });
    await join(a, 'idem');
    await join(a, 'idem2');
    await join(b, 'idem');

    const { ref: _r1, ...first } = await a.request<AckFrame>({ type: 'send', room: 'idem', id: 'k1', text: 'hello' });
    expect(first).toMatchObject({ type: 'ack', seq: 1 });
    const { ref: _r2, ...second } = await a.request<AckFrame>({ type: 'send', room: 'idem', id: 'k1', text: 'hello' });
    expect(second).toEqual(first);
    // Even with another text: the original stands.
    const { ref: _r3, ...third } = await a.request<AckFrame>({ type: 'send', room: 'idem', id: 'k1', text: 'changed' });
    expect(third).toEqual(first);

    // Another user with the same id: a new message.
    const bAck = await b.request<AckFrame>({ type: 'send', room: 'idem', id: 'k1', text: 'from bob' });
    expect(bAck.seq).toBe(2);
    expect(bAck.msgId).not.toBe(first.msgId);
    // The same user and id in another room: a new message there.
    const otherRoom = await a.request<AckFrame>({ type: 'send', room: 'idem2', id: 'k1', text: 'elsewhere' });
    expect(otherRoom).toMatchObject({ room: 'idem2', seq: 1 });
    expect(otherRoom.msgId).not.toBe(first.msgId);

    // Each connection got seq 1 once: the next event after it is seq 2.
    for (const c of [a, b]) {
      expect(seqs(await nextMessages(c, 'idem', 2))).toEqual([1, 2]);
    }
    const history = await allHistory(a, 'idem');
    expect(history.map((m) => [m.seq, m.clientId, m.from.id, m.text])).toEqual([
      [1, 'k1', a.welcome.user.id, 'hello'],
      [2, 'k1', b.welcome.user.id, 'from bob'],
    ]);
  });

  it('the same id sent twice at once is stored once', async () => {
    const s = await server({ rateLimit: 0 });
    const a = await connect(s);
    await join(a, 'twin');
    const [x, y] = await Promise.all([
      a.request<AckFrame>({ type: 'send', room: 'twin', id: 'same', text: 'one' }),
      a.request<AckFrame>({ type: 'send', room: 'twin', id: 'same', text: 'one' }),
    ]);
    expect(x.type).toBe('ack');
    expect({ ...y, ref: undefined }).toEqual({ ...x, ref: undefined });
    expect((await allHistory(a, 'twin')).map((m) => m.clientId)).toEqual(['same']);
  });

  it('still dedupes after reconnecting with the token', async () => {
    const s = await server();
    const a = await connect(s);
    await join(a, 'again');
    const { ref: _r1, ...first } = await a.request<AckFrame>({ type: 'send', room: 'again', id: 'k', text: 'once' });
    const token = a.welcome.token as string;
    await a.close();

    const back = await connect(s, { token });
    expect(back.welcome.user.id).toBe(a.welcome.user.id);
    await join(back, 'again');
    const { ref: _r2, ...second } = await back.request<AckFrame>({ type: 'send', room: 'again', id: 'k', text: 'once' });
    expect(second).toEqual(first);
    expect(await allHistory(back, 'again')).toHaveLength(1);
  });
});

describe('resume', () => {
  it('join with since after a dropped connection gives exactly the missed messages, then live ones', async () => {
    const s = await server({ rateLimit: 0 });
    const a = await connect(s, { nick: 'alice' });
    const b = await connect(s, { nick: 'bob' });
    await join(a, 'res');
    await join(b, 'res');
    await sendMany(b, 'res', 5);
    const lastSeen = (await nextMessages(a, 'res', 5)).at(-1)!.seq;
    expect(lastSeen).toBe(5);
    const token = a.welcome.token as string;
    await a.close();

    const missed = (await sendMany(b, 'res', 30)) as AckFrame[];
    expect(missed.map((x) => x.seq)).toEqual(seqRange(6, 35));

    const back = await connect(s, { token });
    const joined = await join(back, 'res', { since: lastSeen });
    expect(joined).toMatchObject({ type: 'joined', room: 'res', seq: 35, hasMore: false });
    expect(seqs(joined.history)).toEqual(seqRange(6, 35));
    expect(joined.history.filter(isMessage).map((m) => m.id)).toEqual(missed.map((x) => x.msgId));
    expect(joined.history.filter(isMessage).every((m) => m.from.id === b.welcome.user.id)).toBe(true);

    await sendMany(b, 'res', 3);
    expect(seqs(await nextMessages(back, 'res', 3))).toEqual([36, 37, 38]);
    // No live duplicate of anything in the history.
    expect(seqs(messagesIn(back, 'res'))).toEqual([36, 37, 38]);
  });

  it('caps the resume at 1000 with hasMore, and history after pages the rest', async () => {
    const s = await server({ rateLimit: 0 });
    const b = await connect(s);
    await join(b, 'cap');
    const acks = await sendMany(b, 'cap', 1010, { timeoutMs: 60_000 });
    expect(acks.every((x) => x.type === 'ack')).toBe(true);

    const a = await connect(s);
    const joined = await join(a, 'cap', { since: 0 });
    expect(joined.seq).toBe(1010);
    expect(joined.history).toHaveLength(1000);
    expect(seqs(joined.history)).toEqual(seqRange(1, 1000));
    expect(joined.hasMore).toBe(true);

    const rest = await a.request<HistoryReplyFrame>({ type: 'history', room: 'cap', after: 1000 });
    expect(seqs(rest.messages)).toEqual(seqRange(1001, 1010));
    expect(rest.hasMore).toBe(false);

    const later = await join(a, 'cap', { since: 5 });
    expect(seqs(later.history)).toEqual(seqRange(6, 1005));
    expect(later.hasMore).toBe(true);

    const near = await join(a, 'cap', { since: 100 + 10 });
    expect(seqs(near.history)).toEqual(seqRange(111, 1010));
    expect(near.hasMore).toBe(false);
  }, 60_000);

  it('since = the last seq gives an empty history; a re-join with since gives the missed window', async () => {
    const s = await server({ rateLimit: 0 });
    const a = await connect(s);
    await join(a, 'uptodate');
    await sendMany(a, 'uptodate', 3);

    const b = await connect(s);
    expect(await join(b, 'uptodate', { since: 3 })).toMatchObject({ seq: 3, history: [], hasMore: false });
    // Already joined: joined again with the window since 1, and no double delivery afterwards.
    const again = await join(b, 'uptodate', { since: 1 });
    expect(seqs(again.history)).toEqual([2, 3]);
    await a.request({ type: 'send', room: 'uptodate', id: 'four', text: 'four' });
    await b.next((f) => f.type === 'message' && f.seq === 4);
    await a.request({ type: 'send', room: 'uptodate', id: 'five', text: 'five' });
    await b.next((f) => f.type === 'message' && f.seq === 5);
    expect(seqs(messagesIn(b, 'uptodate'))).toEqual([4, 5]);
  });
});

describe('rate limiting', () => {
  it('loses nothing acked, stores nothing rejected, and lets a send through after retryAfterMs', async () => {
    const s = await server({ rateLimit: 5 });
    const a = await connect(s);
    const observer = await connect(s);
    await join(a, 'rl');
    await join(observer, 'rl');

    const replies = await sendMany(a, 'rl', 40, { prefix: 'rl-' });
    const acks = replies.filter((f): f is AckFrame => f.type === 'ack');
    const limited = replies.filter((f): f is ErrorFrame => f.type === 'error');
    expect(acks.length + limited.length).toBe(40);
    expect(acks.length).toBeGreaterThanOrEqual(10); // the burst (2 × rateLimit)
    expect(limited.length).toBeGreaterThanOrEqual(1);
    for (const e of limited) {
      expect(e.code).toBe('rate_limited');
      expect(e.retryAfterMs).toBeGreaterThan(0);
    }

    // Every acked message is stored with its seq, gap-free; nothing rate-limited is.
    const acked = [...acks].sort((x, y) => x.seq - y.seq);
    const history = await allHistory(a, 'rl');
    expect(history.map((m) => [m.seq, m.clientId, m.id])).toEqual(acked.map((x) => [x.seq, x.id, x.msgId]));
    expect(seqs(history)).toEqual(seqRange(1, acks.length));

    // After waiting as told, a send succeeds.
    const wait = Math.max(...limited.map((e) => e.retryAfterMs ?? 0));
    await sleep(wait + 50);
    const after = await a.request<AckFrame>({ type: 'send', room: 'rl', id: 'after-wait', text: 'after wait' });
    expect(after).toMatchObject({ type: 'ack', seq: acks.length + 1 });

    // The other member saw exactly the acked messages, then this one.
    const seen = await nextMessages(observer, 'rl', acks.length + 1);
    expect(seen.map((m) => m.clientId)).toEqual([...acked.map((x) => x.id), 'after-wait']);
  });
});
