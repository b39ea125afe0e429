// The one ChatClient of the page, on Vue-reactive state, wired to the browser: the WebSocket URL
// from the page's location, localStorage, visibility and online events, the tab title; and the
// account API (sign-in, sign-out) that decides how the client connects.
import { computed, reactive, watch, watchEffect } from 'vue';
import type { ChatMessage, User } from '@chat/protocol';
import { AccountApi, type ApiFailure, type AuthMode, type FetchLike } from './lib/account-api.js';
import { ChatClient, initialState, type ChatState, type RoomState, type SocketLike } from './lib/chat-client.js';
import { loadNotifyPrefs } from './lib/client-storage.js';
import { shownCount } from './lib/read-state.js';
import { httpUrl, webSocketUrl } from './lib/urls.js';
import { t } from './i18n.js';

const state = reactive(initialState()) as ChatState;

export const api = new AccountApi(
  (path) => httpUrl(location.href, path),
  (url, init) => fetch(url, init) as ReturnType<FetchLike>,
);

export const client = new ChatClient({
  state,
  openSocket: (query, protocols) => new WebSocket(webSocketUrl(location.href, query), protocols) as unknown as SocketLike,
  serverIsUp: async () => {
    try {
      return (await fetch(httpUrl(location.href, 'healthz'), { cache: 'no-store' })).ok;
    } catch {
      return false;
    }
  },
  storage: localStorage,
  accounts: {
    sessionValid: async () => {
      try {
        return (await api.me()) !== null;
      } catch {
        return null;
      }
    },
    guestsAllowed: async () => {
      try {
        const allowed = (await api.info()).allowGuests;
        state.allowGuests = allowed;
        return allowed;
      } catch {
        return null;
      }
    },
    nickAvailable: (nick) => api.checkNick(nick),
    rooms: () => api.rooms(),
    myRooms: (guestToken) => api.myRooms(guestToken),
  },
  onLive: (room, message) => notifyLive(room, message),
});

export const chat = client.state;

/** Where "Compact messages" is kept: a preference of this browser, kept across sign-outs. */
const COMPACT_KEY = 'chat.compact';

/** Page state that is no business of the protocol client. */
export const ui = reactive({
  /** "Compact messages" from the user menu: denser rows (a class on the page, styles.css). */
  compact: typeof localStorage !== 'undefined' && localStorage.getItem(COMPACT_KEY) === '1',
  /** A guest opened "Sign in / register" from the user menu (the chat keeps running behind it). */
  authOpen: false,
  /** Which form the welcome screen shows first. */
  authMode: 'signin' as AuthMode,
  /** `api/info` lists "files" (Version 1.1): its upload limits; null without uploads, or until known. */
  uploads: null as { maxBytes: number | null; guests: boolean } | null,
  /** `api/info` lists "search" (Version 1.1, issue 18): the header offers message search. */
  search: false,
  /** `api/info` lists "push" (issue 19): the server sends Web Push to this account's subscriptions. */
  push: false,
});

/** `api/info`: whether guests may enter, files may be sent, messages searched (unreachable: as it was). */
async function loadInfo(): Promise<void> {
  try {
    const info = await api.info();
    chat.allowGuests = info.allowGuests;
    ui.uploads = info.features.includes('files') ? { maxBytes: info.maxUploadBytes, guests: info.guestUploads } : null;
    ui.search = info.features.includes('search');
    ui.push = info.features.includes('push');
  } catch {
    // the server is down: the next connect asks again
  }
}

export function setCompact(on: boolean): void {
  ui.compact = on;
  try {
    if (on) localStorage.setItem(COMPACT_KEY, '1');
    else localStorage.removeItem(COMPACT_KEY);
  } catch {
    // storage full or refused: the choice lasts for this page
  }
}

/** The reader's names as an `@name` in a message would say them (lowercased): an account's nick is its username. */
export const myNames = computed(() => (chat.me ? [chat.me.nick.toLowerCase()] : []));

export const totalUnread = computed(() => [...chat.rooms.values()].reduce((n, room) => n + room.unread, 0));

/** Registers or signs in; on success the client connects as the account. */
export async function authenticate(mode: AuthMode, username: string, password: string): Promise<ApiFailure | null> {
  const result = mode === 'register' ? await api.register(username, password) : await api.signIn(username, password);
  if (!result.ok) return result.failure;
  signedInAs(result.value);
  return null;
}

