// The room log over WebSocket (docs/protocol.md, "The room log"): edit, redact, react and
// send.replyTo, their rights and errors, the `changed` event every member gets in seq order, and
// a resume that catches up every change made meanwhile exactly once.
import { describe, expect, it } from 'vitest';
import type { ChangedFrame, ChatMessage, HistoryReplyFrame, JoinedFrame, LogEntry, ServerFrame, UpdatedFrame } from '@chat/protocol';
import { MAX_REACTION_USERS } from '@chat/protocol';
import { trackResources, type TestClient } from '../helpers.js';
import { api } from '../http/http-helpers.js';
import { barrier, join, ok, refused, say, world } from './world.js';

const res = trackResources();

const changedOf = (c: TestClient, room: string, seq: number): Promise<ChangedFrame> =>
  c.next<ChangedFrame>((f) => f.type === 'changed' && f.room === room && f.seq === seq);

async function updated(c: TestClient, frame: Record<string, unknown>): Promise<UpdatedFrame> {
  return ok<UpdatedFrame>(c, frame, 'updated');
}

/** alice and bob (accounts) in room `r`; carol owns `den`, where alice and bob are members. */
async function team() {
  const w = await world(res, { adminUsers: ['root'] });
  const [alice, bob, carol] = await w.accounts('alice', 'bob', 'carol');
  const a = await alice.connect();
  const b = await bob.connect();
  await join(a, 'r');
  await join(b, 'r');
  return { w, alice, bob, carol, a, b };
}

describe('edit', () => {
  it("the author's edit is the room's next entry: updated with its seq, changed to every member with the new text and edited time", async () => {
    const { alice, a, b } = await team();
    const seq = await say(a, 'r', 'helo');
    const toBob = changedOf(b, 'r', seq + 1);
    const reply = await updated(a, { type: 'edit', room: 'r', seq, text: '  hello  ' });
    expect(reply).toMatchObject({ room: 'r', target: seq, seq: seq + 1 });
    const changed = await toBob;
    expect(changed).toMatchObject({ action: 'edit', by: { id: alice.user.id, nick: 'alice', account: true }, message: { seq, text: 'hello' } });
    expect(changed.message.edited).toBeGreaterThanOrEqual(changed.message.ts);
    expect(changed.ts).toBe(changed.message.edited);
    // The author's own connection hears it too, and the history shows the current state.
    await changedOf(a, 'r', seq + 1);
    const page = await ok<HistoryReplyFrame>(a, { type: 'history', room: 'r' }, 'history');
    expect(page.messages).toEqual([expect.objectContaining({ type: 'message', seq, text: 'hello', edited: changed.message.edited })]);
  });

  it('refuses others (forbidden), unknown seqs and change entries (not_found), bad text (invalid_text), non-members; the same text stores nothing', async () => {
    const { w, a, b } = await team();
    const seq = await say(a, 'r', 'mine');
    await refused(b, { type: 'edit', room: 'r', seq, text: 'hijacked' }, 'forbidden');
    await refused(a, { type: 'edit', room: 'r', seq: 99, text: 'x' }, 'not_found');
    await refused(a, { type: 'edit', room: 'r', seq, text: '   ' }, 'invalid_text');
    await refused(a, { type: 'edit', room: 'r', seq: 0, text: 'x' }, 'bad_request');
    await refused(a, { type: 'edit', room: 'elsewhere', seq, text: 'x' }, 'not_member');
    const same = await updated(a, { type: 'edit', room: 'r', seq, text: 'mine' });
    expect(same.seq).toBeUndefined();
    const edit = await updated(a, { type: 'edit', room: 'r', seq, text: 'mine, edited' });
    // The edit's own seq is not a message: editing or replying to it is not_found.
    await refused(a, { type: 'edit', room: 'r', seq: edit.seq, text: 'x' }, 'not_found');
    await refused(a, { type: 'send', room: 'r', id: 'rx', text: 'x', replyTo: edit.seq }, 'not_found');
    expect(await w.store.lastSeq('r')).toBe(2);
  });
});

