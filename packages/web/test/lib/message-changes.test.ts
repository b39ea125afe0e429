// Version 1.1's room log on the client (src/lib/timeline.ts, src/lib/message-changes.ts,
// src/lib/frames/change-frames.ts): `changed` replaces a message's copy and counts towards the
// resume point; forward reads mix changes with messages; our edits, deletions and reactions are
// queued like sends, shown at once, sent once after the join, and settled by `updated`.
import { describe, expect, it, vi } from 'vitest';
import type { ChangedFrame, ChatMessage, User } from '@chat/protocol';
import { normalizeEmoji, shownMessage, toggled } from '../../src/lib/message-changes.js';
import { ALICE, BOB, harness, joined, message, onlineAsAlice, range, T0, welcome, withRef } from './client-harness.js';
import { useFakeTimers } from './client-harness.js';

useFakeTimers();

function changed(seq: number, action: ChangedFrame['action'], target: ChatMessage, by: User = target.from, room = 'lobby'): ChangedFrame {
  return { type: 'changed', room, seq, action, by, ts: T0 + seq * 100, message: target };
}
const edited = (m: ChatMessage, text: string, at: number): ChatMessage => ({ ...m, text, edited: at });
const redacted = (m: ChatMessage): ChatMessage => ({ ...m, text: '', deleted: true });

/** Alice online with bob's messages 1–3 and her own 4. */
function withMessages() {
  const history = [...range(1, 3), message(4, ALICE, 'mine', 'a-4')];
  return onlineAsAlice({ seq: 4, history });
}
const shown = (h: ReturnType<typeof onlineAsAlice>, seq: number) => {
  const m = h.room().messages.find((x) => x.seq === seq)!;
  return shownMessage(m, h.room().changes, h.state.me);
};

describe('changed', () => {
  it('replaces the copy of its message, raises lastSeq to its own seq, and is idempotent', () => {
    const h = withMessages();
    const after = edited(message(2), 'message 2, fixed', T0 + 999);
    h.socket.receive(changed(5, 'edit', after));
    expect(h.room().messages[1]).toMatchObject({ seq: 2, text: 'message 2, fixed', edited: T0 + 999, key: `${BOB.id}:b-2` });
    expect(h.room().lastSeq).toBe(5);
    h.socket.receive(changed(5, 'edit', after));
    expect(h.seqs()).toEqual([1, 2, 3, 4]);
    expect(h.room().lastSeq).toBe(5);
    // An older copy of a change does not undo a newer one.
    h.socket.receive(changed(6, 'react', { ...after, reactions: [{ emoji: '👍', count: 1, users: [BOB.id] }] }));
    h.socket.receive(changed(5, 'edit', edited(message(2), 'stale', T0)));
    expect(h.room().messages[1]).toMatchObject({ text: 'message 2, fixed', reactions: [{ emoji: '👍', count: 1 }] });
    expect(h.room().lastSeq).toBe(6);
  });

  it('counts towards the resume point in order: a change after a gap waits for the gap', () => {
    const h = withMessages();
    h.socket.receive(changed(6, 'redact', redacted(message(1))));
    expect(h.room().messages[0]).toMatchObject({ deleted: true, text: '' });
    expect(h.room().lastSeq).toBe(4); // 5 was never seen: a resume asks from 4
    h.socket.receive(message(5));
    expect(h.room().lastSeq).toBe(6);
    expect(h.room().changeSeqs).toEqual([]);
  });

  it('of a message not held only moves the resume point', () => {
    const h = withMessages();
    h.socket.receive(changed(5, 'edit', edited({ ...message(1), seq: 1 }, 'x', T0)));
    h.socket.receive(changed(6, 'react', { ...message(99), seq: 99 }));
    expect(h.room().lastSeq).toBe(6);
    expect(h.seqs()).toEqual([1, 2, 3, 4]);
  });

  it('updates the excerpts of replies quoting an edited or redacted message', () => {
    const quoting: ChatMessage = { ...message(5, BOB, 'agreed', 'b-5'), replyTo: { seq: 4, from: ALICE, text: 'mine' } };
    const h = onlineAsAlice({ seq: 5, history: [...range(1, 3), message(4, ALICE, 'mine', 'a-4'), quoting] });
    h.socket.receive(changed(6, 'edit', edited(message(4, ALICE, 'mine', 'a-4'), 'mine, edited', T0)));
    expect(h.room().messages[4]!.replyTo).toEqual({ seq: 4, from: ALICE, text: 'mine, edited' });
    h.socket.receive(changed(7, 'redact', redacted(message(4, ALICE, 'mine', 'a-4'))));
    expect(h.room().messages[4]!.replyTo).toEqual({ seq: 4, from: ALICE, text: '' });
  });
});