function signedInAs(user: User): void {
  ui.authOpen = false;
  client.signedIn(user);
}

/** The browser's side of notifications, loaded when first needed (browser-notifications.ts). */
export const browserNotifications = () => import('./browser-notifications.js');
let notifier: Promise<{ live(room: RoomState, message: ChatMessage): unknown } | null> | null = null;

/** A live message while the tab is hidden, with notifications or the sound on here: the page notifies. */
function notifyLive(room: RoomState, message: ChatMessage): void {
  if (document.visibilityState !== 'hidden') return;
  const prefs = loadNotifyPrefs(localStorage);
  if (!prefs.device && !prefs.sound) return;
  notifier ??= browserNotifications()
    .then((m) => m.pageNotifications(chat))
    .catch(() => (notifier = null)); // a failed load (a new deployment) is tried again at the next message
  void notifier.then((n) => n?.live(room, message));
}

/** Signs out on the server, then forgets this user on the page: back to the welcome screen. */
export async function signOut(): Promise<void> {
  // The push subscription is the account's: it goes first, while the session can still delete it.
  if (loadNotifyPrefs(localStorage).device) {
    await browserNotifications()
      .then((m) => m.disableNotifications(m.pushDeps(chat.account, () => ui.push)))
      .catch(() => {});
  }
  await api.signOut();
  client.signedOut();
}

const ROOMS_REFRESH_MS = 60_000;
let lastRefresh = 0;

/** New invitations and DMs show up in the sidebar: on connect, when the tab comes back, each minute. */
function refreshRooms(): void {
  if (!chat.account || chat.status !== 'online') return;
  if (Date.now() - lastRefresh < 5_000) return;
  lastRefresh = Date.now();
  void client.refreshRooms();
}

/** Connects, and keeps the connection and the tab title in step with the browser. */
export function startChat(): void {
  // Asked again at each connect: a page loaded while the server was down learns it then, and a
  // restarted (or upgraded) server may have turned uploads or search on or off.
  void loadInfo();
  watch(
    () => chat.status,
    (status) => void (status === 'online' && loadInfo()),
  );
  // Notifications on here: an account's push subscription is renewed at each connect (see renewSubscription).
  watch(
    () => chat.status === 'online' && chat.account && ui.push,
    (ready) => {
      if (!ready || !loadNotifyPrefs(localStorage).device) return;
      void browserNotifications()
        .then((m) => m.renewSubscription(m.pushDeps(true, () => ui.push)))
        .catch(() => {});
    },
  );
  client.start();
  // A page that was signed in connects with its cookie at once; api/me confirms the session (a
  // guest is not asked: a 401 would be an error in the console on every visit).
  if (chat.account) {
    void api
      .me()
      .then((user) => {
        if (user === null) client.signedOut('session_expired');
        else client.signedIn(user);
      })
      .catch(() => {}); // unreachable: the socket retries, and asks again if refused
  }
  const onVisibility = () => {
    client.setHidden(document.visibilityState === 'hidden');
    if (document.visibilityState === 'visible') {
      client.wake();
      refreshRooms();
    }
  };
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('online', () => client.wake());
  // The open socket's close event would come only when the network returns.
  window.addEventListener('offline', () => client.networkLost());
  window.addEventListener('focus', () => {
    client.wake();
    refreshRooms();
  });
  setInterval(() => {
    if (!chat.hidden) refreshRooms();
  }, ROOMS_REFRESH_MS);
  onVisibility();
  watchEffect(() => {
    const unread = totalUnread.value;
    document.title = chat.hidden && unread > 0 ? `(${shownCount(unread)}) ${t('appTitle')}` : t('appTitle');
  });
  // The installed app's badge (the service worker sets it from a push's `unread` while no page is
  // open) follows what the page counts, and clears as messages are read. It takes a number, which
  // the platform draws as it will; the title shows 99+ above 99.
  watch(totalUnread, (unread) => {
    const badge = navigator as Navigator & { setAppBadge?: (n: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
    void (unread > 0 ? badge.setAppBadge?.(unread) : badge.clearAppBadge?.())?.catch(() => {});
  });
}
