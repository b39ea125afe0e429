// The caller's own rooms (docs/protocol.md, "Mentions, read state and the user's rooms"): the
// stored room list with read markers and unread counts, and each room's notification level,
// under the prefix /api/me/rooms (app.ts). Accounts and guests (their token as a bearer) alike.
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../store/store.js';
import { NOTIFY_LEVELS, type NotifyLevel, type UserRoom } from '../store/user-room-store.js';
import { fail } from './api-errors.js';
import { apiScope, roomParams } from './api-scope.js';
import { caller } from './signed-in.js';

export interface MeRoomRoutesOptions {
  store: Store;
}

/** A room as the list serves it; `peer` (a DM's other user) is an extension. */
const roomJson = (r: UserRoom) => ({
  name: r.name,
  kind: r.kind,
  lastSeq: r.lastSeq,
  readSeq: r.readSeq,
  unread: r.unread,
  mentions: r.mentions,
  notify: r.notify,
  ...(r.peer ? { peer: r.peer } : {}),
});

export const meRoomRoutes: FastifyPluginAsync<MeRoomRoutesOptions> = async (api, { store }) => {
  apiScope(api);

  api.get('', async (req, reply) => {
    const identity = await caller(store, req);
    if (identity === null) return fail(reply, 401, 'unauthorized', 'sign in, or send a guest token as Authorization: Bearer');
    const rooms = await store.userRooms(identity.user.id);
    return { rooms: rooms.map(roomJson) };
  });

  api.put<{ Params: { room: string }; Body: { notify?: unknown } }>(
    '/:room',
    { schema: { params: roomParams } },
    async (req, reply) => {
      const identity = await caller(store, req);
      if (identity === null) return fail(reply, 401, 'unauthorized', 'sign in, or send a guest token as Authorization: Bearer');
      const notify = req.body?.notify;
      if (typeof notify !== 'string' || !NOTIFY_LEVELS.includes(notify as NotifyLevel)) {
        return fail(reply, 400, 'bad_request', `"notify" must be one of ${NOTIFY_LEVELS.join(', ')}`);
      }
      if (!(await store.setNotify(identity.user.id, req.params.room, notify as NotifyLevel))) {
        return fail(reply, 404, 'not_found', 'that room is not in your list');
      }
      return { room: req.params.room, notify };
    },
  );
};
