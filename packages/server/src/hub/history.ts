// `history`: a page of a joined room's messages before or after a seq, cut to what one reply
// carries. docs/protocol.md, `history` → `history`.
import type { ClientFrame } from '@chat/protocol';
import { DEFAULT_LIMITS } from '@chat/protocol';
import type { Store } from '../store/store.js';
import { ref } from './refusal.js';
import { fitPage } from './reply-size.js';
import { requireMember } from './room-rules.js';
import type { Session } from './session.js';

export async function sendHistory(store: Store, s: Session, f: Extract<ClientFrame, { type: 'history' }>): Promise<void> {
  if (!requireMember(s, f.room, f.ref)) return;
  const limit = f.limit ?? DEFAULT_LIMITS.historyLimit;
  const forward = f.after !== undefined;
  const page = fitPage(
    forward ? await store.messagesAfter(f.room, f.after as number, limit) : await store.messagesBefore(f.room, f.before, limit),
    forward ? 'forward' : 'backward',
  );
  s.send({ type: 'history', room: f.room, messages: page.messages, hasMore: page.hasMore, ...ref(f.ref) });
}
