// Rooms over HTTP (docs/protocol.md, "Accounts, private rooms and moderation"): the room list and
// a room's history, under the prefix /api/rooms (app.ts).
import type { FastifyPluginAsync } from 'fastify';
import { DEFAULT_LIMITS } from '@chat/protocol';
import { Admins } from '../auth/admins.js';
import type { Config } from '../config.js';
import { mayRead, standingIn } from '../hub/room-access.js';
import type { Presence } from '../presence/presence.js';
import type { Store } from '../store/store.js';
import { fail } from './api-errors.js';
import { apiScope } from './api-scope.js';
import { encodeRoomCursor, parseRoomListQuery } from './room-list-query.js';
import { signedIn } from './signed-in.js';

export interface RoomRoutesOptions {
  store: Store;
  config: Config;
  /** For `online` in the room list. */
  presence: Presence;
  /**
   * Who is a server admin (reads private rooms' history). Default: ADMIN_USERS of `config` over
   * `store` (app.ts passes the one the hub uses too).
   */
  admins?: Admins;
}

/** Room names are checked against the store (404), not a pattern: DM rooms have their own names. */
const MAX_ROOM_PARAM_CHARS = 128;

export const roomRoutes: FastifyPluginAsync<RoomRoutesOptions> = async (api, options) => {
  const { store, config, presence } = options;
  const admins = options.admins ?? new Admins({ store, usernames: config.adminUsers });
  apiScope(api);

  // In pages: the whole list was 389 KB after a room-creation flood, and clients poll it.
  api.get<{ Querystring: Record<string, unknown> }>('', async (req, reply) => {
    const parsed = parseRoomListQuery(req.query);
    if (!parsed.ok) return fail(reply, 400, 'bad_request', parsed.message);
    const identity = await signedIn(store, req);
    const { rooms, hasMore } = await store.listRooms(identity?.user.id ?? null, parsed.query);
    const online = await Promise.all(rooms.map((r) => presence.roomOnline(r.name)));
    return {
      rooms: rooms.map((r, i) => ({ name: r.name, private: r.kind !== 'public', online: online[i], lastSeq: r.lastSeq })),
      next: hasMore ? encodeRoomCursor(rooms[rooms.length - 1]!.name) : null,
    };
  });

  api.get<{ Params: { room: string }; Querystring: { before?: number; limit?: number } }>(
    '/:room/messages',
    {
      schema: {
        params: { type: 'object', properties: { room: { type: 'string', minLength: 1, maxLength: MAX_ROOM_PARAM_CHARS } } },
        querystring: {
          type: 'object',
          properties: {
            before: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: DEFAULT_LIMITS.historyLimitMax },
          },
        },
      },
    },
    async (req, reply) => {
      const { room } = req.params;
      const identity = await signedIn(store, req);
      // The rule of the WebSocket side (room-access.ts): members of private rooms, the two users
      // of a DM, admins outside DMs; nobody banned. A stranger reads public rooms only.
      const standing =
        identity === null
          ? await store.roomInfo(room).then((info) => info && { info, role: null, banned: false })
          : await standingIn(store, room, { id: identity.user.id, admin: await admins.isAdmin(identity.user) });
      if (standing === null) return fail(reply, 404, 'not_found', 'no such room');
      // The same answer for the signed-out, the uninvited and the banned.
      if (!mayRead(standing)) return fail(reply, 403, 'forbidden', standing.info.kind === 'public' ? 'you are banned from this room' : 'this room is private');
      const page = await store.messagesBefore(room, req.query.before, req.query.limit ?? DEFAULT_LIMITS.historyLimit);
      return { messages: page.messages, hasMore: page.hasMore };
    },
  );
};
