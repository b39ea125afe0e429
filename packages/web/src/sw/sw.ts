// The app's service worker (issue 19), built on its own into dist/sw.js (vite.config.ts, sw-build.ts)
// and registered by lib/service-worker.ts. This file only wires the worker's events to the
// handlers beside it, which take the globals as parameters (and are unit-tested that way).
import { handleNotificationClick } from './click.js';
import type { SwClients, SwNavigator, SwNotification, SwPushData, SwRegistration } from './globals.js';
import { handlePush } from './push.js';
import { assetResponse, dropOldShells, networkFirst, precacheShell, shellRoute, type ShellDeps } from './shell-cache.js';

// Written by the build: the shell's files (relative to the scope) and their hash.
declare const __SW_PRECACHE__: readonly string[];
declare const __SW_VERSION__: string;

interface ExtendableEvent {
  waitUntil(work: Promise<unknown>): void;
}
interface Worker {
  registration: SwRegistration;
  clients: SwClients;
  navigator: SwNavigator;
  caches: CacheStorage;
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'push', listener: (event: ExtendableEvent & { data: SwPushData | null }) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: ExtendableEvent & { notification: SwNotification }) => void): void;
  addEventListener(type: 'fetch', listener: (event: { request: Request; respondWith(r: Promise<Response>): void }) => void): void;
}

const worker = self as unknown as Worker;
const shell = (): ShellDeps => ({ caches: worker.caches, fetch: (r) => fetch(r), scope: worker.registration.scope });

worker.addEventListener('install', (event) => {
  // A new deployment's worker takes over at once (skipWaiting, then claim on activate): its
  // cache matches the page the server now sends.
  event.waitUntil(precacheShell(shell(), __SW_VERSION__, __SW_PRECACHE__).then(() => worker.skipWaiting()));
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(dropOldShells(shell(), __SW_VERSION__).then(() => worker.clients.claim()));
});

worker.addEventListener('fetch', (event) => {
  const route = shellRoute(event.request, worker.registration.scope, __SW_PRECACHE__);
  if (route === 'page' || route === 'shell') event.respondWith(networkFirst(event.request, shell(), __SW_VERSION__, route));
  else if (route === 'asset') event.respondWith(assetResponse(event.request, shell(), __SW_VERSION__));
});

worker.addEventListener('push', (event) => {
  event.waitUntil(handlePush(event.data, { clients: worker.clients, registration: worker.registration, navigator: worker.navigator }));
});

worker.addEventListener('notificationclick', (event) => {
  event.waitUntil(handleNotificationClick(event.notification, { clients: worker.clients, registration: worker.registration }));
});
