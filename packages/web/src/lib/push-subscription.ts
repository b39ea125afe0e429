// Turning notifications on and off on this device (issue 19; docs/protocol.md, "Push
// notifications"), only ever because the user asked: the browser's permission, then, for an
// account on a server that sends pushes in a browser that can receive them, a Web Push
// subscription (`pushManager.subscribe` with the server's VAPID key from `api/push/key`) posted to
// `api/push/subscriptions`. Where push is out of reach (a guest, a server without "push", no push
// service, as in a sandbox without a route to one), desktop notifications still come from the open
// page (page-notifications.ts). Plain TypeScript: the bell's menu loads it, and passes in the
// browser's pieces, so tests hand it small objects of their own.
import { loadNotifyPrefs, saveNotifyPref, type StorageLike } from './client-storage.js';

/**
 * What the menu says about this device: `off` (not turned on here), `on` (desktop notifications
 * and push), `page` (desktop notifications while the chat is open only; `reason` says why no push),
 * `blocked` (the browser's permission is denied: only its site settings can undo that), or
 * `unsupported` (no notifications in this browser).
 */
export type DeviceState = 'off' | 'on' | 'page' | 'blocked' | 'unsupported';
/** Why no push: a guest (push is for accounts), the server sends none, this browser cannot receive any, the server refused the subscription. */
export type NoPushReason = 'guest' | 'server' | 'browser' | 'refused';
export interface DeviceStatus {
  state: DeviceState;
  reason?: NoPushReason;
}

export interface PushSubscriptionLike {
  readonly endpoint: string;
  readonly options?: { readonly applicationServerKey?: ArrayBuffer | null };
  toJSON(): { endpoint?: string; keys?: Record<string, string | undefined> };
  unsubscribe(): Promise<boolean>;
}

export interface PushManagerLike {
  getSubscription(): Promise<PushSubscriptionLike | null>;
  subscribe(options: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }): Promise<PushSubscriptionLike>;
}

/** The part of fetch this uses (same-origin requests: the session cookie goes along). */
export type PushFetch = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; credentials?: 'same-origin'; cache?: 'no-store' }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

export interface PushDeps {
  /** The Notification API (`Notification`), or null where the browser has none. */
  notifications: { readonly permission: NotificationPermission; requestPermission(): Promise<NotificationPermission> } | null;
  /** The service worker's registration (service-worker.ts serviceWorkerReady), or null. */
  registration(): Promise<{ readonly pushManager?: PushManagerLike } | null>;
  /** `api/info` lists "push". */
  serverHasPush(): Promise<boolean>;
  /** Signed in to an account (guests get no push: the server answers 401). */
  account: boolean;
  fetch: PushFetch;
  /** A page-relative URL for an API path (urls.ts httpUrl). */
  url(path: string): string;
  storage: StorageLike;
}

/** RFC 8292's key is base64url without padding; pushManager wants its bytes. Throws on anything else. */
export function base64UrlBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function sameBytes(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const view = new Uint8Array(a);
  return view.every((byte, i) => byte === b[i]);
}

async function serverKey(deps: PushDeps): Promise<Uint8Array | null> {
  try {
    const res = await deps.fetch(deps.url('api/push/key'), { cache: 'no-store', credentials: 'same-origin' });
    if (!res.ok) return null;
    const key = (await res.json()) as { publicKey?: unknown };
    return typeof key.publicKey === 'string' ? base64UrlBytes(key.publicKey) : null;
  } catch {
    return null;
  }
}

async function pushManager(deps: PushDeps): Promise<PushManagerLike | null> {
  try {
    return (await deps.registration())?.pushManager ?? null;
  } catch {
    return null;
  }
}

/** A subscription for this server's key: the one held if it has that key, else a new one (a subscription made with another key is dropped first, or subscribe refuses). */
async function subscribe(manager: PushManagerLike, key: Uint8Array): Promise<PushSubscriptionLike> {
  const held = await manager.getSubscription();
  if (held) {
    if (sameBytes(held.options?.applicationServerKey, key)) return held;
    await held.unsubscribe();
  }
  return manager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
}

