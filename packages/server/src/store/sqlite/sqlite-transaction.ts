// Every write transaction begins IMMEDIATE: it takes the write lock at BEGIN, where SQLite waits
// out busy_timeout for another connection's writer (`chat-server backup` or `admin` opening the
// same file while the server runs). A deferred transaction that reads first and then writes is
// refused at once with SQLITE_BUSY when another connection holds the write lock at that moment
// (SQLite invokes no busy handler for a read transaction's upgrade), and the server answered
// "message not stored" to messages it could have stored a moment later.
import type Database from 'better-sqlite3';

export function writeTransaction<A extends unknown[], R>(db: Database.Database, fn: (...args: A) => R): (...args: A) => R {
  return db.transaction(fn).immediate;
}

/**
 * A write transaction committed without an fsync of its own (synchronous = NORMAL for it), for rows
 * a power loss may lose without harm: a new guest, a room joining a user's list, a read marker.
 * A burst of them (every client of a restarted server, 5,000 first connections) would otherwise
 * cost an fsync each. In WAL mode the commit is in the WAL file when this returns, so it survives
 * kill -9; the next fsynced commit (any message) makes it durable, in WAL order, so no stored
 * message ever names a row a power loss took. Messages and everything else stay synchronous = FULL.
 */
export function unsyncedWriteTransaction<A extends unknown[], R>(db: Database.Database, fn: (...args: A) => R): (...args: A) => R {
  const tx = writeTransaction(db, fn);
  // Prepared once: db.pragma() would prepare both statements again on every call.
  const relax = db.prepare('PRAGMA synchronous = NORMAL');
  const restore = db.prepare('PRAGMA synchronous = FULL');
  return (...args: A): R => {
    relax.run();
    try {
      return tx(...args);
    } finally {
      restore.run();
    }
  };
}
