// Reactions in the load (--reactions SHARE, our server only): which of a sender's requests are
// `react` instead of `send`, which message a client reacts to, and telling our server's `changed`
// event from a message delivery without parsing the frame. A `changed` frame carries its target's
// current state, so the old message's payload text is in it: read as a delivery it would count as
// a late or out-of-order copy of that message, so the receiver must see it for what it is first.

/** Cycled through, so that a message holds a few distinct reactions (the server allows 20). */
const EMOJI = ['👍', '🎉', '👀'] as const;

/** How many of the messages a client saw last it may react to. */
const RECENT = 16;

/**
 * Whether a sender's request number n (1, 2, … over the whole session, not per step) is a
 * reaction: spread evenly, so that with share 0.1 every tenth request is one and the sender's rate
 * of requests is the same as without. `phase` (0..1, reactionPhase of the sender) shifts which
 * ones: in the rooms scenario every client makes one request a second, and without it they would
 * all react in the same second.
 */
export function isReaction(n: number, share: number, phase = 0): boolean {
  const at = (k: number): number => Math.floor(k * share + phase + 1e-9);
  return share > 0 && at(n) > at(n - 1);
}

/**
 * A sender's phase in the reaction schedule, spread evenly over the senders (the golden ratio's
 * sequence) but unlike its send phase (SenderSpec.phase, index / senders): with the same one, the
 * senders that send first in a step would also be the ones due to react first, and a short step's
 * share would be off by a point or two (11 % at 20k/s in rooms).
 */
export function reactionPhase(index: number): number {
  return (index * 0.6180339887498949) % 1;
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

// Our server writes every frame with `type` first (JSON.stringify of objects built that way), so
// the first bytes tell a change from a message.
const CHANGED = Buffer.from('{"type":"changed"');
const MESSAGE = Buffer.from('{"type":"message"');
const SEQ = Buffer.from('"seq":');

const startsWith = (buf: Buffer, head: Buffer): boolean => buf.length >= head.length && buf.compare(head, 0, head.length, 0, head.length) === 0;

/** A `changed` event of our server (a change to an earlier message): not a delivery. */
export function isChangedFrame(buf: Buffer): boolean {
  return startsWith(buf, CHANGED);
}

/** The seq of our server's `message` event (its first "seq" field: room comes before it), or 0. */
export function messageSeq(buf: Buffer): number {
  if (!startsWith(buf, MESSAGE)) return 0;
  let i = buf.indexOf(SEQ, MESSAGE.length);
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