async function send(deps: PushDeps, method: 'POST' | 'DELETE', body: object): Promise<boolean> {
  try {
    const res = await deps.fetch(deps.url('api/push/subscriptions'), {
      method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** Asks the browser's permission (only now: the user clicked), then subscribes to push where it can. Never rejects. */
export async function enableNotifications(deps: PushDeps): Promise<DeviceStatus> {
  const api = deps.notifications;
  if (!api) return { state: 'unsupported' };
  let permission = api.permission;
  if (permission !== 'granted') {
    try {
      permission = await api.requestPermission();
    } catch {
      permission = api.permission;
    }
  }
  if (permission === 'denied') return { state: 'blocked' };
  if (permission !== 'granted') return { state: 'off' }; // the prompt was dismissed: ask again next time
  saveNotifyPref(deps.storage, 'device', true);
  if (!deps.account) return { state: 'page', reason: 'guest' };
  if (!(await deps.serverHasPush().catch(() => false))) return { state: 'page', reason: 'server' };
  const manager = await pushManager(deps);
  if (!manager) return { state: 'page', reason: 'browser' };
  const key = await serverKey(deps);
  if (!key) return { state: 'page', reason: 'server' };
  let subscription: PushSubscriptionLike;
  try {
    subscription = await subscribe(manager, key);
  } catch {
    // No push service (AbortError "push service error", as in a sandbox), or one that refused.
    return { state: 'page', reason: 'browser' };
  }
  const json = subscription.toJSON();
  const body = { endpoint: json.endpoint ?? subscription.endpoint, keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' } };
  if (await send(deps, 'POST', body)) return { state: 'on' };
  // The server would not take it (a private endpoint, a session gone): no subscription it cannot use.
  await subscription.unsubscribe().catch(() => false);
  return { state: 'page', reason: 'refused' };
}

/**
 * At each connect as an account, with notifications on here and the permission granted: the
 * subscription is posted again (a guest who enabled them and then signed in gets push; a server
 * that dropped it, or changed its key, gets it back). Never prompts; null when there is nothing to renew.
 */
export async function renewSubscription(deps: PushDeps): Promise<DeviceStatus | null> {
  if (!deps.account || deps.notifications?.permission !== 'granted' || !loadNotifyPrefs(deps.storage).device) return null;
  return enableNotifications(deps);
}

/** "Turn off on this device": no desktop notifications from the page, the push subscription dropped here and on the server. Never rejects. */
export async function disableNotifications(deps: PushDeps): Promise<DeviceStatus> {
  saveNotifyPref(deps.storage, 'device', false);
  const manager = await pushManager(deps);
  const subscription = await manager?.getSubscription().catch(() => null);
  if (subscription) {
    if (deps.account) await send(deps, 'DELETE', { endpoint: subscription.endpoint });
    await subscription.unsubscribe().catch(() => false);
  }
  return deps.notifications ? { state: 'off' } : { state: 'unsupported' };
}

/** What the menu shows when it opens, without asking the user anything. Never rejects. */
export async function deviceStatus(deps: PushDeps): Promise<DeviceStatus> {
  const api = deps.notifications;
  if (!api) return { state: 'unsupported' };
  if (api.permission === 'denied') return { state: 'blocked' };
  if (api.permission !== 'granted' || !loadNotifyPrefs(deps.storage).device) return { state: 'off' };
  if (!deps.account) return { state: 'page', reason: 'guest' };
  if (!(await deps.serverHasPush().catch(() => false))) return { state: 'page', reason: 'server' };
  const manager = await pushManager(deps);
  const subscription = await manager?.getSubscription().catch(() => null);
  return subscription ? { state: 'on' } : { state: 'page', reason: 'browser' };
}
