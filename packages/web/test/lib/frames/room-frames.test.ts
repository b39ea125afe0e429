// `joined` (src/lib/frames/room-frames.ts): a first join, and a resume with `since` after a drop.
import { describe, expect, it, vi } from 'vitest';
import { ALICE, BOB, harness, joined, message, onlineAsAlice, range, TOKEN, useFakeTimers, welcome, withRef } from '../client-harness.js';
import { MemoryStorage } from '../../fakes.js';

useFakeTimers();

describe('joining rooms', () => {
  it('on welcome joins every room in roomOrder, lobby first, without since the first time', () => {
    const storage = new MemoryStorage();
    const first = harness({ storage });
    first.client.start('alice');
    first.connect();
    first.client.openRoom('general');
    first.client.openRoom('random');
    first.client.stop();

    const h = harness({ storage });
    expect(h.state.roomOrder).toEqual(['lobby', 'general', 'random']);
    h.client.start();
    h.socket.open();
    expect(h.socket.sent).toEqual([]); // nothing before welcome
    h.socket.receive(welcome());
    const joins = h.socket.ofType('join');
    expect(joins.map((j) => j.room)).toEqual(['lobby', 'general', 'random']);
    for (const join of joins) expect(join).not.toHaveProperty('since');
  });

  it('joined fills messages, lastSeq, members, online and hasOlder', () => {
    const h = harness();
    h.client.start('alice');
    h.socket.open();
    h.socket.receive(welcome());
    const join = h.socket.last('join');
    expect(join).toMatchObject({ type: 'join', room: 'lobby' });
    expect(join).not.toHaveProperty('since');
    expect(h.room().joined).toBe(false);

    h.socket.receive(withRef(join, joined('lobby', { seq: 60, history: range(11, 60), hasMore: true, members: [BOB, ALICE], online: 2 })));
    const room = h.room();
    expect(room.joined).toBe(true);
    expect(h.seqs()).toEqual(range(11, 60).map((m) => m.seq));
    expect(room.messages[0]).toMatchObject({ seq: 11, clientId: 'b-11', from: BOB, text: 'message 11', status: 'sent' });
    expect(room.lastSeq).toBe(60);
    expect(room.members).toEqual([BOB, ALICE]);
    expect(room.online).toBe(2);
    expect(room.hasOlder).toBe(true);
    expect(room.unread).toBe(0); // history is not news

    const empty = onlineAsAlice({ seq: 0, history: [], hasMore: false });
    expect(empty.room().hasOlder).toBe(false);
    expect(empty.room().lastSeq).toBe(0);
    expect(empty.room().messages).toEqual([]);
  });

  it('joined.seq beyond the history (live messages still to come) is the resume point', () => {
    // joined.seq is the room's last seq; the client holds everything up to it (history is the newest window).
    const h = onlineAsAlice({ seq: 7, history: range(5, 7), hasMore: true });
    expect(h.room().lastSeq).toBe(7);
    h.socket.receive(message(8));
    expect(h.room().lastSeq).toBe(8);
  });
});

