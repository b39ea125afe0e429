// `dm`: the private room of two accounts, named from both (dmRoomName), made on first use, and
// joined. docs/protocol.md, Accounts, private rooms and moderation.
import type { ClientFrame } from '@chat/protocol';
import type { Store } from '../store/store.js';
import type { Joins } from './join.js';
import { guarded, Refusal } from './refusal.js';
import { dmRoomName, requireAccount, type RoomRules } from './room-rules.js';
import type { Session } from './session.js';

export interface DirectMessageOptions {
  store: Store;
  rules: RoomRules;
  joins: Joins;
}

export function openDirectMessage(options: DirectMessageOptions, s: Session, f: Extract<ClientFrame, { type: 'dm' }>): Promise<void> {
  const { store, rules, joins } = options;
  return guarded(s, f.ref, async () => {
    requireAccount(s);
    const other = await store.accountByUsername(f.user);
    if (!other) throw new Refusal('not_found', 'no account has that username');
    if (other.user.id === s.userId) throw new Refusal('forbidden', 'a direct message needs another user');
    const room = dmRoomName(s.userId, other.user.id);
    rules.checkRoomLimit(s, room);
    await store.createRoom(room, 'dm', null);
    for (const id of [s.userId, other.user.id]) if ((await store.roleOf(room, id)) === null) await store.setRole(room, id, 'member');
    await joins.join(s, room, undefined, f.ref);
  });
}
