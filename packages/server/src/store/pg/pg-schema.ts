// PostgreSQL schema, one entry per version; the `schema_version` table records the applied ones.
// Append new migrations; never edit a released one. test/store/frozen/ keeps frozen copies to test
// upgrades from. Every object is unqualified, so the connection's search_path picks the schema.
//
// Types: times are bigint milliseconds since the epoch (like SQLite's INTEGER); ids that clients
// see are bigint identities (never reused, like SQLite's AUTOINCREMENT) or random text.
import type { ClientBase } from 'pg';

export const MIGRATIONS: readonly string[] = [
  // 1: users, guest restore tokens, rooms with their last seq, messages (and the ts index that
  // retention deletes by).
  `
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
  `,
  // 2: accounts, session and bearer tokens, private rooms and DMs, roles, bans and mutes.
  `
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
  `,
  // 3: the hourly sweep (store/sweeper.ts) deletes expired tokens in batches; without this index
  // each batch would read the whole table (a token per guest ever seen).
  `
  CREATE INDEX tokens_expires ON tokens(expires_at);
  `,
  // 4: accounts the operator made admin. Existing accounts are not: whoever registered
  // a name listed in ADMIN_USERS before this migration gets no admin rights from it.
  `
  ALTER TABLE users ADD COLUMN operator_admin boolean NOT NULL DEFAULT false;
  `,
  // 5: account usernames by skeleton (auth/nick-skeleton.ts), so a guest nick that passes for one is
  // found with an index. Accounts created before, or by a node of the previous release
  // during a rolling upgrade, are given theirs when a node opens the store.
  `
  ALTER TABLE users ADD COLUMN skeleton text;
  CREATE INDEX users_skeleton ON users (skeleton) WHERE kind = 'account';
  `,
  // 6: each user's stored room list (user-room-store.ts), with their read marker and notification
  // level (NULL: the default of the room's kind). The identity keeps the order rooms were added in.
  // Entries go with their room and their user (ON DELETE CASCADE: deleteRoom, the sweep's
  // abandoned rooms and tokenless guests); user_rooms_room serves that cascade.
  `
  CREATE TABLE user_rooms (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    room_id bigint NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    read_seq bigint NOT NULL,
    notify text CHECK (notify IN ('all', 'mentions', 'none')),
    UNIQUE (user_id, room_id)
  );
  CREATE INDEX user_rooms_room ON user_rooms(room_id);
  `,
  // 7: a room's topic (Version 1.1, issue 15): NULL when none is set. Old rows have none; a node of
  // the previous release ignores the column.
  `
  ALTER TABLE rooms ADD COLUMN topic text;
  `,
  // 8: the room log (Version 1.1, issue 16), as SQLite's migration 9 says: change entries without
  // text, a message's current state on its row (mentions and reaction summary as JSON text, like
  // SQLite's), reactions and mentions as the truth behind them. Old messages keep their seqs.
  `
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
  `,
  // 9: uploaded files (Version 1.1, issue 17), as SQLite's migration 10 says: no foreign key to
  // rooms (deleting a room marks its files gone, so that the sweeper removes their bytes), the
  // message row's files as JSON text.
  `
  ALTER TABLE messages ADD COLUMN files text;
  CREATE TABLE files (
    id text PRIMARY KEY,
    room_id bigint NOT NULL,
    user_id text NOT NULL,
    name text NOT NULL,
    size bigint NOT NULL,
    type text NOT NULL,
    width integer,
    height integer,
    thumb boolean NOT NULL DEFAULT false,
    created_at bigint NOT NULL,
    seq bigint,
    state text NOT NULL DEFAULT 'unsent' CHECK (state IN ('unsent', 'sent', 'gone', 'removed'))
  );
  CREATE INDEX files_user ON files(user_id, created_at);
  CREATE INDEX files_state ON files(state, created_at);
  CREATE INDEX files_message ON files(room_id, seq) WHERE seq IS NOT NULL;
  `,
  // 10: search (Version 1.1, issue 18), as SQLite's migration 11 says: our tokens as a tsvector
  // (english configuration: stemmed English words; CJK tokens pass as they are) on the message row,
  // with a GIN index; NULL for a redacted message and for history not yet indexed.
  `
  ALTER TABLE messages ADD COLUMN search tsvector;
  -- Statistics of many more lexemes than the default 100's: with them the planner knows a rare or
  -- absent word is rare, and takes the GIN index instead of walking the whole table backwards by id
  -- (docs/benchmarks.md, Search: 357 ms for a word that matches nothing in 1M messages, 0.2 ms with).
  ALTER TABLE messages ALTER COLUMN search SET STATISTICS 10000;
  CREATE INDEX messages_search ON messages USING gin (search);
  CREATE TABLE search_backlog (below bigint NOT NULL);
  INSERT INTO search_backlog SELECT coalesce(max(id), 0) + 1 FROM messages;
  `,
  // 11: Web Push (Version 1.1, issue 19), as SQLite's migration 12 says.
  `
  CREATE TABLE server_keys (name text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE push_subscriptions (
    endpoint text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    p256dh text NOT NULL,
    auth text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id, created_at);
  CREATE INDEX user_rooms_notify_all ON user_rooms(room_id) WHERE notify = 'all';
  `,
];

/**
 * The advisory lock key migrations run under ('chat' in ASCII). Advisory locks are per database,
 * not per schema, so nodes migrating different schemas of one database merely take turns.
 */
export const MIGRATION_LOCK_KEY = 0x63686174;

/**
 * Brings the schema up to date, in one transaction under a transaction-scoped advisory lock: when
 * several nodes start together, one migrates while the others wait for the lock, then find
 * nothing left to do. Resolves with the schema version (which may be newer than MIGRATIONS.length
 * when a newer release has migrated the database; this code then leaves it alone).
 */
export async function migrate(client: ClientBase): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_version (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0)::int AS version FROM schema_version');
    let version = rows[0]?.version ?? 0;
    for (; version < MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version] as string);
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [version + 1]);
    }
    await client.query('COMMIT');
    return version;
  } catch (err) {
    // A failed ROLLBACK means the connection is gone, and the transaction with it.
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
