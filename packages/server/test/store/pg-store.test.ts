// The PostgreSQL store: the shared conformance suite, plus what only a shared database has to get
// right: several nodes (pools) appending to one room at once, several nodes migrating at once,
// tokens kept as hashes only, and an outage. Each test has its own schema, dropped afterwards.
// Skipped (with a "skipped: …" line) when PostgreSQL is not reachable, except in CI.
import { isMessage } from '@chat/protocol';
import { createHash } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/pg/pg-schema.js';
import { PgStore, type PgStoreOptions } from '../../src/store/pg/pg-store.js';
import type { AppendResult, NewMessage, Store } from '../../src/store/store.js';
import { createSchema, servicesAvailable, TEST_DATABASE_URL } from '../services.js';
import { startTcpProxy } from '../tcp-proxy.js';
import { describeStore } from './conformance/describe-store.js';

const available = await servicesAvailable(['postgres']);

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const msg = (room: string, clientId: string, userId = 'u-alice', text = `text ${clientId}`): NewMessage => ({
  room,
  from: { id: userId, nick: userId.replace(/^u-/, '') },
  clientId,
  text,
});

/** Runs one query straight against a schema (not through the store). */
async function sql<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A TCP relay to PostgreSQL that can fall silent, as a network partition does: after silence(),
 * open connections carry nothing more and new ones are accepted but never answered (no reset,
 * unlike tcp-proxy's cut()).
 */
async function startSilenceableRelay(): Promise<{ via(url: string): string; silence(): void; close(): Promise<void> }> {
  const target = new URL(TEST_DATABASE_URL);
  const sockets = new Set<Socket>();
  const pairs: Array<[Socket, Socket]> = [];
  let silent = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((client) => {
    track(client);
    if (silent) return;
    const upstream = connect(Number(target.port || 5432), target.hostname);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    silence() {
      silent = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!available)('PostgreSQL store', () => {
  describeStore('postgresql', () => {
    let url = '';
    let drop = async () => {};
    return {
      open: async () => {
        ({ url, drop } = await createSchema());
        return new PgStore({ connectionString: url }).open();
      },
      reopen: async (store) => {
        await store.close();
        return new PgStore({ connectionString: url }).open();
      },
      cleanup: () => drop(),
      // PostgreSQL's own disk_full error (SQLSTATE 53100), raised by PostgreSQL on every insert into
      // messages: the shared test server's disk cannot be filled.
      breakWrites: async () => {
        await sql(
          url,
          `CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$;
           CREATE TRIGGER disk_full BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION disk_full()`,
        );
        return async () => {
          await sql(url, 'DROP TRIGGER disk_full ON messages');
        };
      },
    };
  });

  describe('PgStore specifics', () => {
    const stores: Store[] = [];
    const drops: Array<() => Promise<void>> = [];
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      await Promise.all(drops.splice(0).map((d) => d()));
    });
    const schema = async (): Promise<string> => {
      const { url, drop } = await createSchema();
      drops.push(drop);
      return url;
    };
    const open = async (options: PgStoreOptions): Promise<PgStore> => {
      const store = await new PgStore(options).open();
      stores.push(store);
      return store;
    };

    it('an account registered on one node is found by lookalike nicks on another', async () => {
      const url = await schema();
      const [a, b] = await Promise.all([1, 2].map(() => open({ connectionString: url })));
      expect(await b!.lookalikeAccount('\u0430lice')).toBeNull();
      const alice = (await a!.createAccount('alice', 'h'))!;
      expect((await b!.lookalikeAccount('\u0430lice'))?.id).toBe(alice.id);
      expect((await b!.lookalikeAccount('ａｌｉｃｅ'))?.id).toBe(alice.id);
    });

    it('gives concurrent appenders on three nodes the seqs 1..N of one room, gap-free and unique', async () => {
      const url = await schema();
      const nodes = await Promise.all([1, 2, 3].map(() => open({ connectionString: url, poolMax: 4 })));
      const BATCHES = 15;
      const SIZE = 8;
      const N = nodes.length * BATCHES * SIZE; // 360
      const batches = await Promise.all(
        nodes.flatMap((node, n) =>
          range(1, BATCHES).map((b) =>
            node.appendMessages(range(1, SIZE).map((i) => msg('busy', `${b}-${i}`, `u-node${n}`, `node ${n} batch ${b} #${i}`))),
          ),
        ),
      );
      const results = batches.flat();
      expect(results.filter((r) => r.duplicate)).toEqual([]);
      expect(results.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(range(1, N));
      expect(new Set(results.map((r) => r.message.id)).size).toBe(N);
      // A batch is one transaction holding the room's lock: its seqs are consecutive.
      for (const batch of batches) {
        const first = batch[0]!.message.seq;
        expect(batch.map((r) => r.message.seq)).toEqual(range(first, first + SIZE - 1));
      }
      // What every node reads back is exactly what was acknowledged.
      const stored = await nodes[2]!.messagesAfter('busy', 0, N + 10);
      expect(stored.hasMore).toBe(false);
      const bySeq = [...results].sort((a, b) => a.message.seq - b.message.seq).map((r) => r.message);
      expect(stored.messages).toEqual(bySeq);
      expect(await nodes[0]!.lastSeq('busy')).toBe(N);
    });

    it('sweeps on three nodes at once: every expired token, guest and abandoned room goes exactly once, and appends racing the sweep are kept', async () => {
      const url = await schema();
      const nodes = await Promise.all([1, 2, 3].map(() => open({ connectionString: url, poolMax: 4 })));
      const GUESTS = 60;
      for (let i = 0; i < GUESTS; i++) await nodes[i % 3]!.createGuest(`g${i}`);
      const later = Date.now() + 91 * 24 * 3600_000;
      const sweepAll = async (node: Store) => {
        const total = { tokens: 0, guests: 0 };
        for (;;) {
          const step = await node.sweepExpiredTokens(later, 7);
          total.tokens += step.tokens;
          total.guests += step.guests;
          if (step.tokens === 0) return total;
        }
      };
      const swept = await Promise.all(nodes.map(sweepAll));
      expect(swept.reduce((n, t) => n + t.tokens, 0)).toBe(GUESTS);
      expect(swept.reduce((n, t) => n + t.guests, 0)).toBe(GUESTS);
      expect(await sql(url, "SELECT count(*)::int AS n FROM users WHERE kind = 'guest'")).toEqual([{ n: 0 }]);

      const rooms = range(1, 40).map((i) => `idle-${i}`);
      for (const room of rooms) await nodes[0]!.ensureRoom(room);
      const cutoff = Date.now() + 1;
      // Every node deletes the whole list while a fourth of the rooms get a message from a node.
      const [deleted] = await Promise.all([
        Promise.all(nodes.map((node) => node.deleteAbandonedRooms(rooms, cutoff))),
        Promise.all(rooms.filter((_, i) => i % 4 === 0).map((room, i) => nodes[i % 3]!.appendMessages([msg(room, 'late')]))),
      ]);
      const names = deleted.flat();
      expect(new Set(names).size).toBe(names.length);
      for (const room of rooms.filter((_, i) => i % 4 === 0)) {
        expect((await nodes[1]!.messagesAfter(room, 0, 10)).messages.filter(isMessage).map((m) => [m.seq, m.clientId]), room).toEqual([[1, 'late']]);
      }
      const left = await sql<{ name: string }>(url, "SELECT name FROM rooms WHERE name LIKE 'idle-%' AND last_seq = 0");
      expect(left).toEqual([]);
    });

    it('does not deadlock when concurrent batches touch the same rooms in different orders', async () => {
      const url = await schema();
      const nodes = await Promise.all([1, 2, 3].map(() => open({ connectionString: url, poolMax: 5 })));
      const orders = [
        ['x', 'y', 'z'],
        ['z', 'y', 'x'],
        ['y', 'x', 'z'],
        ['z', 'x', 'y'],
      ];
      const batches = await Promise.all(
        nodes.flatMap((node, n) =>
          range(1, 20).map((b) => {
            const order = orders[(n + b) % orders.length]!;
            return node.appendMessages(order.flatMap((room) => [msg(room, `${n}-${b}-1`), msg(room, `${n}-${b}-2`)]));
          }),
        ),
      );
      const results = batches.flat();
      for (const room of ['x', 'y', 'z']) {
        const seqs = results.filter((r) => r.message.room === room).map((r) => r.message.seq);
        expect(seqs.sort((a, b) => a - b)).toEqual(range(1, 3 * 20 * 2));
        expect(await nodes[1]!.lastSeq(room)).toBe(120);
      }
    });

    it('stores a message sent through two nodes at once exactly once, and reports the original', async () => {
      const url = await schema();
      const nodes = await Promise.all([1, 2, 3].map(() => open({ connectionString: url, poolMax: 4 })));
      const KEYS = 60;
      const keys = range(1, KEYS).map((k) => `k${k}`);
      // Each node sends every key, in batches of 10 and in its own order, with its own text.
      const orderings = [keys, [...keys].reverse(), [...keys.slice(30), ...keys.slice(0, 30)]];
      const perNode = await Promise.all(
        nodes.map(async (node, n) => {
          const order = orderings[n]!;
          const chunks = range(0, order.length / 10 - 1).map((c) => order.slice(c * 10, c * 10 + 10));
          const batches = await Promise.all(chunks.map((chunk) => node.appendMessages(chunk.map((k) => msg('dup', k, 'u-same', `via node ${n}`)))));
          return batches.flat();
        }),
      );
      const all: AppendResult[] = perNode.flat();
      const stored = await nodes[0]!.messagesAfter('dup', 0, 1000);
      expect(stored.messages.map((m) => m.seq)).toEqual(range(1, KEYS));
      expect(stored.messages.filter(isMessage).map((m) => m.clientId).sort()).toEqual([...keys].sort());
      for (const key of keys) {
        const forKey = all.filter((r) => r.message.clientId === key);
        expect(forKey).toHaveLength(3);
        expect(forKey.filter((r) => !r.duplicate)).toHaveLength(1);
        const original = stored.messages.filter(isMessage).find((m) => m.clientId === key);
        for (const r of forKey) expect(r.message).toEqual(original);
      }
    });

    it('stores what PostgreSQL text cannot hold (NUL, lone surrogates) as U+FFFD, failing nothing', async () => {
      const url = await schema();
      const store = await open({ connectionString: url });
      const results = await store.appendMessages([
        msg('odd', 'plain'),
        msg('odd', 'nul', 'u-alice', 'a\u0000b'),
        msg('odd', 'lone\ud800', 'u-alice', 'x\udc00y'),
      ]);
      expect(results.map((r) => [r.message.seq, r.message.clientId, r.message.text])).toEqual([
        [1, 'plain', 'text plain'],
        [2, 'nul', 'a\ufffdb'],
        [3, 'lone\ufffd', 'x\ufffdy'],
      ]);
      expect((await store.messagesAfter('odd', 0, 10)).messages).toEqual(results.map((r) => r.message));
      // The same odd key again is recognised as the duplicate it is.
      const [again] = await store.appendMessages([msg('odd', 'lone\ud800', 'u-alice', 'other')]);
      expect(again).toEqual({ message: results[2]!.message, duplicate: true });
    });

    it('migrates once when several nodes open a fresh schema together', async () => {
      const url = await schema();
      await Promise.all([1, 2, 3].map(() => open({ connectionString: url })));
      const versions = await sql<{ version: number }>(url, 'SELECT version FROM schema_version ORDER BY version');
      expect(versions.map((v) => v.version)).toEqual(range(1, MIGRATIONS.length));
      expect(await sql(url, "SELECT id FROM rooms WHERE name = 'lobby'")).toHaveLength(1);
      // Opening again finds nothing to do.
      await open({ connectionString: url });
      expect(await sql(url, 'SELECT version FROM schema_version')).toHaveLength(MIGRATIONS.length);
    });

    it('keeps only hashes of guest, session and bearer tokens', async () => {
      const url = await schema();
      const store = await open({ connectionString: url });
      const guest = await store.createGuest('eve');
      const account = (await store.createAccount('eve-account', 'scrypt$h'))!;
      const session = await store.issueToken(account.id, 'session');
      const bearer = await store.issueToken(account.id, 'bearer', { name: 'bot' });
      await store.identityByToken(bearer.token); // records last use
      const tokens = [guest.token, session.token, bearer.token];
      const tables = await sql<{ table_name: string }>(
        url,
        'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()',
      );
      expect(tables.map((t) => t.table_name)).toContain('tokens');
      for (const { table_name } of tables) {
        const dump = (await sql<{ row: string }>(url, `SELECT t::text AS row FROM "${table_name}" t`)).map((r) => r.row).join('\n');
        for (const token of tokens) expect(dump).not.toContain(token);
      }
      for (const token of tokens) {
        const hash = createHash('sha256').update(token).digest();
        expect(await sql(url, 'SELECT 1 FROM tokens WHERE hash = $1', [hash])).toHaveLength(1);
      }
    });

    it('slides guest and session expiry, refuses expired tokens, and records bearer use', async () => {
      const url = await schema();
      const DAY = 24 * 3600_000;
      const store = await open({ connectionString: url, tokenTtlMs: 10 * DAY, sessionTtlMs: 5 * DAY });
      const guest = await store.createGuest('gus');
      const account = (await store.createAccount('botmaker', 'h'))!;
      const session = await store.issueToken(account.id, 'session');
      const hashOf = (token: string) => createHash('sha256').update(token).digest();
      const expiresAt = async (token: string) =>
        Number((await sql<{ e: string }>(url, 'SELECT expires_at AS e FROM tokens WHERE hash = $1', [hashOf(token)]))[0]!.e);
      const setExpiry = (token: string, at: number) => sql(url, 'UPDATE tokens SET expires_at = $1 WHERE hash = $2', [at, hashOf(token)]);
      // Nearly expired: a lookup succeeds and pushes the expiry a full lifetime (of its kind) ahead.
      await setExpiry(guest.token, Date.now() + 60_000);
      await setExpiry(session.token, Date.now() + 60_000);
      const before = Date.now();
      expect((await store.identityByToken(guest.token))?.user).toEqual(guest.user);
      expect((await store.identityByToken(session.token))?.user).toEqual(account);
      expect(await expiresAt(guest.token)).toBeGreaterThanOrEqual(before + 10 * DAY);
      expect(await expiresAt(session.token)).toBeGreaterThanOrEqual(before + 5 * DAY);
      expect(await expiresAt(session.token)).toBeLessThan(before + 6 * DAY);
      // Expired: refused.
      await setExpiry(guest.token, Date.now() - 1);
      await setExpiry(session.token, Date.now() - 1);
      expect(await store.identityByToken(guest.token)).toBeNull();
      expect(await store.identityByToken(session.token)).toBeNull();
      // A short guest lifetime runs out on its own.
      const brief = await open({ connectionString: url, tokenTtlMs: 1 });
      const fleeting = await brief.createGuest('fleeting');
      await new Promise((r) => setTimeout(r, 5));
      expect(await brief.identityByToken(fleeting.token)).toBeNull();
      // Bearer tokens never expire, and note when they were last used.
      const bearer = await store.issueToken(account.id, 'bearer', { name: 'bot' });
      expect((await store.listTokens(account.id))[0]?.lastUsedAt).toBeNull();
      await store.identityByToken(bearer.token);
      expect((await store.listTokens(account.id))[0]?.lastUsedAt).toBeGreaterThanOrEqual(before);
    });

    it('lets in-flight appends finish on close, then refuses new calls', async () => {
      const url = await schema();
      const store = await new PgStore({ connectionString: url }).open();
      const appending = store.appendMessages(range(1, 50).map((i) => msg('closing', `c${i}`)));
      const closed = store.close();
      expect((await appending).map((r) => r.message.seq)).toEqual(range(1, 50));
      await closed;
      await expect(store.lastSeq('closing')).rejects.toThrow(/not open/);
      const again = await open({ connectionString: url });
      expect(await again.lastSeq('closing')).toBe(50);
    });

    it('rejects ping and queries, rather than hanging, when PostgreSQL falls silent', async () => {
      const url = await schema();
      const relay = await startSilenceableRelay();
      try {
        // A connect timeout beyond the test's: what must bound these calls is ping's own limit
        // and the query timeout.
        const store = await open({ connectionString: relay.via(url), connectTimeoutMs: 60_000, queryTimeoutMs: 2500 });
        // Leave a few idle pooled connections, about to go silent.
        await Promise.all([1, 2, 3].map(() => store.ensureRoom('quiet')));
        relay.silence();
        const [ping, query] = await Promise.allSettled([store.ping(), store.lastSeq('quiet')]);
        expect(ping).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/timed out/) } });
        expect(query).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/timeout/) } });
      } finally {
        await relay.close();
      }
    });

    it('survives an outage: calls reject meanwhile, nothing is half-stored, and it recovers by itself', async () => {
      const url = await schema();
      const proxy = await startTcpProxy(TEST_DATABASE_URL, 5432);
      const blocker = new pg.Client({ connectionString: url });
      await blocker.connect();
      try {
        const store = await open({ connectionString: proxy.via(url), connectTimeoutMs: 1000 });
        await store.appendMessages([msg('r', 'before')]);

        // Catch batches mid-transaction when the database goes away. A transaction outside the
        // store holds an uncommitted row under the key of the first batch's LAST message: that
        // batch stores its first 99 messages and then waits on the key; the other batches queue
        // behind it for the room's lock.
        await blocker.query('BEGIN');
        await blocker.query(
          `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
           SELECT id, 1000000, 'u-alice', 'alice', 'race-1-100', 'blocker', 0 FROM rooms WHERE name = 'r'`,
        );
        const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        /** Waits until `count` connections wait on the blocker (directly, or behind one another). */
        const queuedBehindBlocker = async (count: number) => {
          for (let attempt = 0; attempt < 250; attempt++) {
            // (From another connection: inside a transaction, pg_stat_activity is a frozen snapshot.)
            const rows = await sql<{ pid: number; blockers: number[] }>(
              url,
              "SELECT pid, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
            );
            const behind = new Set([blockerPid]);
            for (let grew = true; grew; ) {
              grew = false;
              for (const row of rows) {
                if (!behind.has(row.pid) && row.blockers.some((pid) => behind.has(pid))) grew = Boolean(behind.add(row.pid));
              }
            }
            if (behind.size - 1 >= count) return;
            await new Promise((r) => setTimeout(r, 20));
          }
          throw new Error(`${count} appenders never queued behind the blocker`);
        };
        const race = (b: number) =>
          store.appendMessages(range(1, 100).map((i) => msg('r', `race-${b}-${i}`))).then(
            () => 'resolved',
            () => 'rejected',
          );
        const racing = [race(1)];
        await queuedBehindBlocker(1);
        racing.push(...range(2, 5).map(race));
        await queuedBehindBlocker(5);
        proxy.cut();
        expect(await Promise.all(racing)).toEqual(racing.map(() => 'rejected'));
        await blocker.query('ROLLBACK');

        await expect(store.ping()).rejects.toThrow();
        await expect(store.appendMessages([msg('r', 'during')])).rejects.toThrow();
        await expect(store.lastSeq('r')).rejects.toThrow();

        proxy.restore();
        // Recovery needs no help: the next calls get fresh connections.
        let recovered = false;
        for (let attempt = 0; attempt < 20 && !recovered; attempt++) {
          recovered = await store.ping().then(
            () => true,
            () => new Promise<boolean>((r) => setTimeout(() => r(false), 100)),
          );
        }
        expect(recovered).toBe(true);
        // Nothing of the broken batches or of the one sent during the outage was stored, and
        // numbering continues where it was.
        const [after] = await store.appendMessages([msg('r', 'after')]);
        expect(after?.message.seq).toBe(2);
        const rows = await blocker.query<{ client_id: string; seq: string }>('SELECT client_id, seq FROM messages ORDER BY seq');
        expect(rows.rows.map((row) => [row.client_id, Number(row.seq)])).toEqual([
          ['before', 1],
          ['after', 2],
        ]);
      } finally {
        await blocker.end();
        await proxy.close();
      }
    });
  });
});