describe('resume', () => {
  it('rejoins with since = the last seq and merges the missed messages without duplicates (recorded)', async () => {
    const h = harness();
    h.client.start('alice');
    h.connect({ joined: { lobby: { seq: 4, history: [message(1, ALICE, 'hello bob', 'a-1'), message(2), message(3, ALICE, 'how are you?', 'a-2'), message(4)] } } });
    expect(h.room().lastSeq).toBe(4);
    h.client.openRoom('general');
    h.socket.receive(withRef(h.socket.last('join'), joined('general', { seq: 2, history: range(1, 2, BOB, 'general') })));
    h.client.activate('lobby');

    h.socket.drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    const s = h.socket;
    expect(s.query).toEqual({});
    expect(s.protocols).toEqual(['chat', `token.${TOKEN}`]);
    s.open();
    s.receive(JSON.parse('{"type":"welcome","protocol":1,"user":{"id":"RVr2DtMA6dZRXEFk","nick":"alice"},"online":2,"serverTime":1795682392653,"token":"gyM6RQoOng_gX4aGEqzz0E_xhPk6t-BUEUZD_EL6G6M"}'));
    const joins = s.ofType('join');
    expect(joins.map((j) => [j.room, j.since])).toEqual([
      ['lobby', 4],
      ['general', 2],
    ]);
    // Captured reply, plus an overlapping seq 4 that must not be doubled.
    const reply = JSON.parse('{"type":"joined","room":"lobby","seq":5,"online":2,"members":[{"id":"R3Sz3jCiozrgZSNj","nick":"bobby"},{"id":"RVr2DtMA6dZRXEFk","nick":"alice"}],"history":[{"type":"message","room":"lobby","seq":5,"id":"5","clientId":"b-4","from":{"id":"R3Sz3jCiozrgZSNj","nick":"bobby"},"text":"alice?","ts":1795682392548}],"hasMore":false}');
    reply.history.unshift(message(4));
    s.receive(withRef(joins[0]!, reply));
    s.receive(JSON.parse('{"type":"presence","room":"lobby","online":2,"joined":{"id":"RVr2DtMA6dZRXEFk","nick":"alice"}}'));
    s.receive(message(6));
    s.receive(message(6));
    s.receive(withRef(joins[1]!, joined('general', { seq: 3, history: range(3, 3, BOB, 'general') })));

    expect(h.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.room().messages[4]).toMatchObject({ seq: 5, text: 'alice?', from: { id: BOB.id, nick: 'bobby' } });
    expect(h.room().lastSeq).toBe(6);
    expect(h.room().members).toEqual([{ id: BOB.id, nick: 'bobby' }, ALICE]);
    expect(h.room().hasOlder).toBe(false);
    expect(h.seqs('general')).toEqual([1, 2, 3]);
    expect(h.room('general').lastSeq).toBe(3);
    expect(h.state.status).toBe('online');
  });

  it('a capped resume pages forward with history after until hasMore is false', async () => {
    const h = onlineAsAlice({ seq: 4, history: range(1, 4) });
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    const s = h.socket;
    s.open();
    s.receive(welcome());
    const join = s.last('join');
    expect(join.since).toBe(4);
    // The server's cap cut the missed window at seq 7; the room is at 12.
    s.receive(withRef(join, joined('lobby', { seq: 12, history: range(5, 7), hasMore: true })));
    const page1 = s.last('history');
    expect(page1).toMatchObject({ room: 'lobby', after: 7 });
    expect(page1).not.toHaveProperty('before');
    // A live message after joined.seq arrives meanwhile.
    s.receive(message(13));
    s.receive(withRef(page1, { type: 'history', room: 'lobby', messages: range(8, 10), hasMore: true }));
    const page2 = s.last('history');
    expect(page2).toMatchObject({ room: 'lobby', after: 10 });
    s.receive(withRef(page2, { type: 'history', room: 'lobby', messages: range(11, 12), hasMore: false }));
    expect(s.ofType('history')).toHaveLength(2);

    expect(h.seqs()).toEqual(range(1, 13).map((m) => m.seq));
    expect(h.room().lastSeq).toBe(13);
    expect(h.room().hasOlder).toBe(false); // paging forward says nothing about older messages
  });

  it('sends nothing more for a resume that was not capped', async () => {
    const h = onlineAsAlice({ seq: 4, history: range(1, 4) });
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.connect({ joined: { lobby: { seq: 6, history: range(5, 6), hasMore: false } } });
    expect(h.socket.ofType('history')).toEqual([]);
    expect(h.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a resume that keeps older history loaded keeps hasOlder', async () => {
    const h = onlineAsAlice({ seq: 60, history: range(11, 60), hasMore: true });
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.connect({ joined: { lobby: { seq: 61, history: range(61, 61) } } });
    expect(h.room().hasOlder).toBe(true);
    expect(h.seqs()[0]).toBe(11);
  });

  // Regression: a room that was empty when first joined (lastSeq 0, no messages) is re-joined
  // WITHOUT since after a drop, so it gets only the newest window instead of everything it missed.
  it('a room that was empty when joined is resumed with since = 0', async () => {
    const h = onlineAsAlice({ seq: 0, history: [] });
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.socket.open();
    h.socket.receive(welcome());
    expect(h.socket.last('join')).toMatchObject({ room: 'lobby', since: 0 });
  });

  // Regression: my pending message that the server stored before the connection dropped (the ack
  // was lost) comes back in joined.history; it should settle the outbox entry, not stay pending beside it.
  it('my pending message found in the resume history is settled, not shown twice', async () => {
    const h = onlineAsAlice({ seq: 1, history: range(1, 1) });
    h.client.send('lobby', 'did it arrive?');
    const id = String(h.socket.last('send').id);
    h.socket.drop(); // stored as seq 2, but the ack never came
    await vi.advanceTimersByTimeAsync(1000);
    h.socket.open();
    h.socket.receive(welcome());
    h.socket.receive(withRef(h.socket.last('join'), joined('lobby', { seq: 2, history: [message(2, ALICE, 'did it arrive?', id)] })));
    expect(h.seqs()).toEqual([1, 2]);
    expect(h.room().outbox).toEqual([]);
  });
});
