// Unsent messages (src/lib/outbox.ts): sent with a fresh id, settled by the ack or the stored copy,
// kept across a drop and a reload and resent with the same id.
import { describe, expect, it, vi } from 'vitest';
import { ALICE, BOB, harness, joined, message, onlineAsAlice, pendingAcrossReload, range, T0, TOKEN, useFakeTimers, welcome, withRef } from './client-harness.js';
import { MemoryStorage } from '../fakes.js';
import { DEFAULT_LIMITS } from '@chat/protocol';
import { messageChars, tooLong } from '../../src/lib/outbox.js';

useFakeTimers();

describe('send while online', () => {
  it('sends a send frame with a fresh id and a ref, and keeps the message pending until it is stored', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'one');
    h.client.send('lobby', 'two');
    const [a, b] = h.socket.ofType('send');
    expect(a).toMatchObject({ type: 'send', room: 'lobby', text: 'one' });
    expect(b).toMatchObject({ type: 'send', room: 'lobby', text: 'two' });
    for (const frame of [a!, b!]) {
      expect(typeof frame.id).toBe('string');
      expect(String(frame.id).length).toBeGreaterThanOrEqual(1);
      expect(String(frame.id).length).toBeLessThanOrEqual(64);
      expect(typeof frame.ref).toBe('string');
      expect(String(frame.ref).length).toBeLessThanOrEqual(64);
    }
    expect(a!.id).not.toBe(b!.id);
    expect(h.room().outbox.map((m) => [m.clientId, m.text, m.status, m.from.id])).toEqual([
      [a!.id, 'one', 'pending', ALICE.id],
      [b!.id, 'two', 'pending', ALICE.id],
    ]);
    expect(h.room().messages).toEqual([]);
  });

  it('ignores empty text and unknown rooms', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', '   \n ');
    h.client.send('nowhere', 'hello');
    expect(h.socket.ofType('send')).toEqual([]);
    expect(h.room().outbox).toEqual([]);
  });

  it('refuses a message over the length limit, counted in code points after trimming as the server counts', () => {
    const h = onlineAsAlice();
    const limit = DEFAULT_LIMITS.maxMessageChars;
    // The server would refuse it, so a Retry could never work: it stays with the caller to edit.
    expect(h.client.send('lobby', 'x'.repeat(limit + 1))).toBe(false);
    expect(h.socket.ofType('send')).toEqual([]);
    expect(h.room().outbox).toEqual([]);

    // An emoji is two UTF-16 units but one character; surrounding spaces are trimmed away.
    expect(h.client.send('lobby', `  ${'😀'.repeat(limit)}\n`)).toBe(true);
    expect(h.socket.ofType('send')).toHaveLength(1);
    expect(h.room().outbox.map((m) => m.text)).toEqual(['😀'.repeat(limit)]);
  });

  it('counts a draft as the server does, and says when it is over the limit', () => {
    const limit = DEFAULT_LIMITS.maxMessageChars;
    expect(messageChars('  a😀b \n')).toBe(3);
    expect(tooLong('😀'.repeat(limit))).toBe(false);
    expect(tooLong(` ${'a'.repeat(limit)} `)).toBe(false);
    expect(tooLong('a'.repeat(limit + 1))).toBe(true);
  });

  it('ack before the message event: sent with the acked seq, and the event does not duplicate it', () => {
    const h = onlineAsAlice({ seq: 1, history: range(1, 1) });
    h.client.send('lobby', 'hello bob');
    const send = h.socket.last('send');
    const id = String(send.id);
    h.socket.receive(withRef(send, { type: 'ack', room: 'lobby', id, seq: 2, msgId: '2', ts: T0 + 500 }));
    expect(h.room().outbox).toEqual([]);
    expect(h.room().messages[1]).toMatchObject({ seq: 2, clientId: id, text: 'hello bob', status: 'sent', ts: T0 + 500, from: ALICE });
    expect(h.room().lastSeq).toBe(2);

    h.socket.receive({ ...message(2, ALICE, 'hello bob', id), ts: T0 + 500 });
    expect(h.seqs()).toEqual([1, 2]);
    expect(h.room().outbox).toEqual([]);
    expect(h.room().unread).toBe(0);
  });

  it('message event before the ack: stored once, the ack changes nothing', () => {
    const h = onlineAsAlice({ seq: 1, history: range(1, 1) });
    h.client.send('lobby', 'hello bob');
    const send = h.socket.last('send');
    const id = String(send.id);
    h.socket.receive(message(2, ALICE, 'hello bob', id));
    expect(h.room().outbox).toEqual([]);
    expect(h.seqs()).toEqual([1, 2]);
    expect(h.room().messages[1]).toMatchObject({ clientId: id, from: ALICE, status: 'sent' });

    h.socket.receive(withRef(send, { type: 'ack', room: 'lobby', id, seq: 2, msgId: '2', ts: T0 + 200 }));
    expect(h.seqs()).toEqual([1, 2]);
    expect(h.room().outbox).toEqual([]);
  });

  it('a message keeps its render key from pending to stored (no re-created bubble)', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'one');
    h.client.send('lobby', 'two');
    const [one, two] = h.socket.ofType('send');
    const keyOne = h.room().outbox[0]!.key;
    const keyTwo = h.room().outbox[1]!.key;
    expect(keyOne).not.toBe(keyTwo);
    h.socket.receive(withRef(one!, { type: 'ack', room: 'lobby', id: String(one!.id), seq: 1, msgId: '1', ts: T0 }));
    h.socket.receive(message(2, ALICE, 'two', String(two!.id)));
    expect(h.room().messages.map((m) => m.key)).toEqual([keyOne, keyTwo]);
  });

  it('a message event from someone else with the same clientId does not settle my pending message', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'mine');
    const id = String(h.socket.last('send').id);
    h.socket.receive(message(1, BOB, 'not yours', id));
    expect(h.room().outbox.map((m) => m.clientId)).toEqual([id]);
    expect(h.room().outbox[0]!.status).toBe('pending');
  });

  it('the settled message is no longer persisted as pending', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'persist me');
    const send = h.socket.last('send');
    expect(h.storage.dump()).toContain('persist me');
    h.socket.receive(withRef(send, { type: 'ack', room: 'lobby', id: String(send.id), seq: 1, msgId: '1', ts: T0 }));
    expect(h.storage.dump()).not.toContain('persist me');
    const reload = harness({ storage: h.storage });
    expect(reload.room().outbox).toEqual([]);
  });
});