describe('events and a fresh read agree (STYLE.md, "Client state")', () => {
  it('messages changed by live events equal the current state a fresh join serves', () => {
    const live = withMessages();
    const reply: ChatMessage = { ...message(5, BOB, 'answer', 'b-5'), replyTo: { seq: 4, from: ALICE, text: 'mine' } };
    live.socket.receive(reply);
    const four = message(4, ALICE, 'mine', 'a-4');
    live.socket.receive(changed(6, 'edit', edited(four, 'mine, edited', T0 + 6)));
    live.socket.receive(changed(7, 'react', { ...message(2), reactions: [{ emoji: '👍', count: 1, users: [BOB.id] }] }, BOB));
    live.socket.receive(changed(8, 'redact', redacted(message(3)), BOB));
    // What the server holds now, as a first join would serve it.
    const current = [
      message(1),
      { ...message(2), reactions: [{ emoji: '👍', count: 1, users: [BOB.id] }] },
      redacted(message(3)),
      edited(four, 'mine, edited', T0 + 6),
      { ...reply, replyTo: { seq: 4, from: ALICE, text: 'mine, edited' } },
    ];
    const fresh = onlineAsAlice({ seq: 8, history: current });
    const view = (h: ReturnType<typeof onlineAsAlice>) => h.room().messages.map(({ version: _, ...m }) => m);
    expect(view(live)).toEqual(view(fresh));
    expect(live.room().lastSeq).toBe(fresh.room().lastSeq);
  });
});

describe('forward reads mix changes with messages', () => {
  it('a resume applies joined.history in log order: messages and changes', async () => {
    const h = withMessages();
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.socket.open();
    h.socket.receive(welcome());
    const join = h.socket.last('join');
    expect(join.since).toBe(4);
    const five = message(5, BOB, 'new', 'b-5');
    h.socket.receive(
      withRef(join, joined('lobby', { seq: 8, history: [five, changed(6, 'edit', edited(message(1), 'one, edited', T0)), changed(7, 'redact', redacted(five)), message(8)] as never })),
    );
    expect(h.seqs()).toEqual([1, 2, 3, 4, 5, 8]);
    expect(h.room().messages[0]!.text).toBe('one, edited');
    expect(h.room().messages[4]).toMatchObject({ deleted: true, text: '' });
    expect(h.room().lastSeq).toBe(8);
  });

  it('a history page after `after` does the same', () => {
    const h = withMessages();
    h.socket.receive(message(9)); // a gap: 5–8 missed
    expect(h.room().lastSeq).toBe(4);
    h.client['rooms'].loadNewer(h.room());
    const page = h.socket.last('history');
    h.socket.receive(withRef(page, { type: 'history', room: 'lobby', messages: [message(5), changed(6, 'react', message(5)), changed(7, 'edit', edited(message(2), 'two', T0)), message(8)], hasMore: false }));
    expect(h.room().lastSeq).toBe(9);
    expect(h.room().messages.find((m) => m.seq === 2)!.text).toBe('two');
  });
});

