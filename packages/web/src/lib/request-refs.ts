// Request/reply correlation (docs/protocol.md, "Requests and replies"): the server copies a
// frame's `ref` into its reply or into the error it causes. Actions (create, invite, dm,
// moderation, nick) get a fresh ref each and are remembered until answered; joins and history pages
// carry the room in their ref (`join:lobby`), so that a reply needs no bookkeeping at all.
import { MAX_REF_CHARS, type ModerationAction, type User } from '@chat/protocol';

/** A request whose reply (or refusal) comes back with its `ref`. */
export type PendingAction =
  | { kind: 'create'; room: string; private: boolean }
  | { kind: 'invite'; room: string; user: string }
  | { kind: 'dm'; user: string }
  | { kind: 'nick'; nick: string }
  | { kind: 'moderate'; action: ModerationAction; room: string; user: User }
  | { kind: 'topic'; room: string }
  | { kind: 'delete'; room: string };

/** Refs that name a room: its join, a page of older history, a page forward after a resume. */
export type RoomRefKind = 'join' | 'older' | 'newer';

export class RequestRefs {
  /** Requests awaiting their reply, by ref. */
  private readonly actions = new Map<string, PendingAction>();
  private actionSeq = 0;
  /** Rooms whose name is too long for a `join:`/`older:`… ref, by their short ref. */
  private readonly longRefs = new Map<string, string>();

  /** A fresh ref for a request; its reply or refusal gives the action back, once. */
  track(action: PendingAction): string {
    const ref = `a${++this.actionSeq}`;
    this.actions.set(ref, action);
    return ref;
  }

  take(ref: string | undefined): PendingAction | undefined {
    if (ref === undefined) return undefined;
    const action = this.actions.get(ref);
    this.actions.delete(ref);
    return action;
  }

  /** `join:room`, or a short stand-in when that would be longer than a ref may be. */
  roomRef(prefix: RoomRefKind, room: string): string {
    const ref = `${prefix}:${room}`;
    if (ref.length <= MAX_REF_CHARS) return ref;
    for (const [short, name] of this.longRefs) if (name === room && short.startsWith(`${prefix}#`)) return short;
    const short = `${prefix}#${this.longRefs.size + 1}`;
    this.longRefs.set(short, room);
    return short;
  }

  /** The room a `roomRef` names, or null when the ref is not of that kind. */
  refRoom(ref: string, prefix: RoomRefKind): string | null {
    if (ref.startsWith(`${prefix}:`)) return ref.slice(prefix.length + 1);
    if (ref.startsWith(`${prefix}#`)) return this.longRefs.get(ref) ?? null;
    return null;
  }

  /** The socket is gone: replies still to come never will. */
  dropPending(): void {
    this.actions.clear();
  }

  /** Signed out: the next user's rooms start a new list of short refs. */
  forgetRooms(): void {
    this.longRefs.clear();
  }
}
