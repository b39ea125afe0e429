// The app's service worker (issue 19): registered beside the page (`./sw.js`, scope `./`), so it
// works under any prefix such as /wsline/. Nothing is registered where the browser has no
// service workers (plain HTTP on another host than localhost); the app then works without.
// (Interface fixed for issue 19; the PWA work fills in registration details.)

let registration: Promise<ServiceWorkerRegistration | null> | null = null;

/** Registers the service worker once; later calls return the same promise. */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (registration) return registration;
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return (registration = Promise.resolve(null));
  registration = navigator.serviceWorker.register('./sw.js', { scope: './' }).catch(() => null);
  return registration;
}

/** The active registration (for push subscriptions), or null without service workers. */
export async function serviceWorkerReady(): Promise<ServiceWorkerRegistration | null> {
  if ((await registerServiceWorker()) === null) return null;
  return navigator.serviceWorker.ready;
}
