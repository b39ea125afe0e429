// edit, redact and react (docs/protocol.md, "The room log"): what the hub checks before a change
// joins the group commit. The store checks the rest against the target inside the commit's
// transaction (authorship, a redacted target, the reaction cap), where no other change can slip
// in between the check and the write.
import type { EditFrame, ReactFrame, RedactFrame } from '@chat/protocol';
import type { Store } from '../store/store.js';
import { mentionNames } from './mentions.js';
import { refuseMuted, type MessagePipeline } from './message-pipeline.js';
import { mayModerate, standingIn } from './room-access.js';
import { callerOf, requireMember } from './room-rules.js';
import type { Session } from './session.js';

export interface MessageChangesOptions {
  store: Store;
  messages: MessagePipeline;
}

export class MessageChanges {
  constructor(private readonly options: MessageChangesOptions) {}

  /** The author's new text; a muted author may not slip words in by editing. */
  edit(s: Session, f: EditFrame): void | Promise<void> {
    if (!requireMember(s, f.room, f.ref) || refuseMuted(s, f.room, f.ref)) return;
    const names = mentionNames(f.text);
    return this.options.messages.submit(s, f.ref, {
      action: 'edit',
      room: f.room,
      seq: f.seq,
      by: { ...s.user },
      text: f.text,
      ...(names === undefined ? {} : { mentionNames: names }),
    });
  }

  /** The author may; so may the room's owner and moderators and admins (never in a DM: nobody moderates one). */
  async redact(s: Session, f: RedactFrame): Promise<void> {
    if (!requireMember(s, f.room, f.ref)) return;
    const standing = await standingIn(this.options.store, f.room, callerOf(s));
    const moderator = standing !== null && mayModerate(standing, 'moderator');
    return this.options.messages.submit(s, f.ref, { action: 'redact', room: f.room, seq: f.seq, by: { ...s.user }, moderator });
  }

  /** Whoever may send here may react; a muted user may not. */
  react(s: Session, f: ReactFrame): void | Promise<void> {
    if (!requireMember(s, f.room, f.ref) || refuseMuted(s, f.room, f.ref)) return;
    return this.options.messages.submit(s, f.ref, { action: 'react', room: f.room, seq: f.seq, by: { ...s.user }, emoji: f.emoji, on: f.on });
  }
}
