// A room's topic (Version 1.1, issue 15; docs/protocol.md, Room settings): `topic` sets it, for the
// room's owner, its moderators and admins, never in a DM. Stored first, then every connection in
// the room, on every node, gets the `topic` event; the caller gets the reply with its ref.
import type { ClientFrame } from '@chat/protocol';
import type { Store } from '../store/store.js';
import type { Publisher } from './publisher.js';
import { guarded, ref, Refusal } from './refusal.js';
import { requireAccount, type RoomRules } from './room-rules.js';
import type { Session } from './session.js';

export interface RoomTopicOptions {
  store: Store;
  publisher: Publisher;
  rules: RoomRules;
}

export function setTopic(options: RoomTopicOptions, s: Session, f: Extract<ClientFrame, { type: 'topic' }>): Promise<void> {
  const { store, publisher, rules } = options;
  return guarded(s, f.ref, async () => {
    requireAccount(s);
    // not_found for an unknown room, forbidden in a DM, for the banned and below moderator.
    await rules.requireRights(s, f.room, 'moderator');
    if (!(await store.setTopic(f.room, f.topic))) throw new Refusal('not_found', 'no such room');
    const by = { ...s.user };
    publisher.publish({ type: 'topic', room: f.room, topic: f.topic, by });
    s.send({ type: 'topic', room: f.room, topic: f.topic, by, ...ref(f.ref) });
  });
}
