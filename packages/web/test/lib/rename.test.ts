// A guest's change of name (ChatClient.rename, docs/protocol.md "nick → nick") on the fake socket:
// the frame with a ref, the reply taken as me and as the stored nick, and each refusal said in
// state.rename (for the field it was typed in) rather than as the page's notice.
import { describe, expect, it } from 'vitest';
import { ALICE, onlineAsAlice, withRef } from './client-harness.js';

describe('ChatClient.rename', () => {
  it('sends nick with a ref; the reply renames me, stores the nick for the next visit and confirms', () => {
    const h = onlineAsAlice();
    expect(h.client.rename('  Alicia ')).toBe(true);
    const sent = h.socket.last('nick');
    expect(sent).toMatchObject({ type: 'nick', nick: 'Alicia' });
    expect(sent.ref).toBeTruthy();
    expect(h.state.rename).toEqual({ pending: true, error: null, done: 0 });
    h.socket.receive(withRef(sent, { type: 'nick', nick: 'Alicia' }));
    expect(h.state.me).toEqual({ id: ALICE.id, nick: 'Alicia' });
    expect(h.storage.getItem('chat.nick')).toBe('Alicia');
    expect(h.state.rename).toEqual({ pending: false, error: null, done: 1 });
    expect(h.state.confirmation).toMatchObject({ key: 'renamed', params: { nick: 'Alicia' } });
    // Another tab's rename (no ref) is taken too, without a confirmation of ours.
    h.state.confirmation = null;
    h.socket.receive({ type: 'nick', nick: 'Ali' });
    expect(h.state.me?.nick).toBe('Ali');
    expect(h.storage.getItem('chat.nick')).toBe('Ali');
    expect(h.state.confirmation).toBeNull();
  });

  it('refusals land in state.rename, not in the notice: nick_taken, rate_limited, invalid_nick', () => {
    const h = onlineAsAlice();
    for (const code of ['nick_taken', 'rate_limited', 'invalid_nick'] as const) {
      h.client.rename('carol');
      h.socket.receive(withRef(h.socket.last('nick'), { type: 'error', code, message: 'no', ...(code === 'rate_limited' ? { retryAfterMs: 1000 } : {}) }));
      expect(h.state.rename, code).toEqual({ pending: false, error: code, done: 0 });
      expect(h.state.notice, code).toBeNull();
      expect(h.state.me?.nick).toBe('alice');
    }
    expect(h.storage.getItem('chat.nick')).toBe('alice');
  });

  it('a name against the rules, or no connection, sends nothing; a dropped socket ends a pending rename', () => {
    const h = onlineAsAlice();
    expect(h.client.rename('   ')).toBe(false);
    expect(h.client.rename('zero\u200bwidth')).toBe(false);
    expect(h.client.rename('x'.repeat(33))).toBe(false);
    expect(h.state.rename.error).toBe('invalid_nick');
    expect(h.socket.ofType('nick')).toEqual([]);
    h.client.rename('alicia');
    expect(h.client.rename('other')).toBe(false); // one at a time
    h.socket.drop();
    expect(h.state.rename).toEqual({ pending: false, error: 'offline', done: 0 });
    expect(h.client.rename('alicia')).toBe(false);
    expect(h.state.rename.error).toBe('offline');
  });
});
