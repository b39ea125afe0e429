// Validators for client frames. Hand-written rather than schema-driven: this runs on every frame,
// and each check maps to exactly one error code of the protocol's Errors table.
import type { ClientFrame, ClientFrameType, ErrorCode } from './frames.js';
import { DEFAULT_LIMITS, FILE_ID, MAX_CLIENT_ID_CHARS, MAX_FILES_PER_MESSAGE, MAX_EMOJI_CHARS, MAX_MUTE_MS, MAX_NICK_CHARS, MAX_REF_CHARS, MAX_REPLY_EXCERPT_CHARS, MAX_TOPIC_CHARS, ROOM_NAME } from './limits.js';

export interface FrameLimits {
  maxMessageChars: number;
}

export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: ErrorCode; message: string; ref?: string };

type Fields = Record<string, unknown>;
class FrameError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const fail = (code: ErrorCode, message: string): never => {
  throw new FrameError(code, message);
};

/** Counts Unicode code points, so an emoji is one character, as a person would count it. */
export function charCount(text: string): number {
  let surrogatePairs = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        surrogatePairs++;
        i++;
      }
    }
  }
  return text.length - surrogatePairs;
}

/**
 * What a reply quotes of the answered message's text (`replyTo.text`): its first
 * MAX_REPLY_EXCERPT_CHARS code points. The server cuts it so; the client cuts a quote it updates.
 */
export function replyExcerpt(text: string): string {
  // text.length (UTF-16 units) >= code points: only a longer text can need cutting.
  if (text.length <= MAX_REPLY_EXCERPT_CHARS) return text;
  return Array.from(text).slice(0, MAX_REPLY_EXCERPT_CHARS).join('');
}

export function isValidRoomName(room: unknown): room is string {
  return typeof room === 'string' && ROOM_NAME.test(room);
}

/**
 * Characters a nick may not hold, looked for after NFKC: controls (Cc); format characters (Cf:
 * zero-width space and joiners, soft hyphen, BOM, the bidirectional marks, embeddings, overrides
 * and isolates); every default-ignorable code point (variation selectors, Hangul fillers, tags…:
 * drawn as nothing); lone surrogates; line and paragraph separators. Each lets a nick look like
 * another one, or reorder the text around it.
 */
const NOT_IN_NICK = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

/**
 * The nick as it is stored and shown: NFKC-normalized (fullwidth `ａｌｉｃｅ` and `ﬁ` become
 * `alice` and `fi`) and trimmed. Null when it breaks the rules: 1-32 characters, nothing invisible
 * (NOT_IN_NICK). Whether it passes for an account's name is the server's question (nickReserved).
 */
export function normalizeNick(nick: unknown): string | null {
  if (typeof nick !== 'string') return null;
  // Bounded before NFKC, which may expand a character up to 18 times (U+FDFA): a nick is short.
  if (nick.length > 4 * MAX_NICK_CHARS) return null;
  const normalized = nick.normalize('NFKC').trim();
  const n = charCount(normalized);
  if (n < 1 || n > MAX_NICK_CHARS || NOT_IN_NICK.test(normalized)) return null;
  return normalized;
}

/** Why normalizeNick refused a nick, in the words of the protocol's `invalid_nick`. */
export const NICK_RULES = `a nick is 1-${MAX_NICK_CHARS} characters, with no control, invisible or text-direction characters`;

function str(f: Fields, key: string): string {
  const v = f[key];
  if (typeof v !== 'string') fail('bad_request', `"${key}" must be a string`);
  return v as string;
}

function room(f: Fields): string {
  const v = str(f, 'room');
  if (!ROOM_NAME.test(v)) {
    fail('invalid_room', 'room names are 1-64 characters of a-z, 0-9, - and _, starting with a letter or digit');
  }
  return v;
}

function optSeq(f: Fields, key: string): number | undefined {
  const v = f[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    fail('bad_request', `"${key}" must be a non-negative integer`);
  }
  return v as number;
}

/** A user id or username: a non-empty string of at most 64 characters. */
function userRef(f: Fields): string {
  const v = str(f, 'user');
  if (v.length < 1 || v.length > 64) fail('bad_request', '"user" must be 1-64 characters');
  return v;
}

