// Web Push (docs/protocol.md, "Push notifications"): the server's VAPID key pair, kept with the
// data so that every node of a cluster and every restart signs with the same key (browsers bind a
// subscription to the key it was made with), and each account's push subscriptions: one per
// browser, keyed by its endpoint.

export interface VapidKeyPair {
  /** base64url of the uncompressed P-256 point (65 bytes). */
  publicKey: string;
  /** base64url of the private scalar (32 bytes). */
  privateKey: string;
}

/** A browser's PushSubscription: where to send, and the keys to encrypt for (RFC 8291). */
export interface PushSubscriptionKeys {
  endpoint: string;
  /** base64url of the browser's P-256 public key (65 bytes). */
  p256dh: string;
  /** base64url of the 16-byte authentication secret. */
  auth: string;
}

/** A subscription that should hear of a message, and why. */
export interface PushTarget extends PushSubscriptionKeys {
  userId: string;
  /** The room is a DM. */
  dm: boolean;
  /** The message mentions this user. */
  mention: boolean;
}

/** A new message's push question: in which room, from whom, mentioning whom (user ids). */
export interface PushAsk {
  room: string;
  senderId: string;
  mentioned: readonly string[];
}

/** Subscriptions one account keeps (browsers and devices); a new one beyond this replaces the oldest. */
export const MAX_PUSH_SUBSCRIPTIONS_PER_USER = 10;

export interface PushStore {
  /**
   * The stored key pair; the first call stores `made` (a cluster's nodes starting together agree
   * on the first one stored) and every later one returns that.
   */
  vapidKeys(made: VapidKeyPair): Promise<VapidKeyPair>;

  /**
   * Keeps a subscription for the user. An endpoint is one browser profile: subscribing it again
   * (even as another account, after signing out and in) replaces what was stored for it. The
   * user's oldest beyond MAX_PUSH_SUBSCRIPTIONS_PER_USER are removed.
   */
  addPushSubscription(userId: string, subscription: PushSubscriptionKeys, now: number): Promise<void>;

  /** Removes the user's subscription at this endpoint; false if they had none there. */
  removePushSubscription(userId: string, endpoint: string): Promise<boolean>;

  /** Removes a subscription whoever holds it (the push service said it is gone: 404, 410). */
  deletePushSubscription(endpoint: string): Promise<void>;

  /**
   * For each message, the subscriptions of the room's members (their stored room list) other than
   * the sender whose notify level asks for it: `all` (a DM's default), or `mentions` (other rooms'
   * default) when `mentioned` holds them; never `none`. Several messages at once, because each
   * SQLite read outside a transaction pays for taking and dropping its read lock: one message at a
   * time, that was 15 % of the server's CPU in the `rooms` benchmark.
   */
  pushTargets(asks: readonly PushAsk[]): Promise<PushTarget[][]>;
}
