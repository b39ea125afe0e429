// The one ChatClient of the page, on Vue-reactive state, wired to the browser: the WebSocket URL
// from the page's location, localStorage, visibility and online events, the tab title.
import { computed, reactive, watchEffect } from 'vue';
import { ChatClient, initialState, type ChatState, type SocketLike } from './lib/chat-client.js';
import { httpUrl, webSocketUrl } from './lib/urls.js';
import { t } from './i18n.js';

const state = reactive(initialState()) as ChatState;

export const client = new ChatClient({
  state,
  openSocket: (query) => new WebSocket(webSocketUrl(location.href, query)) as unknown as SocketLike,
  serverIsUp: async () => {
    try {
      return (await fetch(httpUrl(location.href, 'healthz'), { cache: 'no-store' })).ok;
    } catch {
      return false;
    }
  },
  storage: localStorage,
});

export const chat = client.state;

export const totalUnread = computed(() => Object.values(chat.rooms).reduce((n, room) => n + room.unread, 0));

/** Connects, and keeps the connection and the tab title in step with the browser. */
export function startChat(): void {
  client.start();
  const onVisibility = () => {
    client.setHidden(document.visibilityState === 'hidden');
    if (document.visibilityState === 'visible') client.wake();
  };
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('online', () => client.wake());
  window.addEventListener('focus', () => client.wake());
  onVisibility();
  watchEffect(() => {
    const unread = totalUnread.value;
    document.title = chat.hidden && unread > 0 ? `(${unread}) ${t('appTitle')}` : t('appTitle');
  });
}
