// Changes to earlier messages in the load (--reactions SHARE, --edits SHARE; our server only):
// which of a sender's requests are a `react` or an `edit` instead of a `send`, which message each
// one targets (a reaction: one the client saw lately; an edit: one of its own, acknowledged), the
// text of an edit, and telling our server's `changed` event from a message delivery without
// parsing the frame. A `changed` frame carries its target's current state, so an old message's
// payload text may be in it: read as a delivery it would count as a late or out-of-order copy of
// that message, so the receiver must see it for what it is first.

/** The share of each sender's requests that are reactions and edits (each 0..<1, together < 1). */
export interface ChangeMix {
  reactions: number;
  edits: number;
}

export const NO_CHANGES: ChangeMix = { reactions: 0, edits: 0 };

/** The mix of rooms-changes' second half when neither --reactions nor --edits is given: 10 % changes. */
export const DEFAULT_CHANGE_MIX: ChangeMix = { reactions: 0.05, edits: 0.05 };

/** rooms-changes' second half: the options' mix, or DEFAULT_CHANGE_MIX without one. */
export function roomsChangesMix(o: ChangeMix): ChangeMix {
  return o.reactions + o.edits > 0 ? { reactions: o.reactions, edits: o.edits } : DEFAULT_CHANGE_MIX;
}

/** Reactions and edits together: the share of requests that change an earlier message. */
export function changeShare(mix: ChangeMix): number {
  return mix.reactions + mix.edits;
}

/** `5 % reactions + 5 % edits`, `10 % reactions`; '' without changes. */
export function describeMix(mix: ChangeMix): string {
  const pct = (v: number): string => `${Math.round(v * 1000) / 10} %`;
  return [mix.reactions > 0 ? `${pct(mix.reactions)} reactions` : '', mix.edits > 0 ? `${pct(mix.edits)} edits` : ''].filter(Boolean).join(' + ');
}

/** Cycled through, so that a message holds a few distinct reactions (the server allows 20). */
const EMOJI = ['👍', '🎉', '👀'] as const;

/** How many of the messages a client saw last it may react to. */
const RECENT = 16;

/** How many of its own latest messages a client may edit. */
const OWN = 8;

/** How many of the first n events of a schedule at `share` (and `phase`) are due. */
const dueBy = (n: number, share: number, phase: number): number => Math.floor(n * share + phase + 1e-9);

/**
 * Whether event n (1, 2, …) of a schedule at `share` is due: spread evenly, so that with share 0.1
 * every tenth one is. `phase` (0..1) shifts which ones, so that senders with different phases are
 * due at different requests.
 */
export function isDue(n: number, share: number, phase = 0): boolean {
  return share > 0 && dueBy(n, share, phase) > dueBy(n - 1, share, phase);
}

/**
 * What sender `index`'s request number n (1, 2, … over the whole session, not per step) is.
 * Changes are spread evenly over the requests at reactions + edits, so the sender's rate of
 * requests is the same as without; among the changes, edits are spread evenly at their part of
 * that share (with 5 % of each, a sender's reactions and edits alternate).
 */
export function requestKind(n: number, mix: ChangeMix, index = 0): 'send' | 'react' | 'edit' {
  const share = changeShare(mix);
  const phase = changePhase(index);
  if (!isDue(n, share, phase)) return 'send';
  if (mix.edits <= 0) return 'react';
  if (mix.reactions <= 0) return 'edit';
  return isDue(dueBy(n, share, phase), mix.edits / share, kindPhase(index)) ? 'edit' : 'react';
}

/**
 * A sender's phase in the change schedule, spread evenly over the senders (the golden ratio's
 * sequence) but unlike its send phase (SenderSpec.phase, index / senders): with the same one, the
 * senders that send first in a step would also be the ones due to change first, and a short step's
 * share would be off by a point or two (11 % at 20k/s in rooms).
 */
export function changePhase(index: number): number {
  return (index * 0.6180339887498949) % 1;
}

/**
 * A sender's phase in choosing between a reaction and an edit (√2's sequence): unlike changePhase,
 * so that which kind a sender's first change is does not follow from when it comes (with the same
 * phase, the senders changing first in a session would all edit, the later ones all react).
 */
export function kindPhase(index: number): number {
  return (index * Math.SQRT2) % 1;
}

export interface Reaction {
  seq: number;
  emoji: string;
  on: boolean;
}

