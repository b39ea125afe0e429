// Who the client connects as (src/lib/identity.ts, client-storage.ts, session-frames.ts): a new
// guest's nick, a saved token offered as a subprotocol, and a socket refused before welcome.
import { describe, expect, it, vi } from 'vitest';
import type { AccountHooks } from '../../src/lib/account-hooks.js';
import type { NickVerdict } from '../../src/lib/account-api.js';
import { refusedNickNotice } from '../../src/lib/identity.js';
import { ALICE, clientFixture, harness, onlineAsAlice, settle, TOKEN, useFakeTimers, welcome } from './client-harness.js';
import { MemoryStorage } from '../fakes.js';

useFakeTimers();

describe('identity', () => {
  it('a first visit needs a name and connects only once one is given, with ?nick=', () => {
    const h = harness();
    expect(h.state.needsName).toBe(true);
    expect(h.state.status).toBe('offline');
    h.client.start();
    expect(h.sockets).toHaveLength(0);

    h.client.start('alice');
    expect(h.state.needsName).toBe(false);
    expect(h.sockets).toHaveLength(1);
    expect(h.socket.query).toEqual({ nick: 'alice' });
    expect(h.state.status).toBe('connecting');
  });

  it('welcome makes the client online as that user and keeps the token; a reload offers it as a subprotocol, never in the URL', () => {
    const h = harness();
    h.client.start('alice');
    h.socket.open();
    h.socket.receive(welcome(ALICE, TOKEN, 3));
    expect(h.state.status).toBe('online');
    expect(h.state.me).toEqual(ALICE);
    expect(h.state.online).toBe(3);
    expect(h.storage.dump()).toContain(TOKEN);

    // Reload: a new page (new state, new client) on the same localStorage.
    const reload = harness({ storage: h.storage });
    expect(reload.state.needsName).toBe(false);
    reload.client.start();
    expect(reload.sockets).toHaveLength(1);
    expect(reload.socket.query).toEqual({});
    expect(reload.socket.protocols).toEqual(['chat', `token.${TOKEN}`]);
    reload.socket.open();
    reload.socket.receive(welcome(ALICE, TOKEN));
    expect(reload.state.me).toEqual(ALICE);
  });

  // A subprotocol must be an HTTP token; a stored value that is not one of ours would make
  // the browser's WebSocket constructor throw. It is dropped, as a refused token would be.
  it('a stored token that is not one of ours is not offered; the client connects as a new guest', () => {
    const storage = new MemoryStorage();
    storage.setItem('chat.token', 'not a token, with spaces');
    storage.setItem('chat.nick', 'alice');
    const h = harness({ storage });
    h.client.start();
    expect(h.socket.protocols).toEqual(['chat']);
    expect(h.socket.query).toEqual({ nick: 'alice' });
    expect(storage.getItem('chat.token')).toBeNull();
  });

  it('a nick frame (the reply to a nick change, or from another tab) updates me', () => {
    const h = onlineAsAlice();
    h.socket.receive({ type: 'nick', nick: 'alicia', ref: 'n1' });
    expect(h.state.me).toEqual({ id: ALICE.id, nick: 'alicia' });
  });
});

describe('a socket refused before welcome', () => {
  function withSavedToken(serverUp: boolean) {
    const storage = new MemoryStorage();
    const first = onlineAsAlice({}, { storage });
    first.client.stop();
    const h = harness({ storage, serverUp });
    h.client.start();
    expect(h.socket.query).toEqual({});
    expect(h.socket.protocols).toEqual(['chat', `token.${TOKEN}`]);
    return h;
  }

  it('with a saved token, server up: the token was refused, so it is forgotten and identity_lost shown', async () => {
    const h = withSavedToken(true);
    h.socket.drop(1006);
    expect(h.state.status).toBe('offline');
    await settle();
    expect(h.serverIsUp).toHaveBeenCalledTimes(1);
    expect(h.storage.dump()).not.toContain(TOKEN);
    expect(h.state.notice).toBe('identity_lost');

    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.offeredToken).toBeNull();
    expect(h.socket.query).toEqual({ nick: 'alice' });
  });

  it('with a saved token, server down: the token is kept and the client retries with it', async () => {
    const h = withSavedToken(false);
    h.socket.drop(1006);
    await settle();
    expect(h.serverIsUp).toHaveBeenCalledTimes(1);
    expect(h.storage.dump()).toContain(TOKEN);
    expect(h.state.notice).toBeNull();

    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.query).toEqual({});
    expect(h.socket.protocols).toEqual(['chat', `token.${TOKEN}`]);
  });

  it('without a token (a new guest) the health check is not needed; it just retries', async () => {
    const h = harness();
    h.client.start('alice');
    h.socket.drop(1006);
    await settle();
    expect(h.serverIsUp).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.query).toEqual({ nick: 'alice' });
  });

  it('a drop after welcome with a token is not a refusal: the token stays, no health check', async () => {
    const h = withSavedToken(true);
    h.connect();
    h.socket.drop(1006);
    await settle();
    expect(h.serverIsUp).not.toHaveBeenCalled();
    expect(h.storage.dump()).toContain(TOKEN);
    expect(h.state.notice).toBeNull();
  });
});

