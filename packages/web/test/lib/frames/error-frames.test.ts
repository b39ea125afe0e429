// `error` answering a `send` (src/lib/frames/error-frames.ts): failed, retried later, or the notice.
import { describe, expect, it, vi } from 'vitest';
import { harness, joined, onlineAsAlice, T0, useFakeTimers, withRef } from '../client-harness.js';

useFakeTimers();

describe('errors for a send', () => {
  it('invalid_text: failed with the code; retry() resends with the same id; discard() removes it', () => {
    const h = onlineAsAlice();
    // The client sends nothing over the protocol's default limit, but a server configured with a
    // lower one may still refuse a message as too long.
    const long = 'x'.repeat(3000);
    h.client.send('lobby', long);
    const send = h.socket.last('send');
    h.socket.receive(withRef(send, { type: 'error', code: 'invalid_text', message: 'text is longer than 2000 characters' }));
    const entry = h.room().outbox[0]!;
    expect(entry.status).toBe('failed');
    expect(entry.error).toBe('invalid_text');
    expect(h.state.status).toBe('online');

    // A failed message is not resent on its own, even after a reconnect.
    h.socket.receive(withRef(h.socket.last('join'), joined('lobby')));
    expect(h.socket.ofType('send')).toHaveLength(1);

    h.client.retry('lobby', entry.clientId);
    expect(h.room().outbox[0]!.status).toBe('pending');
    expect(h.room().outbox[0]!.error).toBeUndefined();
    const resend = h.socket.ofType('send');
    expect(resend).toHaveLength(2);
    expect(resend[1]).toMatchObject({ id: send.id, text: long, room: 'lobby' });

    h.socket.receive(withRef(resend[1]!, { type: 'error', code: 'invalid_text', message: 'text is longer than 2000 characters' }));
    expect(h.room().outbox[0]!.status).toBe('failed');
    h.client.discard('lobby', entry.clientId);
    expect(h.room().outbox).toEqual([]);
    expect(h.storage.dump()).not.toContain(long);
    expect(harness({ storage: h.storage }).room().outbox).toEqual([]);
  });

  it('rate_limited: resent automatically with the same id after retryAfterMs', async () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'slow down');
    const send = h.socket.last('send');
    h.socket.receive(withRef(send, { type: 'error', code: 'rate_limited', message: 'too many messages', retryAfterMs: 1500 }));
    expect(h.room().outbox[0]!.status).toBe('pending');

    await vi.advanceTimersByTimeAsync(1499);
    expect(h.socket.ofType('send')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const sends = h.socket.ofType('send');
    expect(sends).toHaveLength(2);
    expect(sends[1]).toMatchObject({ id: send.id, text: 'slow down', room: 'lobby' });

    h.socket.receive(withRef(sends[1]!, { type: 'ack', room: 'lobby', id: String(send.id), seq: 1, msgId: '1', ts: T0 }));
    expect(h.room().outbox).toEqual([]);
    expect(h.seqs()).toEqual([1]);
  });

  it('internal: resent with the same id after a short wait', async () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'try again');
    const send = h.socket.last('send');
    h.socket.receive(withRef(send, { type: 'error', code: 'internal', message: 'the server failed' }));
    expect(h.room().outbox[0]!.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(5000);
    const sends = h.socket.ofType('send');
    expect(sends).toHaveLength(2);
    expect(sends[1]!.id).toBe(send.id);
  });

  it('rate_limited for a message discarded meanwhile: not resent', async () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'never mind');
    const send = h.socket.last('send');
    h.socket.receive(withRef(send, { type: 'error', code: 'rate_limited', message: 'too many messages', retryAfterMs: 1000 }));
    h.client.discard('lobby', String(send.id));
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.socket.ofType('send')).toHaveLength(1);
  });

  it('an error that answers no send becomes the notice', () => {
    const h = onlineAsAlice();
    h.socket.receive({ type: 'error', code: 'bad_request', message: 'unknown type' });
    expect(h.state.notice).toBe('bad_request');
    expect(h.state.status).toBe('online');
  });
});
