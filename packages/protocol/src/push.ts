// Web Push (Version 1.1, "Push notifications"): what the server encrypts into each push and the
// web client's service worker shows. Shared so that both read the same shape.

/** At most this many characters of a message's text travel in a push (the contract's 200). */
export const PUSH_TEXT_CHARS = 200;

/** The decrypted body of one Web Push: JSON. */
export interface PushPayload {
  room: string;
  seq: number;
  /** The sender's nick. */
  from: string;
  /** The message's text, cut to PUSH_TEXT_CHARS characters (its file names when it has no text). */
  text: string;
  /** The room is a direct message (its name is an id, not for showing: show `from`). */
  dm?: boolean;
  /** The message mentions the recipient. */
  mention?: boolean;
  /** The recipient's unread messages over all their rooms, for the app badge. */
  unread?: number;
}

/** Reads a push body defensively (the service worker trusts nothing it did not check). */
export function parsePushPayload(data: unknown): PushPayload | null {
  if (typeof data !== 'object' || data === null) return null;
  const p = data as Record<string, unknown>;
  if (typeof p.room !== 'string' || typeof p.from !== 'string' || typeof p.text !== 'string') return null;
  if (typeof p.seq !== 'number' || !Number.isSafeInteger(p.seq) || p.seq < 1) return null;
  const payload: PushPayload = { room: p.room, seq: p.seq, from: p.from, text: p.text.slice(0, PUSH_TEXT_CHARS) };
  if (p.dm === true) payload.dm = true;
  if (p.mention === true) payload.mention = true;
  if (typeof p.unread === 'number' && Number.isSafeInteger(p.unread) && p.unread >= 0) payload.unread = p.unread;
  return payload;
}