describe('my changes', () => {
  it('edit: sent with a ref, shown at once, settled by updated and its changed', () => {
    const h = withMessages();
    expect(h.client.edit('lobby', 4, '  mine, better ')).toBe(true);
    const frame = h.socket.last('edit');
    expect(frame).toMatchObject({ type: 'edit', room: 'lobby', seq: 4, text: 'mine, better' });
    expect(String(frame.ref)).toMatch(/^chg:/);
    expect(shown(h, 4)).toMatchObject({ text: 'mine, better', edited: T0 });
    // updated before changed: still shown as edited (no flicker back to the old text)
    h.socket.receive(withRef(frame, { type: 'updated', room: 'lobby', target: 4, seq: 5 }));
    expect(h.room().changes).toHaveLength(1);
    expect(shown(h, 4).text).toBe('mine, better');
    h.socket.receive(changed(5, 'edit', edited(message(4, ALICE, 'mine', 'a-4'), 'mine, better', T0 + 1)));
    expect(h.room().changes).toEqual([]);
    expect(shown(h, 4)).toMatchObject({ text: 'mine, better', edited: T0 + 1 });
    expect(h.storage.dump()).not.toContain('mine, better');
  });

  it('changed before updated, and updated without seq (nothing changed), both settle it', () => {
    const h = withMessages();
    h.client.react('lobby', 2, '🎉', true);
    const react = h.socket.last('react');
    expect(react).toMatchObject({ seq: 2, emoji: '🎉', on: true });
    expect(shown(h, 2).reactions).toEqual([{ emoji: '🎉', count: 1, users: [ALICE.id] }]);
    h.socket.receive(changed(5, 'react', { ...message(2), reactions: [{ emoji: '🎉', count: 1, users: [ALICE.id] }] }, ALICE));
    h.socket.receive(withRef(react, { type: 'updated', room: 'lobby', target: 2, seq: 5 }));
    expect(h.room().changes).toEqual([]);
    h.client.edit('lobby', 4, 'again');
    h.socket.receive(withRef(h.socket.last('edit'), { type: 'updated', room: 'lobby', target: 4 }));
    expect(h.room().changes).toEqual([]);
  });

  it('refuses here what the server would refuse: editing others, empty text, deleted messages', () => {
    const h = withMessages();
    expect(h.client.edit('lobby', 2, 'not mine')).toBe(false);
    expect(h.client.edit('lobby', 4, '   ')).toBe(false);
    expect(h.client.edit('lobby', 42, 'not held')).toBe(false);
    expect(h.client.react('lobby', 2, 'two words', true)).toBe(false);
    h.socket.receive(changed(5, 'redact', redacted(message(4, ALICE, 'mine', 'a-4'))));
    expect(h.client.edit('lobby', 4, 'too late')).toBe(false);
    expect(h.socket.ofType('edit')).toEqual([]);
    expect(h.socket.ofType('react')).toEqual([]);
  });

  it('an error with its ref marks the change failed with a notice; dismissing shows the stored state again', () => {
    const h = withMessages();
    h.client.redact('lobby', 2);
    const redact = h.socket.last('redact');
    expect(shown(h, 2).deleted).toBe(true);
    h.socket.receive(withRef(redact, { type: 'error', code: 'forbidden', message: 'not yours' }));
    expect(h.room().changes).toEqual([expect.objectContaining({ action: 'redact', status: 'failed', error: 'forbidden' })]);
    expect(h.state.notice).toBe('change_failed_redact');
    expect(shown(h, 2).deleted).toBeUndefined();
    h.client.dismissChange('lobby', h.room().changes[0]!.id);
    expect(h.room().changes).toEqual([]);
  });

  it('rate_limited: the same change goes again after retryAfterMs, once', async () => {
    const h = withMessages();
    h.client.edit('lobby', 4, 'slowly');
    const first = h.socket.last('edit');
    h.socket.receive(withRef(first, { type: 'error', code: 'rate_limited', message: 'slow down', retryAfterMs: 500 }));
    await vi.advanceTimersByTimeAsync(499);
    expect(h.socket.ofType('edit')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.socket.ofType('edit')).toEqual([first, first]);
    expect(h.state.notice).toBeNull();
  });
});

describe('changes made offline', () => {
  async function offlineThenBack(h: ReturnType<typeof withMessages>, act: () => void) {
    const changesSent = () => h.socket.sent.filter((f) => ['edit', 'react', 'redact'].includes(f.type)).length;
    h.socket.drop();
    const before = changesSent();
    act();
    expect(changesSent()).toBe(before);
    await vi.advanceTimersByTimeAsync(1000);
    const second = h.socket;
    second.open();
    second.receive(welcome());
    return second;
  }

  it('wait, are shown, and go out once after the join answers, in the order they were made', async () => {
    const h = withMessages();
    const second = await offlineThenBack(h, () => {
      h.client.edit('lobby', 4, 'edited offline');
      h.client.react('lobby', 1, '👍', true);
      h.client.redact('lobby', 3);
    });
    expect(shown(h, 4).text).toBe('edited offline');
    expect(shown(h, 3).deleted).toBe(true);
    const types = () => second.sent.filter((f) => ['edit', 'react', 'redact'].includes(f.type));
    expect(types()).toEqual([]); // not before the join answers
    const join = second.last('join');
    second.receive(withRef(join, joined('lobby', { seq: 4 })));
    expect(types().map((f) => [f.type, f.seq])).toEqual([
      ['edit', 4],
      ['react', 1],
      ['redact', 3],
    ]);
    // Another join answer on the same connection (a second `joined`) sends nothing again.
    second.receive(withRef(join, joined('lobby', { seq: 4 })));
    expect(types()).toHaveLength(3);
    const [edit, react, redact] = types();
    second.receive(withRef(edit!, { type: 'updated', room: 'lobby', target: 4, seq: 5 }));
    second.receive(withRef(react!, { type: 'updated', room: 'lobby', target: 1, seq: 6 }));
    second.receive(withRef(redact!, { type: 'updated', room: 'lobby', target: 3, seq: 7 }));
    second.receive(changed(5, 'edit', edited(message(4, ALICE, 'mine', 'a-4'), 'edited offline', T0)));
    second.receive(changed(6, 'react', { ...message(1), reactions: [{ emoji: '👍', count: 1, users: [ALICE.id] }] }, ALICE));
    second.receive(changed(7, 'redact', redacted(message(3)), ALICE));
    expect(h.room().changes).toEqual([]);
    expect(h.room().lastSeq).toBe(7);
  });

  it('a change whose reply died with the socket goes again after the next join (the server ignores a repeat)', async () => {
    const h = withMessages();
    h.client.edit('lobby', 4, 'in flight');
    expect(h.socket.ofType('edit')).toHaveLength(1);
    const second = await offlineThenBack(h, () => {});
    second.receive(withRef(second.last('join'), joined('lobby', { seq: 4 })));
    expect(second.ofType('edit')).toEqual([expect.objectContaining({ seq: 4, text: 'in flight' })]);
  });

  it('fold into one where only the latest counts: two edits, a reaction taken back, edits before a deletion', async () => {
    const h = withMessages();
    const second = await offlineThenBack(h, () => {
      h.client.edit('lobby', 4, 'first');
      h.client.edit('lobby', 4, 'second');
      h.client.react('lobby', 1, '👍', true);
      h.client.react('lobby', 1, '👍', false);
      h.client.react('lobby', 2, '❤️', true);
      h.client.edit('lobby', 4, 'third');
      h.client.redact('lobby', 4);
    });
    second.receive(withRef(second.last('join'), joined('lobby', { seq: 4 })));
    expect(second.sent.filter((f) => ['edit', 'react', 'redact'].includes(f.type)).map((f) => [f.type, f.seq])).toEqual([
      ['react', 2],
      ['redact', 4],
    ]);
  });

  it('survive a reload and go out after the first join', () => {
    const first = withMessages();
    first.socket.drop();
    first.client.edit('lobby', 4, 'kept across the reload');
    first.client.react('lobby', 2, '🙏', true);
    first.client.stop();
    const reload = harness({ storage: first.storage });
    expect(reload.room().changes.map((c) => [c.action, c.target, c.status])).toEqual([
      ['edit', 4, 'queued'],
      ['react', 2, 'queued'],
    ]);
    reload.client.start();
    reload.connect({ joined: { lobby: { seq: 4, history: [...range(1, 3), message(4, ALICE, 'mine', 'a-4')] } } });
    expect(reload.socket.ofType('edit')).toEqual([expect.objectContaining({ seq: 4, text: 'kept across the reload' })]);
    expect(reload.socket.ofType('react')).toEqual([expect.objectContaining({ seq: 2, emoji: '🙏', on: true })]);
  });
});