/** Characters a topic may not hold: controls (line breaks and tabs too) and line or paragraph separators: it is one line. */
const NOT_IN_TOPIC = /[\p{Cc}\p{Zl}\p{Zp}]/u;

/**
 * The topic as it is stored and shown (trimmed), or null when it breaks the rules: at most
 * MAX_TOPIC_CHARS code points, no control characters. "" clears the topic.
 */
export function normalizeTopic(topic: unknown): string | null {
  if (typeof topic !== 'string') return null;
  const trimmed = topic.trim();
  if (trimmed.length > MAX_TOPIC_CHARS && charCount(trimmed) > MAX_TOPIC_CHARS) return null;
  if (NOT_IN_TOPIC.test(trimmed)) return null;
  return trimmed;
}

/**
 * A message's text as `send` and `edit` take it: trimmed, 1..maxMessageChars code points (else
 * invalid_text); "" only when `mayBeEmpty` (a send with files).
 */
function messageText(f: Fields, limits: FrameLimits, mayBeEmpty = false): string {
  const text = str(f, 'text').trim();
  if (text.length === 0 && !mayBeEmpty) fail('invalid_text', 'text is empty');
  // text.length (UTF-16 units) >= code points, so the exact count is only needed near the limit.
  if (text.length > limits.maxMessageChars && charCount(text) > limits.maxMessageChars) {
    fail('invalid_text', `text is longer than ${limits.maxMessageChars} characters`);
  }
  return text;
}

/** The seq of the message a change or a reply names: a positive integer. */
function targetSeq(f: Fields, key: string): number {
  const v = f[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail('bad_request', `"${key}" must be a positive integer`);
  return v as number;
}

/** `send.files`: 1..MAX_FILES_PER_MESSAGE distinct file ids (else bad_request). */
function fileIds(f: Fields): string[] {
  const v = f.files;
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_FILES_PER_MESSAGE || !v.every((id) => typeof id === 'string' && FILE_ID.test(id))) {
    fail('bad_request', `"files" must be a list of 1-${MAX_FILES_PER_MESSAGE} file ids`);
  }
  const ids = v as string[];
  if (new Set(ids).size !== ids.length) fail('bad_request', '"files" names a file twice');
  return ids;
}

/** White space, controls, line and paragraph separators: an emoji holds none of them. */
const NOT_IN_EMOJI = /[\s\p{Cc}\p{Zl}\p{Zp}]/u;

/** A reaction's emoji: 1..MAX_EMOJI_CHARS code points, no white space or control characters (else bad_request). */
function emoji(f: Fields): string {
  const v = str(f, 'emoji');
  const n = charCount(v);
  if (n < 1 || n > MAX_EMOJI_CHARS || NOT_IN_EMOJI.test(v)) {
    fail('bad_request', `"emoji" must be 1-${MAX_EMOJI_CHARS} characters with no white space or control characters`);
  }
  return v;
}

type Parser = (f: Fields, limits: FrameLimits) => ClientFrame;

const moderate = (type: 'kick' | 'ban' | 'unban' | 'op') => (f: Fields): ClientFrame => ({ type, room: room(f), user: userRef(f) });