// A guest's name refused by the upgrade (409: an account owns it; 400: the rules forbid it) looks
// like a server that is down; api/nicks/check tells them apart (docs/protocol.md, "Checking a
// guest name"), and a refused name brings the welcome screen back instead of retrying forever.
describe('a guest name the server refuses before welcome', () => {
  function withHooks(verdict: NickVerdict | null | 'throws', options: { storage?: MemoryStorage; serverUp?: boolean; guestsAllowed?: boolean | null } = {}) {
    const hooks: AccountHooks = {
      sessionValid: vi.fn(async () => null),
      guestsAllowed: vi.fn(async () => options.guestsAllowed ?? true),
      nickAvailable: vi.fn(async () => {
        if (verdict === 'throws') throw new Error('unreachable');
        return verdict;
      }),
      rooms: vi.fn(async () => []),
    };
    return Object.assign(clientFixture({ accounts: hooks, storage: options.storage, serverUp: options.serverUp }), { hooks });
  }

  it("an account's name: stop, forget the stored name, ask for a name with nick_account, and open no more sockets", async () => {
    const h = withHooks({ available: false, reason: 'account' });
    h.client.start('Alice');
    expect(h.socket.query).toEqual({ nick: 'Alice' });
    h.socket.drop(1006);
    await settle();
    expect(h.hooks.nickAvailable).toHaveBeenCalledWith('Alice');
    expect(h.state.needsName).toBe(true);
    expect(h.state.status).toBe('offline');
    expect(h.state.notice).toBe('nick_account');
    expect(h.state.noticeParams).toEqual({ nick: 'Alice' });
    expect(h.storage.getItem('chat.nick')).toBeNull();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(h.sockets).toHaveLength(1);

    // A reload asks for a name too (the name is not stored any more); another name connects.
    const reload = clientFixture({ storage: h.storage });
    expect(reload.state.needsName).toBe(true);
    h.client.start('bob');
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.query).toEqual({ nick: 'bob' });
  });

  it('a name against the rules: nick_invalid; a reason this client does not know: nick_refused', async () => {
    for (const [reason, notice] of [['invalid', 'nick_invalid'], ['reserved-by-policy', 'nick_refused']] as const) {
      const h = withHooks({ available: false, reason });
      h.client.start('zed');
      h.socket.drop(1006);
      await settle();
      expect(h.state.notice).toBe(notice);
      expect(h.state.needsName).toBe(true);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(h.sockets).toHaveLength(1);
    }
    expect(refusedNickNotice('account')).toBe('nick_account');
  });

  it('guests_disabled from the check: the no-guests welcome screen, as api/info false would give', async () => {
    const h = withHooks({ available: false, reason: 'guests_disabled' }, { guestsAllowed: null });
    h.client.start('zed');
    h.socket.drop(1006);
    await settle();
    expect(h.state.allowGuests).toBe(false);
    expect(h.state.notice).toBe('guests_disabled');
    expect(h.state.needsName).toBe(true);
  });

  it('the name is available, the check is unknown (null) or unreachable (throws): the client retries with the name', async () => {
    for (const verdict of [{ available: true, nick: 'zed' } as const, null, 'throws' as const]) {
      const h = withHooks(verdict);
      h.client.start('zed');
      h.socket.drop(1006);
      await settle();
      expect(h.state.needsName).toBe(false);
      expect(h.state.notice).toBeNull();
      await vi.advanceTimersByTimeAsync(1000);
      expect(h.sockets).toHaveLength(2);
      expect(h.socket.query).toEqual({ nick: 'zed' });
    }
  });

  it('a generated guest (no name stored) is not checked', async () => {
    const storage = new MemoryStorage();
    storage.setItem('chat.rooms', '["lobby"]');
    const h = withHooks({ available: false, reason: 'account' }, { storage });
    h.state.needsName = false;
    h.client.start();
    expect(h.socket.query).toEqual({});
    h.socket.drop(1006);
    await settle();
    expect(h.hooks.nickAvailable).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
  });

  it('a refused token whose stored name an account took since: identity_lost, one try with the name, then the welcome screen', async () => {
    const storage = new MemoryStorage();
    storage.setItem('chat.token', TOKEN);
    storage.setItem('chat.nick', 'carol');
    const h = withHooks({ available: false, reason: 'account' }, { storage, serverUp: true });
    h.client.start();
    expect(h.socket.protocols).toEqual(['chat', `token.${TOKEN}`]);
    h.socket.drop(1006);
    await settle();
    expect(h.state.notice).toBe('identity_lost');
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.query).toEqual({ nick: 'carol' });
    h.socket.drop(1006);
    await settle();
    expect(h.state.notice).toBe('nick_account');
    expect(h.state.needsName).toBe(true);
    expect(storage.getItem('chat.token')).toBeNull();
    expect(storage.getItem('chat.nick')).toBeNull();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(h.sockets).toHaveLength(2);
  });

  it('a drop after welcome is not a refusal: no check, the guest reconnects with its token', async () => {
    const h = withHooks({ available: false, reason: 'account' });
    h.client.start('dave');
    h.socket.open();
    h.socket.receive(welcome({ id: 'u-dave', nick: 'dave' }, TOKEN));
    h.socket.drop(1006);
    await settle();
    expect(h.hooks.nickAvailable).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.protocols).toEqual(['chat', `token.${TOKEN}`]);
  });
});
