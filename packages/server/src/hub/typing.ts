// `typing`: forwarded to the room's other users, at most once a second per user and room (a
// message of the user starts that second over: message-pipeline.ts).
// docs/protocol.md, `typing` → nothing.
import type { ClientFrame } from '@chat/protocol';
import type { Publisher } from './publisher.js';
import { requireMember } from './room-rules.js';
import type { Session } from './session.js';

/** Forward at most one `typing` per user and room per this many ms. */
const TYPING_THROTTLE_MS = 1000;

export function forwardTyping(publisher: Publisher, s: Session, f: Extract<ClientFrame, { type: 'typing' }>): void {
  if (!requireMember(s, f.room, f.ref)) return;
  const now = Date.now();
  const typingAt = (s.entry.typingAt ??= new Map());
  if (now - (typingAt.get(f.room) ?? 0) < TYPING_THROTTLE_MS) return;
  typingAt.set(f.room, now);
  publisher.publish({ type: 'typing', room: f.room, user: { ...s.user } });
}
