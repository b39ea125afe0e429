// The app's service worker (issue 19): registered beside the page (`./sw.js`, scope `./`), so it
// works under any prefix such as /wsline/. Nothing is registered where the browser has no
// service workers (plain HTTP on another host than localhost); the app then works without.
// The worker itself is src/sw/ (built into dist/sw.js); this is the page's side of it.
import { permalinkHash } from './urls.js';

let registration: Promise<ServiceWorkerRegistration | null> | null = null;

/** Registers the service worker once; later calls return the same promise. */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (registration) return registration;
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return (registration = Promise.resolve(null));
  // Resolved against the page, not this chunk (which lives in assets/): sw.js sits beside index.html.
  registration = navigator.serviceWorker.register('sw.js', { scope: './' }).catch(() => null);
  return registration;
}

/** The active registration (for push subscriptions), or null without service workers. */
export async function serviceWorkerReady(): Promise<ServiceWorkerRegistration | null> {
  if ((await registerServiceWorker()) === null) return null;
  return navigator.serviceWorker.ready;
}

/**
 * Registers the worker (main.ts calls this once the page has loaded: its install fetches the app
 * shell, which must not compete with the first paint), and follows its `open-message` (a
 * notification clicked while this window was open) by turning it into the page's own permalink,
 * which message-ui.ts's followPermalinks opens.
 */
export function startServiceWorker(): void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<unknown>) => {
    const m = event.data as { type?: unknown; room?: unknown; seq?: unknown } | null;
    if (m?.type !== 'open-message' || typeof m.room !== 'string' || typeof m.seq !== 'number' || !Number.isSafeInteger(m.seq)) return;
    location.hash = permalinkHash(m.room, m.seq);
  });
  void registerServiceWorker();
}
