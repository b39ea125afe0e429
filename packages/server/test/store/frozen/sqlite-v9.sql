-- Frozen copy of the SQLite schema at version 9 (as released: migrations 1 to 9 of
-- src/store/sqlite/sqlite-schema.ts). Never edit: the migration test builds an old database from it
-- and checks that today's store upgrades it without losing data.
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
CREATE INDEX messages_ts ON messages(ts);
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
CREATE INDEX tokens_expires ON tokens(expires_at);
ALTER TABLE users ADD COLUMN operator_admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN skeleton TEXT;
CREATE INDEX users_skeleton ON users(skeleton) WHERE kind = 'account';
CREATE TABLE user_rooms (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  read_seq INTEGER NOT NULL,
  notify TEXT CHECK (notify IN ('all', 'mentions', 'none')),
  UNIQUE (user_id, room_id)
);
CREATE INDEX user_rooms_room ON user_rooms(room_id);
ALTER TABLE rooms ADD COLUMN topic TEXT;
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
PRAGMA user_version = 9;
