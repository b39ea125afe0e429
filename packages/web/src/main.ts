import { createApp } from 'vue';
import App from './App.vue';
import { startChat } from './chat.js';
import { locale } from './i18n.js';
import { followPermalinks } from './message-ui.js';
import './styles.css';

document.documentElement.lang = locale.value;
createApp(App).mount('#app');
startChat();
followPermalinks();
// The service worker (issue 19) after the page has loaded: not needed for the first paint, so
// neither is its code (a chunk of its own, off the initial bundle's budget).
// Opened offline from the cache before the worker had cached its chunk: the app runs without it.
const serviceWorker = () =>
  void import('./lib/service-worker.js').then(
    (m) => m.startServiceWorker(),
    () => {},
  );
if (document.readyState === 'complete') serviceWorker();
else window.addEventListener('load', serviceWorker, { once: true });
