// The one ChatClient of the page, on Vue-reactive state, wired to the browser: the WebSocket URL
// from the page's location, localStorage, visibility and online events, the tab title; and the
// account API (sign-in, sign-out) that decides how the client connects.
import { computed, reactive, watch, watchEffect } from 'vue';
import type { User } from '@chat/protocol';
import { AccountApi, type ApiFailure, type AuthMode, type FetchLike } from './lib/account-api.js';
import { ChatClient, initialState, type ChatState, type SocketLike } from './lib/chat-client.js';
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
});

/** `api/info`: whether guests may enter, files may be sent, messages searched (unreachable: as it was). */
async function loadInfo(): Promise<void> {
  try {
    const info = await api.info();
    chat.allowGuests = info.allowGuests;
    ui.uploads = info.features.includes('files') ? { maxBytes: info.maxUploadBytes, guests: info.guestUploads } : null;
    ui.search = info.features.includes('search');
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

/** Signs out on the server, then forgets this user on the page: back to the welcome screen. */
export async function signOut(): Promise<void> {
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
    document.title = chat.hidden && unread > 0 ? `(${unread}) ${t('appTitle')}` : t('appTitle');
  });
}
