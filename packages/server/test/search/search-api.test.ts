// GET api/search over a real server (docs/protocol.md, "Search"): every word must match, newest
// first, in pages whose `next` is null exactly when nothing follows; accounts and guests (their
// token as a bearer); never a private room, DM or public room the caller may not read; redacted
// messages never, edited ones by their new text only; `room=`, `in:` and `from:`; bad input 400.
import { describe, expect, it } from 'vitest';
import type { AckFrame, ChatMessage } from '@chat/protocol';
import { trackResources } from '../helpers.js';
import { api } from '../http/http-helpers.js';
import { join, ok, say, world, type Account } from '../hub-rules/world.js';

const res = trackResources();

interface SearchAnswer {
  results: Array<{ room: string; message: ChatMessage }>;
  next: string | null;
}

async function search(w: Awaited<ReturnType<typeof world>>, token: string | null, query: Record<string, string>) {
  const qs = new URLSearchParams(query).toString();
  return api(w.server, 'GET', `/api/search?${qs}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
}

const texts = (body: unknown) => (body as SearchAnswer).results.map((r) => `${r.room}:${r.message.text}`);

async function team() {
  const w = await world(res);
  const [alice, bob] = await w.accounts('alice', 'bob');
  const a = await alice.connect();
  const b = await bob.connect();
  return { w, alice, bob, a, b };
}

describe('GET api/search', () => {
  it('finds what the caller may read, every word, newest first; never a private room, DM or redacted message of others', async () => {
    const { w, alice, bob, a, b } = await team();
    await join(a, 'lobby');
    await ok(a, { type: 'create', room: 'plans', private: true }, 'created');
    await join(a, 'plans');
    await say(a, 'lobby', 'budget meeting on Monday');
    await say(a, 'plans', 'secret budget meeting');
    await ok(a, { type: 'dm', user: 'bob' }, 'joined');
    const dm = (a.frames.find((f) => f.type === 'joined' && f.kind === 'dm') as { room: string }).room;
    await say(a, dm, 'private budget meeting with bob');
    const redacted = await say(a, 'lobby', 'budget meeting cancelled');
    await ok(a, { type: 'redact', room: 'lobby', seq: redacted }, 'updated');

    const mine = await search(w, alice.token, { q: 'Budget MEETING' });
    expect(mine.status).toBe(200);
    expect(texts(mine.body)).toEqual([`${dm}:private budget meeting with bob`, 'plans:secret budget meeting', 'lobby:budget meeting on Monday']);
    // bob is in the DM but not in "plans"; a guest only sees the lobby.
    expect(texts((await search(w, bob.token, { q: 'budget meeting' })).body)).toEqual([`${dm}:private budget meeting with bob`, 'lobby:budget meeting on Monday']);
    const guest = await w.guest('visitor');
    expect(texts((await search(w, guest.welcome.token as string, { q: 'budget' })).body)).toEqual(['lobby:budget meeting on Monday']);
    expect(texts((await search(w, bob.token, { q: 'budget', room: 'plans' })).body)).toEqual([]);
    expect(texts((await search(w, alice.token, { q: 'budget meeting cancelled' })).body)).toEqual([]);
    void b;
  });

  it('pages with cursor; next is null exactly when no more results follow', async () => {
    const { w, alice, a } = await team();
    await join(a, 'lobby');
    for (let i = 1; i <= 5; i++) await say(a, 'lobby', `standup notes ${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { q: 'standup', limit: '2', ...(cursor ? { cursor } : {}) };
      const page = (await search(w, alice.token, query)).body as SearchAnswer;
      seen.push(...page.results.map((r) => r.message.text));
      cursor = page.next;
      pages++;
    } while (cursor !== null);
    expect(seen).toEqual([5, 4, 3, 2, 1].map((n) => `standup notes ${n}`));
    expect(pages).toBe(3);
    const exact = (await search(w, alice.token, { q: 'standup', limit: '5' })).body as SearchAnswer;
    expect(exact.next).toBeNull();
  });

  it('finds an edited message by its new text only; narrows with room=, in:room and from:nick', async () => {
    const { w, alice, a, b } = await team();
    await join(a, 'lobby');
    await join(a, 'garden');
    await join(b, 'garden');
    const seq = await say(a, 'lobby', 'tomatoes are ripe');
    await ok(a, { type: 'edit', room: 'lobby', seq, text: 'cucumbers are ripe' }, 'updated');
    await say(a, 'garden', 'ripe strawberries');
    await say(b, 'garden', 'ripe pumpkins');
    expect(texts((await search(w, alice.token, { q: 'tomatoes' })).body)).toEqual([]);
    expect(texts((await search(w, alice.token, { q: 'cucumbers' })).body)).toEqual(['lobby:cucumbers are ripe']);
    expect(texts((await search(w, alice.token, { q: 'ripe', room: 'garden' })).body)).toEqual(['garden:ripe pumpkins', 'garden:ripe strawberries']);
    expect(texts((await search(w, alice.token, { q: 'ripe in:garden from:Bob' })).body)).toEqual(['garden:ripe pumpkins']);
    expect(texts((await search(w, alice.token, { q: 'from:alice ripe' })).body)).toEqual(['garden:ripe strawberries', 'lobby:cucumbers are ripe']);
  });

  it('refuses bad input with 400 and no caller with 401; a query of punctuation finds nothing', async () => {
    const { w, alice } = await team();
    expect((await search(w, alice.token, { q: '' })).status).toBe(400);
    expect((await search(w, alice.token, { q: '   ' })).status).toBe(400);
    expect((await search(w, alice.token, { q: 'x'.repeat(201) })).status).toBe(400);
    expect((await search(w, alice.token, { q: 'a', limit: '101' })).status).toBe(400);
    expect((await search(w, alice.token, { q: 'a', cursor: 'abc' })).status).toBe(400);
    expect((await search(w, null, { q: 'a' })).status).toBe(401);
    expect((await search(w, alice.token, { q: '?!...' })).body).toEqual({ results: [], next: null });
  });
});

export type { Account, AckFrame };