/**
 * The messages one client saw lately (their seqs) and its own reactions to them. Each reaction
 * toggles the client's emoji on a message, so every one changes something and the server stores
 * an entry for it (a reaction already there would store nothing and broadcast nothing).
 */
export class RecentMessages {
  private readonly seqs: number[] = [];
  /** `seq emoji` for the reactions of this client that are on. */
  private readonly on = new Set<string>();
  private count = 0;

  saw(seq: number): void {
    if (seq <= (this.seqs.at(-1) ?? 0)) return;
    this.seqs.push(seq);
    if (this.seqs.length > RECENT) {
      const gone = this.seqs.shift() as number;
      for (const e of EMOJI) this.on.delete(`${gone} ${e}`);
    }
  }

  /** The next reaction, or null before the client saw any message. */
  next(): Reaction | null {
    if (this.seqs.length === 0) return null;
    const k = this.count++;
    const seq = this.seqs[this.seqs.length - 1 - (k % this.seqs.length)] as number;
    const emoji = EMOJI[k % EMOJI.length] as string;
    const key = `${seq} ${emoji}`;
    const on = !this.on.has(key);
    if (on) this.on.add(key);
    else this.on.delete(key);
    return { seq, emoji, on };
  }
}

/**
 * The client's own latest messages that the server acknowledged (their seqs, from `ack`): what it
 * may edit (docs/protocol.md, "The room log": the author, while the message is not redacted; the
 * bench never redacts, and our server has no edit window). Edits go to them in turn, newest first.
 */
export class OwnMessages {
  private readonly seqs: number[] = [];
  private count = 0;

  acked(seq: number): void {
    if (seq <= (this.seqs.at(-1) ?? 0)) return;
    this.seqs.push(seq);
    if (this.seqs.length > OWN) this.seqs.shift();
  }

  /** The seq of the next message to edit, or null before the server acknowledged any. */
  next(): number | null {
    if (this.seqs.length === 0) return null;
    return this.seqs[this.seqs.length - 1 - (this.count++ % this.seqs.length)] as number;
  }
}

/**
 * The new text of a sender's k-th edit: as long as a message's text (so an edit stores and sends
 * as much), different from every earlier text of that sender's (a text the message already has
 * would change nothing: no entry, no `changed`), without a payload marker (`~B~`) or an `@`.
 */
export function editText(sender: number, k: number, textBytes: number): string {
  const head = `~E~${sender}~${k}~`;
  return head.length >= textBytes ? head : head + 'y'.repeat(textBytes - head.length);
}

// Our server writes every frame with `type` first (JSON.stringify of objects built that way), so
// the first bytes tell a change from a message; a `changed` frame's `action` comes after its room
// and seq, and a text value cannot hold an unescaped quote, so the first `"action":"` is its.
const CHANGED = Buffer.from('{"type":"changed"');
const MESSAGE = Buffer.from('{"type":"message"');
const ACK = Buffer.from('{"type":"ack"');
const SEQ = Buffer.from('"seq":');
const ACTION = Buffer.from('"action":"');
const EDIT = Buffer.from('edit"');

const startsWith = (buf: Buffer, head: Buffer): boolean => buf.length >= head.length && buf.compare(head, 0, head.length, 0, head.length) === 0;

/** A `changed` event of our server (a change to an earlier message): not a delivery. */
export function isChangedFrame(buf: Buffer): boolean {
  return startsWith(buf, CHANGED);
}

/** Whether a `changed` frame is an edit's (`"action":"edit"`). */
export function isEditChange(buf: Buffer): boolean {
  const i = buf.indexOf(ACTION, CHANGED.length);
  return i >= 0 && buf.length >= i + ACTION.length + EDIT.length && buf.compare(EDIT, 0, EDIT.length, i + ACTION.length, i + ACTION.length + EDIT.length) === 0;
}

/** The first "seq" number of a frame that starts with `head`, or 0. */
function seqOf(buf: Buffer, head: Buffer): number {
  if (!startsWith(buf, head)) return 0;
  let i = buf.indexOf(SEQ, head.length);
  if (i < 0) return 0;
  i += SEQ.length;
  let n = 0;
  for (; i < buf.length; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return n;
}

/** The seq of our server's `message` event (its first "seq" field: room comes before it), or 0. */
export function messageSeq(buf: Buffer): number {
  return seqOf(buf, MESSAGE);
}

/** The seq our server gave a `send` of this client (`ack`: room and client id come before it), or 0. */
export function ackSeq(buf: Buffer): number {
  return seqOf(buf, ACK);
}
