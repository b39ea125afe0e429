// Who the client connects as (src/lib/identity.ts, client-storage.ts, session-frames.ts): a new
// guest's nick, a saved token offered as a subprotocol, and a socket refused before welcome.
import { describe, expect, it, vi } from 'vitest';
import { ALICE, harness, onlineAsAlice, settle, TOKEN, useFakeTimers, welcome } from './client-harness.js';
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
