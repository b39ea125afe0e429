// ChatClient (src/lib/chat-client.ts) as a whole: the recorded sample session, and recoveries that
// take several of its pieces.
import { describe, expect, it, vi } from 'vitest';
import { ALICE, BOB, harness, joined, message, onlineAsAlice, useFakeTimers, welcome, withRef } from './client-harness.js';

useFakeTimers();

describe('the sample session from docs/protocol.md, replayed', () => {
  it("alice's side: welcome, joined, presence, typing, messages, history paging, rename, leave", () => {
    const h = harness();
    h.client.start('alice');
    const s = h.socket;
    s.open();
    // Captured lines (alice ←), verbatim except for refs, which the server copies from our requests.
    s.receive(JSON.parse('{"type":"welcome","protocol":1,"user":{"id":"RVr2DtMA6dZRXEFk","nick":"alice"},"online":1,"serverTime":1795682391262,"token":"gyM6RQoOng_gX4aGEqzz0E_xhPk6t-BUEUZD_EL6G6M"}'));
    const join = s.last('join');
    s.receive(withRef(join, JSON.parse('{"type":"joined","room":"lobby","seq":0,"online":1,"members":[{"id":"RVr2DtMA6dZRXEFk","nick":"alice"}],"history":[],"hasMore":false}')));
    s.receive(JSON.parse('{"type":"presence","room":"lobby","online":1,"joined":{"id":"RVr2DtMA6dZRXEFk","nick":"alice"}}'));
    expect(h.room().members).toEqual([ALICE]);
    s.receive(JSON.parse('{"type":"presence","room":"lobby","online":2,"joined":{"id":"R3Sz3jCiozrgZSNj","nick":"bob"}}'));
    expect(h.room().members).toEqual([ALICE, BOB]);
    expect(h.room().online).toBe(2);

    h.client.send('lobby', '  hello bob  ');
    const send = s.last('send');
    expect(send).toMatchObject({ type: 'send', room: 'lobby', text: 'hello bob' });
    const id = String(send.id);
    s.receive(JSON.parse(`{"type":"message","room":"lobby","seq":1,"id":"1","clientId":"${id}","from":{"id":"RVr2DtMA6dZRXEFk","nick":"alice"},"text":"hello bob","ts":1795682391431}`));
    s.receive(withRef(send, JSON.parse(`{"type":"ack","room":"lobby","id":"${id}","seq":1,"msgId":"1","ts":1795682391431}`)));
    s.receive(JSON.parse('{"type":"typing","room":"lobby","user":{"id":"R3Sz3jCiozrgZSNj","nick":"bob"}}'));
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
    s.receive(JSON.parse('{"type":"message","room":"lobby","seq":2,"id":"2","clientId":"b-1","from":{"id":"R3Sz3jCiozrgZSNj","nick":"bob"},"text":"hi alice 👋","ts":1795682391639}'));
    expect(h.client.typingUsers('lobby')).toEqual([]);
    s.receive(message(3, ALICE, 'how are you?', 'a-2'));
    s.receive(message(4, BOB, 'fine, thanks', 'b-2'));

    s.receive(JSON.parse('{"type":"presence","room":"lobby","online":2,"renamed":{"id":"R3Sz3jCiozrgZSNj","nick":"bobby"}}'));
    expect(h.room().members).toEqual([ALICE, { id: BOB.id, nick: 'bobby' }]);
    s.receive(JSON.parse('{"type":"presence","room":"lobby","online":1,"left":{"id":"R3Sz3jCiozrgZSNj","nick":"bobby"}}'));

    const room = h.room();
    expect(room.messages.map((m) => [m.seq, m.from.nick, m.text, m.status])).toEqual([
      [1, 'alice', 'hello bob', 'sent'],
      [2, 'bob', 'hi alice 👋', 'sent'],
      [3, 'alice', 'how are you?', 'sent'],
      [4, 'bob', 'fine, thanks', 'sent'],
    ]);
    expect(room.outbox).toEqual([]);
    expect(room.lastSeq).toBe(4);
    expect(room.members).toEqual([ALICE]);
    expect(room.online).toBe(1);
    expect(room.unread).toBe(1); // bob's last, after my own: unread until the list reports it seen
    expect(h.state.me).toEqual(ALICE);
  });
});

describe('recovery', () => {
  it('retries a join that failed with internal', async () => {
    const h = harness();
    h.client.start('alice');
    h.socket.open();
    h.socket.receive(welcome());
    const join = h.socket.last('join');
    h.socket.receive(withRef(join, { type: 'error', code: 'internal', message: 'store down' }));
    expect(h.room().joined).toBe(false);
    expect(h.socket.ofType('join')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.socket.ofType('join')).toHaveLength(2);
    h.socket.receive(withRef(h.socket.last('join'), joined('lobby')));
    expect(h.room().joined).toBe(true);
  });

  it("counts others' messages missed while offline as unread, after my own", async () => {
    const h = onlineAsAlice({ seq: 0, history: [] });
    h.client.openRoom('side');
    h.socket.receive(withRef(h.socket.last('join'), joined('side')));
    expect(h.state.activeRoom).toBe('side');
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.socket.open();
    h.socket.receive(welcome());
    const lobbyJoin = h.socket.ofType('join').find((j) => j.room === 'lobby')!;
    h.socket.receive(withRef(lobbyJoin, joined('lobby', { seq: 3, history: [message(1), message(2, ALICE), message(3)] })));
    // My own message (from another device) says I had read up to it: only bob's after it counts.
    expect(h.room('lobby').unread).toBe(1);
  });

  it('pings a socket that opened but never said welcome, and closes it when no pong comes', async () => {
    const h = harness({ keepaliveMs: 5000 });
    h.client.start('alice');
    h.socket.open();
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.socket.ofType('ping')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.state.status).not.toBe('online');
    expect(h.sockets.length).toBeGreaterThanOrEqual(1);
  });
});
