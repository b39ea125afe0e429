// The composer's drafts in localStorage (src/lib/client-storage.ts): one per room, kept only for
// rooms still held, cut at the message limit, gone when emptied or on sign-out.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@chat/protocol';
import { ClientStorage, type StorageLike } from '../../src/lib/client-storage.js';

function memoryStorage(): StorageLike & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
}

describe('drafts', () => {
  it('keeps one per room, and forgets an emptied one', () => {
    const storage = new ClientStorage(memoryStorage());
    const held = new Set(['lobby', 'second']);
    storage.saveDraft('lobby', 'half a thought', held);
    storage.saveDraft('second', 'another', held);
    expect(storage.draft('lobby')).toBe('half a thought');
    expect(storage.draft('second')).toBe('another');
    expect(storage.draft('third')).toBe('');
    storage.saveDraft('lobby', '  ', held);
    expect(storage.draft('lobby')).toBe('');
    expect(storage.draft('second')).toBe('another');
  });

  it('drops the drafts of rooms no longer held, and cuts one at the message limit (code points)', () => {
    const raw = memoryStorage();
    const storage = new ClientStorage(raw);
    storage.saveDraft('gone', 'left behind', new Set(['gone']));
    const long = '😀'.repeat(DEFAULT_LIMITS.maxMessageChars + 10);
    storage.saveDraft('lobby', long, new Set(['lobby']));
    expect(storage.draft('gone')).toBe('');
    expect([...storage.draft('lobby')]).toHaveLength(DEFAULT_LIMITS.maxMessageChars);
    storage.saveDraft('lobby', '', new Set(['lobby']));
    expect(raw.items.has('chat.drafts')).toBe(false);
  });

  it('reads nothing odd back (another version of the page, a room named __proto__), and sign-out forgets them', () => {
    const raw = memoryStorage();
    const storage = new ClientStorage(raw);
    raw.items.set('chat.drafts', '{"lobby": 42, "x": "ok"');
    expect(storage.draft('lobby')).toBe('');
    raw.items.set('chat.drafts', '{"lobby": 42}');
    expect(storage.draft('lobby')).toBe('');
    expect(storage.draft('toString')).toBe('');
    storage.saveDraft('__proto__', 'odd name', new Set(['__proto__']));
    expect(storage.draft('__proto__')).toBe('odd name');
    storage.forgetAll();
    expect(raw.items.has('chat.drafts')).toBe(false);
  });
});
