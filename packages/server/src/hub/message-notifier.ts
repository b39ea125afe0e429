// What the hub tells about new messages beyond the room's members online: the committing node
// hands each newly stored message (not a duplicate, not a change) to a notifier, once in the whole
// cluster. Push notifications (push/push-notifier.ts) are one; the hub knows only this interface.
import type { ChatMessage } from '@chat/protocol';

export interface MessageNotifier {
  /** Called after the commit and publish; must return at once (its work is its own). */
  stored(messages: readonly ChatMessage[]): void;
}
