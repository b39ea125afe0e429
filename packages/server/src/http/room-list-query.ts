// The query of GET api/rooms (docs/protocol.md): limit, cursor, q and private, checked here at the
// boundary so that only well-formed values reach the store. A cursor is opaque to clients: the
// base64url of the last room name of the previous page (keyset paging on the name).
import type { RoomListQuery } from '../store/store.js';

export const ROOM_LIST_DEFAULT_LIMIT = 100;
export const ROOM_LIST_MAX_LIMIT = 500;
/** Room names are at most 64 characters; a longer filter can match nothing. */
const MAX_Q_CHARS = 64;
/** Every room name the store holds has this form (ROOM_NAME, and DM names `dm-` + hex). */
const NAME_LIKE = /^[a-z0-9][a-z0-9_-]{0,127}$/;
const Q_CHARS = /^[a-z0-9_-]*$/;

export type ParsedRoomListQuery = { ok: true; query: RoomListQuery } | { ok: false; message: string };

export const encodeRoomCursor = (lastName: string): string => Buffer.from(lastName, 'utf8').toString('base64url');

/** The name a cursor stands for, or null when it is not one this server hands out. */
export function decodeRoomCursor(cursor: string): string | null {
  if (cursor.length === 0 || cursor.length > 172 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const name = Buffer.from(cursor, 'base64url').toString('utf8');
  // Only the canonical spelling: no padding variants, no trailing bits, no other bytes.
  if (!NAME_LIKE.test(name) || encodeRoomCursor(name) !== cursor) return null;
  return name;
}

/** Fastify's parsed querystring: a repeated parameter arrives as an array, and is refused. */
export function parseRoomListQuery(raw: Record<string, unknown>): ParsedRoomListQuery {
  const query: RoomListQuery = { limit: ROOM_LIST_DEFAULT_LIMIT };
  const { limit, cursor, q } = raw;
  if (limit !== undefined) {
    const n = typeof limit === 'string' && /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
    if (!(n >= 1 && n <= ROOM_LIST_MAX_LIMIT)) return { ok: false, message: `limit must be an integer from 1 to ${ROOM_LIST_MAX_LIMIT}` };
    query.limit = n;
  }
  if (cursor !== undefined) {
    const after = typeof cursor === 'string' ? decodeRoomCursor(cursor) : null;
    if (after === null) return { ok: false, message: 'cursor must be the `next` of a previous page, unchanged' };
    query.after = after;
  }
  if (q !== undefined) {
    const lower = typeof q === 'string' ? q.toLowerCase() : null;
    if (lower === null || lower.length > MAX_Q_CHARS || !Q_CHARS.test(lower)) {
      return { ok: false, message: `q must be at most ${MAX_Q_CHARS} of a-z, 0-9, _ and - (any case)` };
    }
    if (lower !== '') query.nameContains = lower;
  }
  if (raw.private !== undefined) {
    if (raw.private !== 'true' && raw.private !== 'false') return { ok: false, message: 'private must be true or false' };
    query.private = raw.private === 'true';
  }
  return { ok: true, query };
}
