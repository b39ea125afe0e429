// SQLite's PushStore: the VAPID key pair in server_keys, subscriptions in push_subscriptions.
import type Database from 'better-sqlite3';
import { MAX_PUSH_SUBSCRIPTIONS_PER_USER, type PushAsk, type PushStore, type PushSubscriptionKeys, type PushTarget, type VapidKeyPair } from '../push-store.js';
import { pushTargetsQuery, type PushTargetRow, toPushTarget } from '../rows.js';
import { writeTransaction } from './sqlite-transaction.js';

/** ur.user_id is one of the JSON array :mentioned. */
const MENTIONED = 'ur.user_id IN (SELECT value FROM json_each(:mentioned))';

function prepare(db: Database.Database) {
  return {
    key: db.prepare<[string], { value: string }>('SELECT value FROM server_keys WHERE name = ?'),
    keepKey: db.prepare<[string, string]>('INSERT INTO server_keys (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
    upsert: db.prepare<[string, string, string, string, number]>(
      `INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at`,
    ),
    // Beyond the newest MAX_PUSH_SUBSCRIPTIONS_PER_USER of the user's.
    trim: db.prepare<[string, string, number]>(
      `DELETE FROM push_subscriptions WHERE user_id = ? AND endpoint NOT IN
         (SELECT endpoint FROM push_subscriptions WHERE user_id = ? ORDER BY created_at DESC, endpoint LIMIT ?)`,
    ),
    remove: db.prepare<[string, string]>('DELETE FROM push_subscriptions WHERE user_id = ? AND endpoint = ?'),
    delete: db.prepare<[string]>('DELETE FROM push_subscriptions WHERE endpoint = ?'),
    room: db.prepare<[string], { id: number; kind: string }>('SELECT id, kind FROM rooms WHERE name = ?'),
    targets: db.prepare<{ room: number; sender: string; mentioned: string }, PushTargetRow>(pushTargetsQuery(':room', ':sender', MENTIONED, false)),
    dmTargets: db.prepare<{ room: number; sender: string; mentioned: string }, PushTargetRow>(pushTargetsQuery(':room', ':sender', MENTIONED, true)),
  };
}

export class SqlitePush implements PushStore {
  private readonly statements: ReturnType<typeof prepare>;
  private readonly addTx: (userId: string, s: PushSubscriptionKeys, now: number) => void;
  /** One read transaction for all the asks: one read lock taken and dropped, not two per message. */
  private readonly targetsTx: (asks: readonly PushAsk[]) => PushTarget[][];

  constructor(db: Database.Database) {
    const statements = (this.statements = prepare(db));
    this.addTx = writeTransaction(db, (userId: string, s: PushSubscriptionKeys, now: number) => {
      statements.upsert.run(s.endpoint, userId, s.p256dh, s.auth, now);
      statements.trim.run(userId, userId, MAX_PUSH_SUBSCRIPTIONS_PER_USER);
    });
    this.targetsTx = db.transaction((asks: readonly PushAsk[]) => asks.map((ask) => this.targetsOf(ask))).deferred;
  }

  async vapidKeys(made: VapidKeyPair): Promise<VapidKeyPair> {
    this.statements.keepKey.run('vapid', JSON.stringify(made));
    return JSON.parse((this.statements.key.get('vapid') as { value: string }).value) as VapidKeyPair;
  }

  async addPushSubscription(userId: string, subscription: PushSubscriptionKeys, now: number): Promise<void> {
    this.addTx(userId, subscription, now);
  }

  async removePushSubscription(userId: string, endpoint: string): Promise<boolean> {
    return this.statements.remove.run(userId, endpoint).changes > 0;
  }

  async deletePushSubscription(endpoint: string): Promise<void> {
    this.statements.delete.run(endpoint);
  }

  async pushTargets(asks: readonly PushAsk[]): Promise<PushTarget[][]> {
    return asks.length === 0 ? [] : this.targetsTx(asks);
  }

  private targetsOf({ room, senderId, mentioned }: PushAsk): PushTarget[] {
    const row = this.statements.room.get(room);
    if (!row) return [];
    const statement = row.kind === 'dm' ? this.statements.dmTargets : this.statements.targets;
    return statement.all({ room: row.id, sender: senderId, mentioned: JSON.stringify(mentioned) }).map(toPushTarget);
  }
}
