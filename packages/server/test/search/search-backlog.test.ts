// History from before search (an upgraded database) is indexed in the background once the server
// runs (store/search-backlog.ts): a server started on a version-9 SQLite database with 1,200 old
// messages finds the oldest of them by search soon after it starts, while it chats as usual.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AckFrame } from '@chat/protocol';
import { tempDir, TestClient, trackResources } from '../helpers.js';
import { eventually } from '../hub-rules/world.js';

const res = trackResources();

describe('search of history from before the index', () => {
  it('indexes an upgraded database in the background: its oldest message is found soon after start', async () => {
    const dir = tempDir('chat-backlog-');
    res.track({ close: async () => rmSync(dir, { recursive: true, force: true }) });
    const old = new Database(join(dir, 'chat.db'));
    old.exec(readFileSync(new URL('../store/frozen/sqlite-v9.sql', import.meta.url), 'utf8'));
    old.prepare("INSERT INTO rooms (id, name, created_at, last_seq) VALUES (1, 'lobby', 1, 1200)").run();
    const insert = old.prepare("INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts) VALUES (1, ?, 'u1', 'old-timer', ?, ?, 1000)");
    old.transaction(() => {
      for (let seq = 1; seq <= 1200; seq++) insert.run(seq, `c${seq}`, seq === 1 ? 'the very first aardvark' : `old chatter number ${seq}`);
    })();
    old.close();

    const server = await res.server({ dataDir: dir });
    const guest = await TestClient.connect(server, { query: { nick: 'reader' } });
    res.track(guest);
    await guest.request({ type: 'join', room: 'lobby' });
    const ack = (await guest.request({ type: 'send', room: 'lobby', id: 'new', text: 'a new aardvark' })) as AckFrame;
    expect(ack.seq).toBe(1201);
    const search = async () => {
      const answer = await fetch(`${server.httpUrl}/api/search?q=aardvark`, { headers: { authorization: `Bearer ${guest.welcome.token as string}` } });
      return ((await answer.json()) as { results: Array<{ message: { seq: number } }> }).results.map((r) => r.message.seq);
    };
    await eventually(async () => expect(await search()).toEqual([1201, 1]), 15_000);
  });
});