describe('replies', () => {
  it('send with replyTo carries the seq and quotes the held message at once, also after a reload', () => {
    const h = withMessages();
    h.socket.drop();
    h.client.send('lobby', 'answer', 2);
    expect(h.room().outbox[0]!.replyTo).toEqual({ seq: 2, from: BOB, text: 'message 2' });
    h.client.stop();
    const reload = harness({ storage: h.storage });
    expect(reload.room().outbox[0]!.replyTo).toEqual({ seq: 2, from: BOB, text: 'message 2' });
    reload.client.start();
    reload.connect({ joined: { lobby: { seq: 4, history: range(1, 4) } } });
    const send = reload.socket.last('send');
    expect(send).toMatchObject({ text: 'answer', replyTo: 2 });
    reload.socket.receive(withRef(send, { type: 'ack', room: 'lobby', id: String(send.id), seq: 5, msgId: '5', ts: T0 }));
    expect(reload.room().messages[4]!.replyTo).toEqual({ seq: 2, from: BOB, text: 'message 2' });
  });

  it('the stored copy brings the server fields (mentions) even after the ack', () => {
    const h = withMessages();
    h.client.send('lobby', 'hi @bob');
    const send = h.socket.last('send');
    h.socket.receive(withRef(send, { type: 'ack', room: 'lobby', id: String(send.id), seq: 5, msgId: '5', ts: T0 }));
    h.socket.receive({ ...message(5, ALICE, 'hi @bob', String(send.id)), mentions: [BOB.id] });
    expect(h.room().messages[4]!.mentions).toEqual([BOB.id]);
  });
});

describe('helpers', () => {
  it('one form per emoji: a needless variation selector goes, a needed one stays', () => {
    expect(normalizeEmoji('👍\uFE0F')).toBe('👍');
    expect(normalizeEmoji('❤️')).toBe('❤️');
    expect(normalizeEmoji(' 🎉 ')).toBe('🎉');
  });

  it('toggles my reaction: adds, counts, removes the emoji at zero', () => {
    const one = toggled([], '👍', 'me', true);
    expect(one).toEqual([{ emoji: '👍', count: 1, users: ['me'] }]);
    expect(toggled(one, '👍', 'me', true)).toBe(one);
    const two = toggled([{ emoji: '👍', count: 60, users: ['x'] }], '👍', 'me', true);
    expect(two).toEqual([{ emoji: '👍', count: 61, users: ['x', 'me'] }]);
    expect(toggled(one, '👍', 'me', false)).toEqual([]);
  });
});
