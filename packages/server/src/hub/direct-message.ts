// `dm`: the private room of two accounts, named from both (dmRoomName), made on first use, and
// joined; it joins both users' room lists and the other one gets `invitation` (kind dm) at once.
// docs/protocol.md, Accounts, private rooms and moderation, and Version 1.1's user's rooms.
import type { ClientFrame } from '@chat/protocol';
import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import type { Joins } from './join.js';
import { guarded, Refusal } from './refusal.js';
import { dmRoomName, requireAccount, type RoomRules } from './room-rules.js';
import type { Session } from './session.js';

export interface DirectMessageOptions {
  store: Store;
  rules: RoomRules;
  joins: Joins;
  /** The other user hears of the DM at once, on every node (`invitation` with kind `dm`). */
  bus: Bus;
}

export function openDirectMessage(options: DirectMessageOptions, s: Session, f: Extract<ClientFrame, { type: 'dm' }>): Promise<void> {
  const { store, rules, joins, bus } = options;
  return guarded(s, f.ref, async () => {
    requireAccount(s);
    const other = await store.accountByUsername(f.user);
    if (!other) throw new Refusal('not_found', 'no account has that username');
    if (other.user.id === s.userId) throw new Refusal('forbidden', 'a direct message needs another user');
    const room = dmRoomName(s.userId, other.user.id);
    rules.checkRoomLimit(s, room);
    await store.createRoom(room, 'dm', null);
    for (const id of [s.userId, other.user.id]) if ((await store.roleOf(room, id)) === null) await store.setRole(room, id, 'member');
    // In both users' room lists from the start: the other one's sidebar shows it at once.
    await store.addUserRoom(other.user.id, room);
    await bus.publish({ type: 'invited', room, userId: other.user.id, by: { ...s.user }, kind: 'dm' });
    await joins.join(s, room, undefined, f.ref);
  });
}
