// PostgreSQL's PushStore: the VAPID key pair in server_keys, subscriptions in push_subscriptions.
import { MAX_PUSH_SUBSCRIPTIONS_PER_USER, type PushAsk, type PushStore, type PushSubscriptionKeys, type PushTarget, type VapidKeyPair } from '../push-store.js';
import { pushTargetsQuery, type PushTargetRow, toPushTarget } from '../rows.js';
import type { Int8, PgDatabase } from './pg-database.js';

export class PgPush implements PushStore {
  constructor(private readonly db: PgDatabase) {}

  async vapidKeys(made: VapidKeyPair): Promise<VapidKeyPair> {
    // Nodes starting together: each offers its pair, the first stored wins, all read it back.
    await this.db.query("INSERT INTO server_keys (name, value) VALUES ('vapid', $1) ON CONFLICT (name) DO NOTHING", [JSON.stringify(made)]);
    const [row] = await this.db.rows<{ value: string }>("SELECT value FROM server_keys WHERE name = 'vapid'");
    return JSON.parse((row as { value: string }).value) as VapidKeyPair;
  }

  async addPushSubscription(userId: string, s: PushSubscriptionKeys, now: number): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query(
        `INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at`,
        [s.endpoint, userId, s.p256dh, s.auth, now],
      );
      await client.query(
        `DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint NOT IN
           (SELECT endpoint FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, endpoint LIMIT $2)`,
        [userId, MAX_PUSH_SUBSCRIPTIONS_PER_USER],
      );
    });
  }

  async removePushSubscription(userId: string, endpoint: string): Promise<boolean> {
    return ((await this.db.query('DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2', [userId, endpoint])).rowCount ?? 0) > 0;
  }

  async deletePushSubscription(endpoint: string): Promise<void> {
    await this.db.query('DELETE FROM push_subscriptions WHERE endpoint = $1', [endpoint]);
  }

  async pushTargets(asks: readonly PushAsk[]): Promise<PushTarget[][]> {
    const targets: PushTarget[][] = [];
    for (const ask of asks) targets.push(await this.targetsOf(ask));
    return targets;
  }

  private async targetsOf({ room, senderId, mentioned }: PushAsk): Promise<PushTarget[]> {
    const [found] = await this.db.rows<{ id: Int8; kind: string }>('SELECT id, kind FROM rooms WHERE name = $1', [room]);
    if (!found) return [];
    const rows = await this.db.rows<PushTargetRow>(pushTargetsQuery('$1', '$2', 'ur.user_id = ANY($3::text[])', found.kind === 'dm'), [found.id, senderId, mentioned]);
    return rows.map(toPushTarget);
  }
}