describe('redact', () => {
  it('erases the message for everyone: text "" and deleted, no reactions, mentions or replyTo; a second redaction stores nothing', async () => {
    const { a, b } = await team();
    const first = await say(b, 'r', 'original');
    const reply = await ok<ServerFrame>(a, { type: 'send', room: 'r', id: 'rep', text: 'oops @bob', replyTo: first }, 'ack');
    const seq = (reply as { seq: number }).seq;
    await updated(b, { type: 'react', room: 'r', seq, emoji: '👍', on: true });
    const heard = changedOf(b, 'r', seq + 2);
    const redaction = await updated(a, { type: 'redact', room: 'r', seq });
    expect(redaction.seq).toBe(seq + 2);
    const changed = await heard;
    expect(changed.action).toBe('redact');
    expect(changed.message).toMatchObject({ seq, text: '', deleted: true });
    for (const field of ['reactions', 'mentions', 'replyTo', 'edited'] as const) expect(changed.message[field]).toBeUndefined();
    expect((await updated(a, { type: 'redact', room: 'r', seq })).seq).toBeUndefined();
    await refused(a, { type: 'edit', room: 'r', seq, text: 'back' }, 'forbidden');
    await refused(b, { type: 'react', room: 'r', seq, emoji: '👍', on: true }, 'forbidden');
  });

  it("a stranger may not; the room's owner, its moderators and admins may; in a DM only the author", async () => {
    const { w, alice, carol, a, b } = await team();
    const c = await carol.connect();
    await ok(c, { type: 'create', room: 'den' }, 'created');
    for (const x of [a, b, c]) await join(x, 'den');
    const bobs = await say(b, 'den', 'by bob');
    await refused(a, { type: 'redact', room: 'den', seq: bobs }, 'forbidden');
    await updated(c, { type: 'redact', room: 'den', seq: bobs });
    await ok(c, { type: 'op', room: 'den', user: alice.user.id }, 'moderated');
    const again = await say(b, 'den', 'by bob again');
    await updated(a, { type: 'redact', room: 'den', seq: again });
    const root = await (await w.account('root', { operatorAdmin: true })).connect();
    await join(root, 'den');
    const third = await say(b, 'den', 'third');
    await updated(root, { type: 'redact', room: 'den', seq: third });

    const dm = (await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined')).room;
    await join(b, dm);
    const inDm = await say(b, dm, 'between us');
    await refused(a, { type: 'redact', room: dm, seq: inDm }, 'forbidden');
    await updated(b, { type: 'redact', room: dm, seq: inDm });
  });
});

describe('react', () => {
  it('adds and takes back reactions: counts, users, order of first use; on twice or off when absent stores nothing', async () => {
    const { alice, bob, a, b } = await team();
    const seq = await say(a, 'r', 'react to me');
    const r1 = await updated(b, { type: 'react', room: 'r', seq, emoji: '🎉', on: true });
    await updated(a, { type: 'react', room: 'r', seq, emoji: '👍', on: true });
    const last = await updated(b, { type: 'react', room: 'r', seq, emoji: '👍', on: true });
    expect((await updated(b, { type: 'react', room: 'r', seq, emoji: '👍', on: true })).seq).toBeUndefined();
    const changed = await changedOf(a, 'r', last.seq as number);
    expect(changed).toMatchObject({ action: 'react', by: { id: bob.user.id } });
    expect(changed.message.reactions).toEqual([
      { emoji: '🎉', count: 1, users: [bob.user.id] },
      { emoji: '👍', count: 2, users: [alice.user.id, bob.user.id] },
    ]);
    const off = await updated(b, { type: 'react', room: 'r', seq, emoji: '🎉', on: false });
    expect(off.seq).toBe((last.seq as number) + 1);
    expect((await changedOf(a, 'r', off.seq as number)).message.reactions).toEqual([{ emoji: '👍', count: 2, users: [alice.user.id, bob.user.id] }]);
    expect((await updated(b, { type: 'react', room: 'r', seq, emoji: '🎉', on: false })).seq).toBeUndefined();
    expect(r1.seq).toBe(seq + 1);
  });

  it('refuses a bad emoji (bad_request), a muted user (forbidden) and a 21st distinct emoji (forbidden)', async () => {
    const { bob, carol, a, b } = await team();
    const c = await carol.connect();
    await ok(c, { type: 'create', room: 'den' }, 'created');
    await join(a, 'den');
    await join(b, 'den');
    const seq = await say(a, 'den', 'popular');
    for (const emoji of ['', 'a b', 'x'.repeat(33), '\u0007']) await refused(b, { type: 'react', room: 'den', seq, emoji, on: true }, 'bad_request');
    await refused(b, { type: 'react', room: 'den', seq, emoji: '👍' }, 'bad_request');
    // 👨‍👩‍👧 (joined by zero-width joiners) is one emoji.
    await updated(b, { type: 'react', room: 'den', seq, emoji: '👨‍👩‍👧', on: true });
    for (let i = 1; i < 20; i++) await updated(b, { type: 'react', room: 'den', seq, emoji: `:e${i}:`, on: true });
    await refused(a, { type: 'react', room: 'den', seq, emoji: ':e21:', on: true }, 'forbidden');
    // An emoji already there may still gather users.
    await updated(a, { type: 'react', room: 'den', seq, emoji: ':e1:', on: true });
    await ok(c, { type: 'mute', room: 'den', user: bob.user.id, ms: 60_000 }, 'moderated');
    await b.next((f) => f.type === 'moderated' && f.action === 'mute');
    await refused(b, { type: 'react', room: 'den', seq, emoji: ':e2:', on: false }, 'forbidden');
    await refused(b, { type: 'edit', room: 'den', seq, text: 'muted' }, 'forbidden');
  });

  it(`lists at most ${MAX_REACTION_USERS} users per emoji while count stays exact`, async () => {
    const w = await world(res);
    const author = await w.guest('author');
    await join(author, 'big');
    const seq = await say(author, 'big', 'vote here');
    const voters: TestClient[] = [];
    for (let i = 0; i < MAX_REACTION_USERS + 3; i++) {
      const v = await w.guest(`voter${i}`);
      await join(v, 'big');
      voters.push(v);
    }
    let last: UpdatedFrame | undefined;
    for (const v of voters) last = await updated(v, { type: 'react', room: 'big', seq, emoji: '✅', on: true });
    const changed = await changedOf(author, 'big', last!.seq as number);
    expect(changed.message.reactions?.[0]?.count).toBe(MAX_REACTION_USERS + 3);
    expect(changed.message.reactions?.[0]?.users).toHaveLength(MAX_REACTION_USERS);
  }, 30_000);
});

describe('rate limit', () => {
  it('changes count against the sender\'s message rate like sends', async () => {
    const w = await world(res, { rateLimit: 2 }); // burst of 4
    const c = await w.guest('eager');
    await join(c, 'r');
    const seq = await say(c, 'r', 'one');
    const replies: ServerFrame[] = [];
    for (let i = 0; i < 6; i++) replies.push(await c.request({ type: 'react', room: 'r', seq, emoji: `:e${i}:`, on: true }));
    expect(replies.filter((r) => r.type === 'error' && r.code === 'rate_limited').length).toBeGreaterThan(0);
    expect(replies.find((r) => r.type === 'error')).toMatchObject({ retryAfterMs: expect.any(Number) });
  });
});

describe('replies and mentions', () => {
  it('a reply carries the current excerpt of what it answers (200 characters), following edits and redaction', async () => {
    const { bob, a, b } = await team();
    const long = `${'ä'.repeat(199)}😀 and more`;
    const target = await say(b, 'r', long);
    await ok(a, { type: 'send', room: 'r', id: 'reply-1', text: 'agreed', replyTo: target }, 'ack');
    const live = await b.next<ChatMessage>((f) => f.type === 'message' && f.clientId === 'reply-1');
    expect(live.replyTo).toEqual({ seq: target, from: { id: bob.user.id, nick: 'bob', account: true }, text: `${'ä'.repeat(199)}😀` });
    await updated(b, { type: 'edit', room: 'r', seq: target, text: 'shorter' });
    const page = await ok<HistoryReplyFrame>(a, { type: 'history', room: 'r' }, 'history');
    expect((page.messages.at(-1) as ChatMessage).replyTo?.text).toBe('shorter');
    await updated(b, { type: 'redact', room: 'r', seq: target });
    const after = await ok<HistoryReplyFrame>(a, { type: 'history', room: 'r' }, 'history');
    expect((after.messages.at(-1) as ChatMessage).replyTo?.text).toBe('');
    await refused(a, { type: 'send', room: 'r', id: 'reply-2', text: 'to nothing', replyTo: 999 }, 'not_found');
    await refused(a, { type: 'send', room: 'r', id: 'reply-3', text: 'bad', replyTo: 'one' }, 'bad_request');
  });

  it('@name mentions room members by nick or username, case-insensitively; api/me/rooms counts unread mentions', async () => {
    const { w, alice, bob, carol, a, b } = await team();
    await say(a, 'r', 'warm-up');
    const c = await carol.connect();
    await join(c, 'lobby');
    await ok(a, { type: 'send', room: 'r', id: 'hey', text: 'hey @BOB, and @carol (not here) and me@alice.org, @alice' }, 'ack');
    const heard = await b.next<ChatMessage>((f) => f.type === 'message' && f.clientId === 'hey');
    expect(heard.mentions?.sort()).toEqual([alice.user.id, bob.user.id].sort());
    const rooms = (await api(w.server, 'GET', '/api/me/rooms', { bearer: bob.token })).body.rooms as Array<{ name: string; unread: number; mentions: number }>;
    expect(rooms.find((r) => r.name === 'r')).toMatchObject({ unread: 2, mentions: 1 });
    // The author's own mention of themselves is not an unread mention for them.
    const own = (await api(w.server, 'GET', '/api/me/rooms', { bearer: alice.token })).body.rooms as Array<{ name: string; mentions: number }>;
    expect(own.find((r) => r.name === 'r')?.mentions).toBe(0);
    // Redacted, it is neither unread nor a mention.
    await updated(a, { type: 'redact', room: 'r', seq: heard.seq });
    const later = (await api(w.server, 'GET', '/api/me/rooms', { bearer: bob.token })).body.rooms as Array<{ name: string; unread: number; mentions: number }>;
    expect(later.find((r) => r.name === 'r')).toMatchObject({ unread: 1, mentions: 0 });
    // An edit that adds a mention counts it.
    const plain = await say(a, 'r', 'no one');
    await updated(a, { type: 'edit', room: 'r', seq: plain, text: 'now @bob' });
    const edited = (await api(w.server, 'GET', '/api/me/rooms', { bearer: bob.token })).body.rooms as Array<{ name: string; mentions: number }>;
    expect(edited.find((r) => r.name === 'r')?.mentions).toBe(1);
  });
});

describe('the log on resume and forward reads', () => {
  it('a client away while a message is edited, redacted and reacted to gets each change once, in order, with since', async () => {
    const { bob, a, b } = await team();
    const s1 = await say(a, 'r', 'one');
    const s2 = await say(a, 'r', 'two');
    await barrier(b);
    const since = s2;
    await b.close();
    await updated(a, { type: 'edit', room: 'r', seq: s1, text: 'one, edited' });
    await updated(a, { type: 'react', room: 'r', seq: s2, emoji: '👀', on: true });
    const s5 = await say(a, 'r', 'three');
    await updated(a, { type: 'redact', room: 'r', seq: s2 });

    const b2 = await bob.connect();
    const resumed = await ok<JoinedFrame>(b2, { type: 'join', room: 'r', since }, 'joined');
    const seqs = resumed.history.map((e: LogEntry) => e.seq);
    expect(seqs).toEqual([since + 1, since + 2, since + 3, since + 4]);
    expect(resumed.history.map((e) => (e.type === 'changed' ? e.action : 'message'))).toEqual(['edit', 'react', 'message', 'redact']);
    // Each change carries its target as it is NOW (the reaction's message was redacted since).
    const [edit, react, message, redact] = resumed.history as [ChangedFrame, ChangedFrame, ChatMessage, ChangedFrame];
    expect(edit.message).toMatchObject({ seq: s1, text: 'one, edited' });
    expect(react.message).toMatchObject({ seq: s2, deleted: true, text: '' });
    expect(message).toMatchObject({ seq: s5, text: 'three' });
    expect(redact.message.seq).toBe(s2);
    // Backward reads give messages only, in their current state.
    const backward = await ok<HistoryReplyFrame>(b2, { type: 'history', room: 'r' }, 'history');
    expect(backward.messages.map((m) => [m.type, m.seq])).toEqual([['message', s1], ['message', s2], ['message', s5]]);
    // Forward reads page through entries: limit counts them.
    const forward = await ok<HistoryReplyFrame>(b2, { type: 'history', room: 'r', after: s2, limit: 2 }, 'history');
    expect(forward.messages.map((e) => e.seq)).toEqual([since + 1, since + 2]);
    expect(forward.hasMore).toBe(true);
  });
});
