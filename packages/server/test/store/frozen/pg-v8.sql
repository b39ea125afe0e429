-- Frozen copy of the PostgreSQL schema at version 8 (as released), with the schema_version table
-- that migrate() keeps. Written once from migrations 1 to 8 of src/store/pg/pg-schema.ts; never
-- edit: the migration test builds an old database from it and checks that today's store upgrades
-- it without losing data. Objects are unqualified: the connection's search_path picks the schema.
CREATE TABLE schema_version (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE users (
  id text PRIMARY KEY,
  nick text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('guest', 'account')),
  created_at bigint NOT NULL
);
CREATE TABLE tokens (
  hash bytea PRIMARY KEY,             -- sha256 of the token; the token itself is never stored
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE TABLE rooms (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- "C": byte order, as SQLite sorts room names (listRooms), whatever the database's locale.
  name text COLLATE "C" NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  -- The room's last assigned seq. Kept here rather than derived with max(seq), so that seq is
  -- never reused even after old messages are pruned; appenders lock this row to number messages.
  last_seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room_id bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  user_id text NOT NULL,
  nick text NOT NULL,
  client_id text NOT NULL,
  text text NOT NULL,
  ts bigint NOT NULL,
  UNIQUE (room_id, seq),
  UNIQUE (room_id, user_id, client_id)
);
CREATE INDEX messages_ts ON messages(ts);
INSERT INTO schema_version (version) VALUES (1);
ALTER TABLE users ADD COLUMN username text;
ALTER TABLE users ADD COLUMN password_hash text;
CREATE UNIQUE INDEX users_username ON users(username);
ALTER TABLE tokens ADD COLUMN id text;
ALTER TABLE tokens ADD COLUMN name text;
ALTER TABLE tokens ADD COLUMN last_used_at bigint;
CREATE UNIQUE INDEX tokens_id ON tokens(id);
ALTER TABLE rooms ADD COLUMN kind text NOT NULL DEFAULT 'public' CHECK (kind IN ('public', 'private', 'dm'));
ALTER TABLE rooms ADD COLUMN owner_id text;
CREATE TABLE room_roles (
  room_id bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- member: may join a private room (invited, or in a DM); moderator and owner: may moderate.
  role text NOT NULL CHECK (role IN ('owner', 'moderator', 'member')),
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_roles_user ON room_roles(user_id);
CREATE TABLE room_bans (
  room_id bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  user_id text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (room_id, user_id)
);
CREATE TABLE room_mutes (
  room_id bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  user_id text NOT NULL,
  until bigint NOT NULL,
  PRIMARY KEY (room_id, user_id)
);
INSERT INTO schema_version (version) VALUES (2);
CREATE INDEX tokens_expires ON tokens(expires_at);
INSERT INTO schema_version (version) VALUES (3);
ALTER TABLE users ADD COLUMN operator_admin boolean NOT NULL DEFAULT false;
INSERT INTO schema_version (version) VALUES (4);
ALTER TABLE users ADD COLUMN skeleton text;
CREATE INDEX users_skeleton ON users (skeleton) WHERE kind = 'account';
INSERT INTO schema_version (version) VALUES (5);
CREATE TABLE user_rooms (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  room_id bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  read_seq bigint NOT NULL,
  notify text CHECK (notify IN ('all', 'mentions', 'none')),
  UNIQUE (user_id, room_id)
);
CREATE INDEX user_rooms_room ON user_rooms(room_id);
INSERT INTO schema_version (version) VALUES (6);
ALTER TABLE rooms ADD COLUMN topic text;
INSERT INTO schema_version (version) VALUES (7);
ALTER TABLE messages ADD COLUMN edited bigint;
ALTER TABLE messages ADD COLUMN deleted boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN reply_seq bigint;
ALTER TABLE messages ADD COLUMN mentions text;
ALTER TABLE messages ADD COLUMN reactions text;
CREATE TABLE changes (
  room_id bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  target_seq bigint NOT NULL,
  action text NOT NULL CHECK (action IN ('edit', 'redact', 'react')),
  user_id text NOT NULL,
  nick text NOT NULL,
  ts bigint NOT NULL,
  PRIMARY KEY (room_id, seq)
);
CREATE INDEX changes_ts ON changes(ts);
CREATE TABLE reactions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room_id bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  emoji text NOT NULL,
  user_id text NOT NULL,
  UNIQUE (room_id, seq, emoji, user_id)
);
CREATE TABLE mentions (
  user_id text NOT NULL,
  room_id bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  PRIMARY KEY (user_id, room_id, seq)
);
CREATE INDEX mentions_room ON mentions(room_id, seq);
INSERT INTO schema_version (version) VALUES (8);
