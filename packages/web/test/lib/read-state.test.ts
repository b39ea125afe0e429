// Unread and mention counts against the read marker (src/lib/read-state.ts), where the "unread"
// line goes, and how a count is shown (99+).
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@chat/protocol';
import { newRoom, type RoomState } from '../../src/lib/chat-state.js';
import { countArrivals, firstUnread, raiseMarker, shownCount, takeHistory } from '../../src/lib/read-state.js';
import { insertMessages } from '../../src/lib/timeline.js';
import { ALICE, BOB, message } from './client-harness.js';

function room(joined = true): RoomState {
  return { ...newRoom('lobby'), joined };
}

const naming = (seq: number, who: string[], from = BOB): ChatMessage => ({ ...message(seq, from), mentions: who });

describe('read state', () => {
  it('a marker older than everything held keeps the counts it cannot check, less the mentions it can', () => {
    const r = room();
    r.hasOlder = true;
    r.unread = 70;
    r.mentions = 3;
    const page = [naming(51, [ALICE.id]), message(52), naming(53, [ALICE.id])];
    insertMessages(r, page);
    takeHistory(r, page, ALICE.id);
    expect(r).toMatchObject({ unread: 70, mentions: 3, mentionSeqs: [51, 53] });
    // Read up to 40 elsewhere: still not covered (51 is the oldest held): unread unknown, mentions held stay.
    raiseMarker(r, 40, ALICE.id);
    expect(r).toMatchObject({ unread: 70, mentions: 3 });
    // Up to 51: now every message after the marker is held.
    raiseMarker(r, 51, ALICE.id);
    expect(r).toMatchObject({ unread: 2, mentions: 1, mentionSeqs: [53] });
    expect(raiseMarker(r, 50, ALICE.id)).toBe(false);
    expect(r.readSeq).toBe(51);
  });

  it('a room not joined yet: a marker at its end clears the counts', () => {
    const r = room(false);
    r.lastSeq = 9;
    Object.assign(r, { unread: 4, mentions: 1 });
    raiseMarker(r, 8, ALICE.id);
    expect(r).toMatchObject({ unread: 4, mentions: 1 });
    raiseMarker(r, 9, ALICE.id);
    expect(r).toMatchObject({ unread: 0, mentions: 0 });
  });

  it('arrivals: others after the marker count, a mention of me once, my own raises the marker', () => {
    const r = room();
    const first = [message(1), naming(2, [ALICE.id, BOB.id]), naming(3, [BOB.id])];
    insertMessages(r, first);
    expect(countArrivals(r, first, ALICE.id)).toBe(0);
    expect(r).toMatchObject({ unread: 3, mentions: 1, mentionSeqs: [2] });
    const mine = [message(4, ALICE), naming(5, [ALICE.id])];
    insertMessages(r, mine);
    expect(countArrivals(r, mine, ALICE.id)).toBe(4);
    expect(r).toMatchObject({ readSeq: 4, unread: 1, mentions: 1, mentionSeqs: [5] });
    // A guest client with no identity yet counts no mentions.
    const other = room();
    insertMessages(other, first);
    countArrivals(other, first, undefined);
    expect(other.mentions).toBe(0);
  });

  it('the unread line: the first message after the marker that is not mine', () => {
    const r = room();
    insertMessages(r, [message(1), message(2, ALICE), message(3, ALICE), message(4), message(5)]);
    expect(firstUnread(r.messages, 1, ALICE.id)).toBe(4);
    expect(firstUnread(r.messages, 0, ALICE.id)).toBe(1);
    expect(firstUnread(r.messages, 5, ALICE.id)).toBeNull();
    expect(firstUnread([], 0, ALICE.id)).toBeNull();
  });
});

describe('shownCount', () => {
  it('shows a count up to 99 as is and 99+ from 100 on (the server counts at most 100 a room)', () => {
    expect([0, 1, 42, 99].map(shownCount)).toEqual(['0', '1', '42', '99']);
    expect([100, 101, 1000, 12_345].map(shownCount)).toEqual(['99+', '99+', '99+', '99+']);
  });
});
