// Big replies: a client that missed more than 1 MiB could once never resume (one `joined` of
// 1.25 MB, then 4008, on every retry), and readers that kept up were cut too: the slow-consumer
// check counted what was queued within one tick (a batch fanned out at once, a big reply) as
// unread, and counted UTF-16 units rather than bytes. Now a reply carries what fits (`hasMore`,
// the client pages on) and only what the kernel has not taken from earlier ticks counts.
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, HistoryReplyFrame, JoinedFrame, ServerFrame } from '@chat/protocol';
import { trackResources, type TestClient } from '../helpers.js';

const res = trackResources();

/** 4,000 characters of Chinese: 12,000 bytes of UTF-8, 4,000 UTF-16 units. */
const chinese = (i: number) => `${i} `.padEnd(4000, '汉');

/** Sends `count` messages (ids `${tag}-i`) one batch at a time, waiting for the acks. */
async function fill(c: TestClient, room: string, count: number, text: (i: number) => string, tag = 'm'): Promise<void> {
  for (let from = 0; from < count; from += 50) {
    const replies = await Promise.all(
      Array.from({ length: Math.min(50, count - from) }, (_, k) => c.request({ type: 'send', room, id: `${tag}-${from + k}`, text: text(from + k) }, 30_000)),
    );
    expect(replies.every((r) => r.type === 'ack')).toBe(true);
  }
}

const isClosing = (c: TestClient) => c.ws.readyState !== c.ws.OPEN;

describe('replies of any size arrive, in pages', () => {
  it('a resume that missed 300 messages of 4,000 Chinese characters (3.6 MB) completes: joined holds what fits, history after pages on', async () => {
    const server = await res.server({ rateLimit: 0 });
    const sender = await res.connect(server, { nick: 'sender' });
    await sender.request({ type: 'join', room: 'big' });
    await fill(sender, 'big', 300, chinese);

    const back = await res.connect(server, { nick: 'back' });
    const joined = await back.request<JoinedFrame>({ type: 'join', room: 'big', since: 0 }, 30_000);
    expect(joined).toMatchObject({ type: 'joined', seq: 300, hasMore: true });
    expect(joined.history.length).toBeGreaterThan(0);
    expect(joined.history.length).toBeLessThan(300);
    const got: ChatMessage[] = joined.history.filter(isMessage);
    let hasMore = joined.hasMore;
    while (hasMore) {
      const page = await back.request<HistoryReplyFrame>({ type: 'history', room: 'big', after: got.at(-1)!.seq, limit: 200 }, 30_000);
      expect(page.type).toBe('history');
      expect(page.messages.length).toBeGreaterThan(0);
      // No page is bigger than a fraction of the slow-consumer limit.
      expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThan(512 * 1024);
      got.push(...page.messages.filter(isMessage));
      hasMore = page.hasMore;
    }
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(got.every((m, i) => m.text === chinese(i))).toBe(true);
    expect(isClosing(back)).toBe(false);

    // Backward too: the newest page that fits, and hasMore for the older ones.
    const newest = await back.request<HistoryReplyFrame>({ type: 'history', room: 'big', limit: 200 }, 30_000);
    expect(newest.hasMore).toBe(true);
    expect(newest.messages.at(-1)?.seq).toBe(300);
    expect(newest.messages.length).toBeLessThan(200);
    const fresh = await res.connect(server, { nick: 'fresh' });
    const first = await fresh.request<JoinedFrame>({ type: 'join', room: 'big' }, 30_000);
    expect(first.history.at(-1)?.seq).toBe(300);
    expect(first.hasMore).toBe(true);
  }, 120_000);

  it('readers that keep up are not cut when a burst of long messages is fanned out at once', async () => {
    // Eight senders each send a burst of 20 messages of 20,000 characters: 3.2 MB for every
    // member, much of it in one group commit, so in one tick.
    const TEXT = 20_000;
    const server = await res.server({ rateLimit: 10, maxMessageChars: TEXT });
    const readers = await Promise.all(Array.from({ length: 13 }, (_, i) => res.connect(server, { nick: `reader${i}` })));
    const senders = await Promise.all(Array.from({ length: 8 }, (_, i) => res.connect(server, { nick: `sender${i}` })));
    for (const c of [...readers, ...senders]) expect((await c.request({ type: 'join', room: 'burst' })).type).toBe('joined');

    const acks = await Promise.all(
      senders.flatMap((s, i) =>
        Array.from({ length: 20 }, (_, k) => s.request({ type: 'send', room: 'burst', id: `s${i}-${k}`, text: `${i}/${k} `.padEnd(TEXT, 'z') }, 30_000)),
      ),
    );
    expect(acks.filter((a) => a.type === 'ack')).toHaveLength(160);
    for (const r of readers) {
      const messages: ServerFrame[] = [];
      while (messages.length < 160) messages.push(await r.next((f) => f.type === 'message', 30_000));
      expect(messages.map((m) => (m as ChatMessage).seq)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    }
    for (const c of [...readers, ...senders]) expect(isClosing(c)).toBe(false);
  }, 120_000);
});
