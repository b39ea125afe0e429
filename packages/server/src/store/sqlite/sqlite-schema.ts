// SQLite schema, one entry per version (PRAGMA user_version counts the applied ones). Append new
// migrations; never edit a released one. test/store/ keeps frozen copies to test upgrades from.
export const MIGRATIONS: readonly string[] = [
  // 1: users, restore tokens, rooms with their last seq, messages.
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    nick TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('guest', 'account')),
    created_at INTEGER NOT NULL
  );
  CREATE TABLE tokens (
    hash BLOB PRIMARY KEY,              -- sha256 of the token; the token itself is never stored
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX tokens_user ON tokens(user_id);
  CREATE TABLE rooms (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    private INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    -- The room's last assigned seq. Kept here rather than derived with MAX(seq), so that seq is
    -- never reused even after old messages are pruned.
    last_seq INTEGER NOT NULL DEFAULT 0
  );
  -- AUTOINCREMENT: message ids are never reused either.
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL REFERENCES rooms(id),
    seq INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    nick TEXT NOT NULL,
    client_id TEXT NOT NULL,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL,
    UNIQUE (room_id, seq),
    UNIQUE (room_id, user_id, client_id)
  );
  `,
  // 2: retention (RETENTION_DAYS) deletes by age.
  `
  CREATE INDEX messages_ts ON messages(ts);
  `,
  // 3: accounts, session and bearer tokens, private rooms and DMs, roles, bans and mutes.
  `
  ALTER TABLE users ADD COLUMN username TEXT;
  ALTER TABLE users ADD COLUMN password_hash TEXT;
  CREATE UNIQUE INDEX users_username ON users(username);
  ALTER TABLE tokens ADD COLUMN id TEXT;
  ALTER TABLE tokens ADD COLUMN name TEXT;
  ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;
  CREATE UNIQUE INDEX tokens_id ON tokens(id);
  ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'public' CHECK (kind IN ('public', 'private', 'dm'));
  ALTER TABLE rooms ADD COLUMN owner_id TEXT;
  CREATE TABLE room_roles (
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- member: may join a private room (invited, or in a DM); moderator and owner: may moderate.
    role TEXT NOT NULL CHECK (role IN ('owner', 'moderator', 'member')),
    PRIMARY KEY (room_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX room_roles_user ON room_roles(user_id);
  CREATE TABLE room_bans (
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE room_mutes (
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    until INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
  ) WITHOUT ROWID;
  `,
  // 4: the hourly sweep (store/sweeper.ts) deletes expired tokens in batches; without this index
  // each batch would read the whole table (a token per guest ever seen).
  `
  CREATE INDEX tokens_expires ON tokens(expires_at);
  `,
  // 5: accounts the operator made admin. Existing accounts are not: whoever registered
  // a name listed in ADMIN_USERS before this migration gets no admin rights from it.
  `
  ALTER TABLE users ADD COLUMN operator_admin INTEGER NOT NULL DEFAULT 0;
  `,
  // 6: account usernames by skeleton (auth/nick-skeleton.ts), so a guest nick that passes for one is
  // found with an index. Accounts created before are given theirs when the store opens.
  `
  ALTER TABLE users ADD COLUMN skeleton TEXT;
  CREATE INDEX users_skeleton ON users(skeleton) WHERE kind = 'account';
  `,
  // 7: each user's stored room list (user-room-store.ts), with their read marker and notification
  // level (NULL: the default of the room's kind). The rowid keeps the order rooms were added in.
  // Entries go with their room and their user (ON DELETE CASCADE: deleteRoom, the sweep's
  // abandoned rooms and tokenless guests); user_rooms_room serves that cascade.
  `
  CREATE TABLE user_rooms (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    read_seq INTEGER NOT NULL,
    notify TEXT CHECK (notify IN ('all', 'mentions', 'none')),
    UNIQUE (user_id, room_id)
  );
  CREATE INDEX user_rooms_room ON user_rooms(room_id);
  `,
  // 8: a room's topic (Version 1.1, issue 15): NULL when none is set. Old rows have none.
  `
  ALTER TABLE rooms ADD COLUMN topic TEXT;
  `,
  // 9: the room log (Version 1.1, issue 16). A room's seq now numbers entries: messages, and
  // changes to them in `changes` (who edited, redacted or reacted, when; never a text). A message
  // row holds its current state: its text (an edit overwrites it), when it was last edited,
  // whether it was redacted, the seq it answers, and, as JSON for serving, the ids it mentions and
  // its reaction summary (at most 50 ids per emoji). `reactions` and `mentions` are the truth those
  // summaries and the unread mention counts come from. Old messages keep their seqs.
  `
  ALTER TABLE messages ADD COLUMN edited INTEGER;
  ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN reply_seq INTEGER;
  ALTER TABLE messages ADD COLUMN mentions TEXT;
  ALTER TABLE messages ADD COLUMN reactions TEXT;
  CREATE TABLE changes (
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    target_seq INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('edit', 'redact', 'react')),
    user_id TEXT NOT NULL,
    nick TEXT NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX changes_ts ON changes(ts);
  -- The rowid orders a message's reactions by first use.
  CREATE TABLE reactions (
    id INTEGER PRIMARY KEY,
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    emoji TEXT NOT NULL,
    user_id TEXT NOT NULL,
    UNIQUE (room_id, seq, emoji, user_id)
  );
  -- Who a message mentions, its author left out: api/me/rooms counts a user's unread mentions
  -- per room from here, walking (user_id, room_id, seq) from the read marker.
  CREATE TABLE mentions (
    user_id TEXT NOT NULL,
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX mentions_room ON mentions(room_id, seq);
  `,
  // 10: uploaded files (Version 1.1, issue 17). The bytes are in UPLOAD_DIR; a row says whose,
  // where, what (type from the bytes, image size, thumbnail) and its state: unsent, sent with the
  // message at (room_id, seq), or gone (redacted, pruned, never sent, room deleted: 404, name
  // erased) until the sweeper removed its bytes (`removed`). Rows stay a day for the upload quota.
  // No foreign key to rooms: deleting a room marks its files gone, so their bytes get removed.
  // The message row holds its files as JSON for serving.
  `
  ALTER TABLE messages ADD COLUMN files TEXT;
  CREATE TABLE files (
    id TEXT PRIMARY KEY,
    room_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    type TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    thumb INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    seq INTEGER,
    state TEXT NOT NULL DEFAULT 'unsent' CHECK (state IN ('unsent', 'sent', 'gone', 'removed'))
  ) WITHOUT ROWID;
  CREATE INDEX files_user ON files(user_id, created_at);
  CREATE INDEX files_state ON files(state, created_at);
  CREATE INDEX files_message ON files(room_id, seq) WHERE seq IS NOT NULL;
  `,
  // 11: search (Version 1.1, issue 18). An FTS5 table of our tokens (search/search-text.ts) keyed
  // by the message id: contentless (no copy of the text), with secure-delete, so that a redacted
  // or edited text leaves no token in the index. Messages stored before it are indexed in the
  // background, newest first: search_backlog holds the id below which that is still to be done.
  `
  CREATE VIRTUAL TABLE message_search USING fts5(terms, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 0');
  INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1);
  CREATE TABLE search_backlog (below INTEGER NOT NULL);
  INSERT INTO search_backlog SELECT coalesce(max(id), 0) + 1 FROM messages;
  `,
  // 12: Web Push (Version 1.1, issue 19). The server's VAPID key pair (server_keys, one row per
  // name, so a restart signs with the same key) and each account's push subscriptions, keyed by
  // the browser's endpoint.
  `
  CREATE TABLE server_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE push_subscriptions (
    endpoint TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id, created_at);
  -- Who in a room hears of every message (rows.ts pushTargetsQuery): without it, each message of a
  -- big room would walk all its members.
  CREATE INDEX user_rooms_notify_all ON user_rooms(room_id) WHERE notify = 'all';
  `,
];