// Typed map: adding a frame type to ClientFrame does not compile until it is parsed here.
const parsers = {
  join: (f) => {
    const frame: ClientFrame = { type: 'join', room: room(f) };
    const since = optSeq(f, 'since');
    if (since !== undefined) frame.since = since;
    return frame;
  },
  leave: (f) => ({ type: 'leave', room: room(f) }),
  send: (f, limits) => {
    const r = room(f);
    const id = str(f, 'id');
    if (id.length < 1 || charCount(id) > MAX_CLIENT_ID_CHARS) {
      fail('bad_request', `"id" must be 1-${MAX_CLIENT_ID_CHARS} characters`);
    }
    const files = f.files === undefined ? undefined : fileIds(f);
    const text = messageText(f, limits, files !== undefined);
    const frame: ClientFrame = { type: 'send', room: r, id, text };
    if (f.replyTo !== undefined) frame.replyTo = targetSeq(f, 'replyTo');
    if (files !== undefined) frame.files = files;
    return frame;
  },
  edit: (f, limits) => ({ type: 'edit', room: room(f), seq: targetSeq(f, 'seq'), text: messageText(f, limits) }),
  redact: (f) => ({ type: 'redact', room: room(f), seq: targetSeq(f, 'seq') }),
  react: (f) => {
    const r = room(f);
    const seq = targetSeq(f, 'seq');
    const e = emoji(f);
    if (typeof f.on !== 'boolean') fail('bad_request', '"on" must be true or false');
    return { type: 'react', room: r, seq, emoji: e, on: f.on as boolean };
  },
  history: (f) => {
    const frame: ClientFrame = { type: 'history', room: room(f) };
    const before = optSeq(f, 'before');
    const after = optSeq(f, 'after');
    if (before !== undefined && after !== undefined) fail('bad_request', '"before" and "after" cannot be combined');
    const limit = f.limit;
    if (limit !== undefined) {
      if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
        fail('bad_request', '"limit" must be a positive integer');
      }
      frame.limit = Math.min(limit as number, DEFAULT_LIMITS.historyLimitMax);
    }
    if (before !== undefined) frame.before = before;
    if (after !== undefined) frame.after = after;
    return frame;
  },
  typing: (f) => ({ type: 'typing', room: room(f) }),
  ping: () => ({ type: 'ping' }),
  nick: (f) => {
    const nick = normalizeNick(str(f, 'nick'));
    if (nick === null) fail('invalid_nick', NICK_RULES);
    return { type: 'nick', nick: nick as string };
  },
  create: (f) => {
    const frame: ClientFrame = { type: 'create', room: room(f) };
    if (f.private !== undefined) {
      if (typeof f.private !== 'boolean') fail('bad_request', '"private" must be true or false');
      frame.private = f.private as boolean;
    }
    return frame;
  },
  invite: (f) => ({ type: 'invite', room: room(f), user: userRef(f) }),
  kick: moderate('kick'),
  ban: moderate('ban'),
  unban: moderate('unban'),
  op: moderate('op'),
  mute: (f) => {
    const r = room(f);
    const user = userRef(f);
    const ms = f.ms;
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 1 || ms > MAX_MUTE_MS) {
      fail('bad_request', `"ms" must be an integer from 1 to ${MAX_MUTE_MS}`);
    }
    return { type: 'mute', room: r, user, ms: ms as number };
  },
  dm: (f) => ({ type: 'dm', user: userRef(f) }),
  delete: (f) => ({ type: 'delete', room: room(f) }),
  read: (f) => {
    const r = room(f);
    const seq = optSeq(f, 'seq');
    if (seq === undefined) fail('bad_request', '"seq" must be a non-negative integer');
    return { type: 'read', room: r, seq: seq as number };
  },
  topic: (f) => {
    const r = room(f);
    const topic = normalizeTopic(str(f, 'topic'));
    if (topic === null) fail('bad_request', `a topic is at most ${MAX_TOPIC_CHARS} characters, with no control characters or line breaks`);
    return { type: 'topic', room: r, topic: topic as string };
  },
} satisfies Record<ClientFrameType, Parser>;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Parses and validates one text frame. Never throws: every problem becomes an error code from the
 * protocol's Errors table, with the frame's `ref` when that could be read.
 */
export function parseClientFrame(raw: string, limits: FrameLimits): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad_request', message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'bad_request', message: 'frame must be a JSON object' };
  }
  const fields = value as Fields;
  let ref: string | undefined;
  if (fields.ref !== undefined) {
    if (typeof fields.ref !== 'string' || charCount(fields.ref) > MAX_REF_CHARS) {
      return { ok: false, code: 'bad_request', message: `"ref" must be a string of at most ${MAX_REF_CHARS} characters` };
    }
    ref = fields.ref;
  }
  const type = fields.type;
  const withRef = <T extends object>(r: T): T => (ref === undefined ? r : { ...r, ref });
  if (typeof type !== 'string') {
    return withRef({ ok: false, code: 'bad_request', message: 'frame has no string "type"' });
  }
  if (!hasOwn.call(parsers, type)) {
    return withRef({ ok: false, code: 'bad_request', message: 'unknown frame type' });
  }
  try {
    const frame: ClientFrame = parsers[type as ClientFrameType](fields, limits);
    if (ref !== undefined) frame.ref = ref;
    return { ok: true, frame };
  } catch (err) {
    if (err instanceof FrameError) return withRef({ ok: false, code: err.code, message: err.message });
    throw err;
  }
}
