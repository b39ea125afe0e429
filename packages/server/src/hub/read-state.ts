// Read markers (docs/protocol.md, "Mentions, read state and the user's rooms"): `read` raises the
// user's marker in a room, and every connection of that user, on every node, hears the new value,
// so the unread badge goes out on the phone when the laptop has read.
import type { ClientFrame } from '@chat/protocol';
import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import { guarded } from './refusal.js';
import type { Session } from './session.js';

export interface ReadStateOptions {
  store: Store;
  bus: Bus;
}

/**
 * `read` has no reply. A room not in the user's list (left meanwhile, never joined) changes
 * nothing and is not an error: read markers race with `leave` from another device.
 */
export function markRead(options: ReadStateOptions, s: Session, f: Extract<ClientFrame, { type: 'read' }>): Promise<void> {
  return guarded(s, f.ref, async () => {
    const readSeq = await options.store.raiseReadSeq(s.userId, f.room, f.seq);
    if (readSeq === null) return;
    await options.bus.publish({ type: 'read', userId: s.userId, room: f.room, seq: readSeq });
  });
}
