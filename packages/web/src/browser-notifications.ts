// The browser's side of notifications (issue 19): the part of chat.ts's wiring that only matters
// once notifications or the sound are turned on, so it is loaded by a dynamic import() then (or
// when the bell's menu opens) and costs the first load nothing. lib/page-notifications.ts and
// lib/push-subscription.ts hold the rules; this hands them the real Notification, AudioContext,
// service worker, fetch and localStorage.
import type { ChatMessage } from '@chat/protocol';
import type { ChatState, RoomState } from './lib/chat-state.js';
import { loadNotifyPrefs } from './lib/client-storage.js';
import { PageNotifications, playTone, type PageNotification, type ToneContext } from './lib/page-notifications.js';
import type { PushDeps } from './lib/push-subscription.js';

export { deviceStatus, disableNotifications, enableNotifications, renewSubscription } from './lib/push-subscription.js';
import { serviceWorkerReady } from './lib/service-worker.js';
import { httpUrl, permalinkHash } from './lib/urls.js';

const notificationApi = (): typeof Notification | null => (typeof Notification === 'undefined' ? null : Notification);

/** The service worker's registration, or null if it is not there within 5 s (a worker that never activates). */
function registration(): Promise<ServiceWorkerRegistration | null> {
  return Promise.race([serviceWorkerReady().catch(() => null), new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000))]);
}

/** What lib/push-subscription.ts needs, from this page. */
export function pushDeps(account: boolean, serverHasPush: () => boolean): PushDeps {
  return {
    notifications: notificationApi(),
    registration: registration as PushDeps['registration'],
    serverHasPush: async () => serverHasPush(),
    account,
    fetch: (url, init) => fetch(url, init),
    url: (path) => httpUrl(location.href, path),
    storage: localStorage,
  };
}

/** Clicking a notification brings this window forward at the message (message-ui.ts followPermalinks follows the hash). */
function openAt(room: string, seq: number): void {
  window.focus();
  location.hash = permalinkHash(room, seq);
}

function show(n: PageNotification): void {
  const options = { body: n.body, tag: n.tag, data: n.data };
  try {
    const shown = new Notification(n.title, options);
    shown.onclick = () => {
      openAt(n.data.room, n.data.seq);
      shown.close();
    };
  } catch {
    // Chrome on Android has no Notification constructor in a page: the service worker shows it,
    // and its click handling reads `data` like a push's body.
    void registration()
      .then((reg) => reg?.showNotification(n.title, options))
      .catch(() => {});
  }
}

let audio: AudioContext | null = null;

/** The notification tone; one AudioContext for the page, made at the first tone. */
export function tone(): void {
  try {
    audio ??= new AudioContext();
    playTone(audio as unknown as ToneContext);
  } catch {
    // no WebAudio: no sound
  }
}

/** The page's notifier, fed by ChatClient's onLive. */
export function pageNotifications(state: ChatState): { live(room: RoomState, message: ChatMessage): unknown } {
  return new PageNotifications({
    state,
    hidden: () => document.visibilityState === 'hidden',
    prefs: () => loadNotifyPrefs(localStorage),
    permission: () => notificationApi()?.permission ?? null,
    show,
    tone,
  });
}
