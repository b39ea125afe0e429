// Times GET api/me/rooms from an HTTP client (timed-gets.ts), one request at a time, with the
// account's bearer token: a few warm-up requests, then `requests` more. Latency is the whole
// request as a client sees it (the token's check, the store's query, the JSON). The last answer is
// summed up, so the caller can check it was the list it meant to measure.
import { timeGets, type GetLatency } from '../timed-gets.js';

export interface MeRoomsLatency extends GetLatency {
  /** Rooms in the last answer. */
  rooms: number;
  /** Its `unread` and `mentions`, summed over the rooms. */
  unread: number;
  mentions: number;
}

interface Answer {
  rooms?: Array<{ unread: number; mentions: number }>;
}

export async function timeMeRooms(port: number, token: string, o: { requests: number; warmup: number }): Promise<MeRoomsLatency> {
  let last: Answer = {};
  const timed = await timeGets<Answer>(port, 'api/me/rooms', token, { requests: o.requests, warmup: o.warmup }, (body) => (last = body));
  const rooms = last.rooms ?? [];
  return {
    ...timed,
    rooms: rooms.length,
    unread: rooms.reduce((a, r) => a + r.unread, 0),
    mentions: rooms.reduce((a, r) => a + r.mentions, 0),
  };
}
