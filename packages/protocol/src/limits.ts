// Defaults named by the protocol. The server may be configured away from some of them
// (maxMessageChars, maxFrameBytes, heartbeat, history window); the rest are fixed rules.

export const DEFAULT_LIMITS = {
  /** `send.text`, counted in Unicode code points after trimming. */
  maxMessageChars: 4000,
  /** A larger WebSocket frame closes the connection with 1009. */
  maxFrameBytes: 64 * 1024,
  /** Messages in `joined.history` for a join without `since`. */
  historyWindow: 50,
  /** Cap on `joined.history` for a join with `since`; `hasMore` says when it cut. */
  resumeCap: 1000,
  /** `history.limit` default and maximum. */
  historyLimit: 50,
  historyLimitMax: 200,
  /** Above this many members a room's presence may be coalesced and `members` capped. */
  presenceDetailLimit: 200,
  heartbeatMs: 30_000,
  /** Sends per second per user; the burst is twice this. */
  rateLimit: 10,
} as const;

export const MAX_REF_CHARS = 64;
export const MAX_CLIENT_ID_CHARS = 64;
export const MAX_NICK_CHARS = 32;

/** 1–64 of a-z 0-9 - _, starting with a letter or digit. */
export const ROOM_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Account usernames: 3-32 of a-z 0-9 _ -. The username is the account's nick. */
export const USERNAME = /^[a-z0-9_-]{3,32}$/;
export const MIN_PASSWORD_CHARS = 8;
/** Longest mute, in ms (a year). */
export const MAX_MUTE_MS = 365 * 24 * 60 * 60 * 1000;

/** A room's topic, in code points after trimming (Version 1.1, issue 15). */
export const MAX_TOPIC_CHARS = 250;

/** The room that always exists. */
export const LOBBY = 'lobby';

/** Version 1.1: a reaction's emoji, in code points (PROTOCOL.md). */
export const MAX_EMOJI_CHARS = 32;
/** Version 1.1: distinct reactions one message may hold; one more is `forbidden`. */
export const MAX_REACTIONS_PER_MESSAGE = 20;
/** Version 1.1: user ids a reaction lists (`count` stays exact). */
export const MAX_REACTION_USERS = 50;
/** Version 1.1: code points of the answered message's text a reply carries. */
export const MAX_REPLY_EXCERPT_CHARS = 200;

/** Version 1.1: the longest `q` of `GET api/search`, in code points after trimming (longer: 400). */
export const MAX_SEARCH_QUERY_CHARS = 200;
/** Version 1.1: files one message may carry (`send.files`). */
export const MAX_FILES_PER_MESSAGE = 10;
/** Version 1.1: an uploaded file's id: 16 random bytes, base64url. */
export const FILE_ID = /^[A-Za-z0-9_-]{22}$/;
