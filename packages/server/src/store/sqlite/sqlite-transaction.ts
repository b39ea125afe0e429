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
