// What a push carries and how it is sent (src/push/push-payload.ts, push-sender.ts's Retry-After).
import { PUSH_TEXT_CHARS, parsePushPayload, type ChatMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import { pushPayload, pushText, pushUrgency, roomTopic } from '../../src/push/push-payload.js';
import { retryAfterMs } from '../../src/push/push-sender.js';

const message = (text: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  type: 'message', room: 'r', seq: 7, id: '1', clientId: 'c', from: { id: 'u1', nick: 'alice' }, text, ts: 1, ...extra,
});

describe('push payload', () => {
  it('carries room, seq, the sender\'s nick and the text, cut to the limit without splitting a character', () => {
    expect(pushPayload(message('hi'), { dm: true, mention: false }, 3)).toEqual({ room: 'r', seq: 7, from: 'alice', text: 'hi', dm: true, unread: 3 });
    const long = pushText(message('a'.repeat(300)));
    expect(long).toHaveLength(PUSH_TEXT_CHARS);
    expect(long.endsWith('…')).toBe(true);
    const emoji = pushText(message(`${'a'.repeat(PUSH_TEXT_CHARS - 2)}😀😀😀`));
    expect(emoji.length).toBeLessThanOrEqual(PUSH_TEXT_CHARS);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF]…$/);
    expect(pushText(message('', { files: [{ id: 'f', name: 'a.png', size: 1, type: 'image/png', url: 'u' }, { id: 'g', name: 'b.pdf', size: 1, type: 'application/pdf', url: 'v' }] }))).toBe('a.png, b.pdf');
  });

  it('reads back through the service worker\'s defensive parser unchanged', () => {
    const payload = pushPayload(message('hello @bob'), { dm: false, mention: true }, 0);
    expect(parsePushPayload(JSON.parse(JSON.stringify(payload)))).toEqual(payload);
    expect(parsePushPayload({ room: 'r', seq: -1, from: 'a', text: 't' })).toBeNull();
    expect(parsePushPayload('nope')).toBeNull();
  });

  it('has one RFC 8030 Topic per room (32 URL-safe base64 characters) and wakes the device for DMs and mentions', () => {
    expect(roomTopic('r')).toBe(roomTopic('r'));
    expect(roomTopic('r')).not.toBe(roomTopic('s'));
    expect(roomTopic('a-very-long-room-name-over-thirty-two-characters')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(pushUrgency({ dm: true, mention: false })).toBe('high');
    expect(pushUrgency({ dm: false, mention: true })).toBe('high');
    expect(pushUrgency({ dm: false, mention: false })).toBe('normal');
  });

  it('reads Retry-After in seconds or as a date, capped at an hour', () => {
    const now = Date.parse('2026-12-03T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(retryAfterMs({ 'retry-after': new Date(now + 5000).toUTCString() }, now)).toBe(5000);
    expect(retryAfterMs({ 'retry-after': '999999' }, now)).toBe(3_600_000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeNull();
    expect(retryAfterMs({}, now)).toBeNull();
  });
});
