// What both stores' migration tests check of a database from before the room log (SQLite's
// version 8, PostgreSQL's version 7): a lobby whose last seq is 7, holding messages 5 ('pruned
// before me') and 7 ('the old text') by u1 'old-timer', client ids c5 and c7.
import { isMessage, type ChatMessage } from '@chat/protocol';
import { expect } from 'vitest';
import type { Store } from '../../src/store/store.js';

const oldTimer = { id: 'u1', nick: 'old-timer' };

export async function expectOldLogWorks(store: Store): Promise<void> {
  const before = await store.messagesAfter('lobby', 0, 10);
  expect(before.messages.map((m) => [m.seq, isMessage(m) && m.text])).toEqual([
    [5, 'pruned before me'],
    [7, 'the old text'],
  ]);
  // Old messages read as plain ones: no edit, reactions, reply or mentions.
  expect(Object.keys(before.messages[1] as ChatMessage).sort()).toEqual(['clientId', 'from', 'id', 'room', 'seq', 'text', 'ts', 'type']);
  const results = await store.appendEntries([
    { action: 'edit', room: 'lobby', seq: 7, by: oldTimer, text: 'the new text' },
    { action: 'react', room: 'lobby', seq: 5, by: { id: 'u2', nick: 'new' }, emoji: '👍', on: true },
    { room: 'lobby', from: { id: 'u2', nick: 'new' }, clientId: 'r', text: 'welcome back', replyTo: 7 },
    // An old idempotency key still dedupes.
    { room: 'lobby', from: oldTimer, clientId: 'c7', text: 'again' },
  ]);
  expect(results.map((r) => ('change' in r ? r.change.seq : 'message' in r ? [r.message.seq, r.duplicate] : r))).toEqual([8, 9, [10, false], [7, true]]);
  const after = await store.messagesAfter('lobby', 7, 10);
  expect(after.messages.map((e) => (isMessage(e) ? [e.seq, e.text, e.replyTo?.text] : [e.seq, e.action, e.message.seq]))).toEqual([
    [8, 'edit', 7],
    [9, 'react', 5],
    [10, 'welcome back', 'the new text'],
  ]);
  expect(await store.lastSeq('lobby')).toBe(10);
}

/**
 * What both stores' migration tests check of a database from before files (SQLite's version 9,
 * PostgreSQL's version 8) holding the lobby above with a 👍 on message 7: the old message reads as
 * before, with no files, and a file uploaded now is sent with a message.
 */
export async function expectFilesArrive(store: Store): Promise<void> {
  const old = (await store.messagesBefore('lobby', undefined, 10)).messages.find((m) => m.seq === 7);
  expect(old).toMatchObject({ text: 'the old text', reactions: [{ emoji: '👍', count: 1, users: ['u2'] }] });
  expect(old?.files).toBeUndefined();
  const id = 'F'.repeat(22);
  await store.addFile({ id, room: 'lobby', userId: oldTimer.id, name: 'notes.txt', size: 3, type: 'text/plain', createdAt: Date.now() });
  const [sent] = await store.appendEntries([{ room: 'lobby', from: oldTimer, clientId: 'with-file', text: '', files: [id] }]);
  expect(sent).toMatchObject({ duplicate: false, message: { seq: 8, text: '', files: [{ id, name: 'notes.txt', size: 3, type: 'text/plain' }] } });
}

/**
 * What both stores' migration tests check of a database from before search, holding the lobby
 * above: its messages are not found until indexBacklog has indexed them (newest first, in
 * batches), then they are; a new message is found at once.
 */
export async function expectBacklogIndexed(store: Store): Promise<void> {
  const find = async (word: string) =>
    (await store.search({ terms: [word], userId: 'u2', limit: 10 })).results.map((r) => r.message.seq);
  await store.appendMessages([{ room: 'lobby', from: oldTimer, clientId: 'fresh', text: 'a fresh text' }]);
  expect(await find('fresh')).toHaveLength(1);
  expect(await find('text')).toHaveLength(1);
  expect(await store.indexBacklog(1)).toBe(1);
  let more = 1;
  while (more > 0) more = await store.indexBacklog(1);
  expect((await find('text')).length).toBeGreaterThanOrEqual(2);
  expect(await find('pruned')).toEqual([5]);
  expect(await store.indexBacklog(10)).toBe(0);
}
