// Rooms over HTTP (docs/protocol.md, "Accounts, private rooms and moderation"): the room list,
// a room's history and (Version 1.1, issue 15) its ban list, under the prefix /api/rooms (app.ts).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DEFAULT_LIMITS } from '@chat/protocol';
import { Admins } from '../auth/admins.js';
import type { Config } from '../config.js';
import { mayModerate, mayRead, standingIn } from '../hub/room-access.js';
import type { Presence } from '../presence/presence.js';
import type { Store } from '../store/store.js';
import { fail } from './api-errors.js';
import { apiScope, roomParams } from './api-scope.js';
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

/** The most bans `GET api/rooms/R/bans` lists (oldest first). */
export const MAX_BANS_LISTED = 1000;

export const roomRoutes: FastifyPluginAsync<RoomRoutesOptions> = async (api, options) => {
  const { store, config, presence } = options;
  const admins = options.admins ?? new Admins({ store, usernames: config.adminUsers });
  apiScope(api);

  /** The caller's standing in the room (room-access.ts), a signed-out caller's with no role; null: no such room. */
  const standingOf = async (req: FastifyRequest, room: string) => {
    const identity = await signedIn(store, req);
    return identity === null
      ? store.roomInfo(room).then((info) => info && { info, role: null, banned: false })
      : standingIn(store, room, { id: identity.user.id, admin: await admins.isAdmin(identity.user) });
  };

  // In pages: the whole list was 389 KB after a room-creation flood, and clients poll it.
  api.get<{ Querystring: Record<string, unknown> }>('', async (req, reply) => {
    const parsed = parseRoomListQuery(req.query);
    if (!parsed.ok) return fail(reply, 400, 'bad_request', parsed.message);
    const identity = await signedIn(store, req);
    const { rooms, hasMore } = await store.listRooms(identity?.user.id ?? null, parsed.query);
    const online = await Promise.all(rooms.map((r) => presence.roomOnline(r.name)));
    return {
      rooms: rooms.map((r, i) => ({
        name: r.name,
        private: r.kind !== 'public',
        online: online[i],
        lastSeq: r.lastSeq,
        ...(r.topic === undefined ? {} : { topic: r.topic }),
      })),
      next: hasMore ? encodeRoomCursor(rooms[rooms.length - 1]!.name) : null,
    };
  });

  api.get<{ Params: { room: string }; Querystring: { before?: number; limit?: number } }>(
    '/:room/messages',
    {
      schema: {
        params: roomParams,
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
      // The rule of the WebSocket side (room-access.ts): members of private rooms, the two users
      // of a DM, admins outside DMs; nobody banned. A stranger reads public rooms only.
      const standing = await standingOf(req, room);
      if (standing === null) return fail(reply, 404, 'not_found', 'no such room');
      // The same answer for the signed-out, the uninvited and the banned.
      if (!mayRead(standing)) return fail(reply, 403, 'forbidden', standing.info.kind === 'public' ? 'you are banned from this room' : 'this room is private');
      const page = await store.messagesBefore(room, req.query.before, req.query.limit ?? DEFAULT_LIMITS.historyLimit);
      return { messages: page.messages, hasMore: page.hasMore };
    },
  );

  // Who is banned, for the room's owner, moderators and admins (the `unban` frame lifts a ban).
  // Users that no longer exist (a swept guest) are left out: nobody can come back as them.
  api.get<{ Params: { room: string } }>('/:room/bans', { schema: { params: roomParams } }, async (req, reply) => {
    const { room } = req.params;
    // The signed-out have no rights anywhere: 403, as for a member, once the room is known to exist.
    const standing = await standingOf(req, room);
    if (standing === null) return fail(reply, 404, 'not_found', 'no such room');
    if (!mayModerate(standing, 'moderator')) return fail(reply, 403, 'forbidden', "only the room's owner, moderators and admins see its bans");
    const ids = await store.bannedUsers(room, MAX_BANS_LISTED);
    const users = await Promise.all(ids.map((id) => store.userById(id)));
    return { bans: users.filter((u) => u !== null) };
  });
};