describe('send while offline', () => {
  it('stays pending and persisted, and goes out with the same id after the next joined', async () => {
    const h = onlineAsAlice({ seq: 4, history: range(1, 4) });
    const first = h.socket;
    first.drop(1006);
    expect(h.state.status).toBe('offline');

    h.client.send('lobby', 'typed offline');
    expect(first.ofType('send')).toEqual([]);
    const pending = h.room().outbox[0]!;
    expect(pending).toMatchObject({ text: 'typed offline', status: 'pending', seq: null });
    expect(h.storage.dump()).toContain('typed offline');
    expect(h.storage.dump()).toContain(pending.clientId);

    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    const second = h.socket;
    expect(second.query).toEqual({});
    expect(second.protocols).toEqual(['chat', `token.${TOKEN}`]);
    second.open();
    second.receive(welcome());
    expect(second.ofType('send')).toEqual([]); // not before the room is joined again
    const join = second.last('join');
    second.receive(withRef(join, joined('lobby', { seq: 4 })));
    const sends = second.ofType('send');
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({ room: 'lobby', text: 'typed offline', id: pending.clientId });
    expect(second.sent.indexOf(join)).toBeLessThan(second.sent.indexOf(sends[0]!));

    second.receive(message(5, ALICE, 'typed offline', pending.clientId));
    second.receive(withRef(sends[0]!, { type: 'ack', room: 'lobby', id: pending.clientId, seq: 5, msgId: '5', ts: T0 + 500 }));
    expect(h.seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(h.room().outbox).toEqual([]);
  });

  it('survives a reload: restored as pending, sent with the same id after the next joined', () => {
    const { clientId, reload } = pendingAcrossReload('before the reload');
    expect(reload.room().outbox.map((m) => [m.clientId, m.text, m.status])).toEqual([[clientId, 'before the reload', 'pending']]);
    reload.client.start();
    reload.socket.open();
    reload.socket.receive(welcome());
    expect(reload.socket.ofType('send')).toEqual([]);
    reload.socket.receive(withRef(reload.socket.last('join'), joined('lobby')));
    expect(reload.socket.ofType('send')).toEqual([expect.objectContaining({ type: 'send', room: 'lobby', text: 'before the reload', id: clientId })]);

    reload.socket.receive(message(1, ALICE, 'before the reload', clientId));
    expect(reload.room().outbox).toEqual([]);
    expect(reload.room().messages).toEqual([expect.objectContaining({ seq: 1, clientId, from: ALICE, status: 'sent' })]);
    expect(reload.storage.dump()).not.toContain('before the reload');
  });

  // A restored entry does not know who wrote it until welcome; the ack may come before the message
  // event (their order is not guaranteed), and what the ack stores must still be mine.
  it('a restored message acked before its message event is stored as mine', () => {
    const { clientId, reload } = pendingAcrossReload('before the reload');
    reload.client.start();
    reload.connect();
    const send = reload.socket.last('send');
    reload.socket.receive(withRef(send, { type: 'ack', room: 'lobby', id: clientId, seq: 1, msgId: '1', ts: T0 }));
    reload.socket.receive(message(1, ALICE, 'before the reload', clientId));
    expect(reload.room().messages).toHaveLength(1);
    expect(reload.room().messages[0]!.from).toEqual(ALICE);
  });

  // Regression: send() drops the text silently while `me` is unknown, i.e. after a reload until the
  // first welcome (the composer is already shown then). Typed while offline should mean queued.
  it('a message typed after a reload, before the server answers, is queued', () => {
    const storage = new MemoryStorage();
    const first = onlineAsAlice({}, { storage });
    first.client.stop();

    const h = harness({ storage, serverUp: false });
    h.client.start();
    h.socket.drop(); // the server is down
    h.client.send('lobby', 'typed while the server is down');
    expect(h.room().outbox.map((m) => [m.text, m.status])).toEqual([['typed while the server is down', 'pending']]);
  });
});
