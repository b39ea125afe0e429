// Web Push as app.ts starts it: the VAPID key pair (VAPID_* settings, else made once and kept in
// the database, so restarts and a cluster's nodes sign alike), the endpoint guard, the sender and
// the notifier the hub tells of new messages.
import webpush from 'web-push';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Presence } from '../presence/presence.js';
import type { Store, VapidKeyPair } from '../store/store.js';
import { EndpointGuard } from './endpoint-guard.js';
import { PushNotifier } from './push-notifier.js';
import { PushSender } from './push-sender.js';

export interface PushService {
  publicKey: string;
  guard: EndpointGuard;
  notifier: PushNotifier;
  stop(): Promise<void>;
}

export interface PushServiceOptions {
  config: Pick<Config, 'vapidPublicKey' | 'vapidPrivateKey' | 'vapidSubject' | 'pushAllowPrivateEndpoints'>;
  store: Store;
  presence: Presence;
  metrics?: Metrics;
  log: { warn(obj: object, msg: string): void };
}

export async function openPush({ config, store, presence, metrics, log }: PushServiceOptions): Promise<PushService> {
  const keys: VapidKeyPair =
    config.vapidPublicKey !== null && config.vapidPrivateKey !== null
      ? { publicKey: config.vapidPublicKey, privateKey: config.vapidPrivateKey }
      : await store.vapidKeys(webpush.generateVAPIDKeys());
  const guard = new EndpointGuard(config.pushAllowPrivateEndpoints);
  const sender = new PushSender({ store, guard, vapid: { ...keys, subject: config.vapidSubject }, log, metrics });
  const notifier = new PushNotifier({ store, presence, send: (job) => sender.enqueue(job), log });
  return {
    publicKey: keys.publicKey,
    guard,
    notifier,
    async stop() {
      await notifier.stop();
      await sender.stop();
      guard.close();
    },
  };
}
