// The app shell offline (issue 19): the page, its initial script and stylesheet, the manifest and
// the icons are cached at install, so that with the server unreachable the app still opens and
// shows its own "offline" status rather than the browser's error page.
//   - Navigations to the app's page, and the manifest and icons: network first (a new deployment
//     is seen at once), the cached copy when the network fails or a proxy answers for a server
//     that is down (5xx).
//   - ./assets/*: hashed names, so a cached copy is never stale: cache first, and lazy chunks are
//     added as they are first loaded.
//   - Everything else, the API, the WebSocket, healthz and files above all, is left to the
//     network untouched: never answered from, nor stored in, the cache.

export interface ShellDeps {
  caches: CacheStorage;
  fetch: (request: Request | string) => Promise<Response>;
  /** The registration's scope: every path below is relative to it. */
  scope: string;
}

const PREFIX = 'chat-shell-';

/** One cache per build (the build's hash of the shell's files), so a deployment starts afresh. */
export const shellCacheName = (version: string): string => `${PREFIX}${version}`;

/** Stores the shell's files (paths relative to the scope, './' being the page). */
export async function precacheShell(deps: ShellDeps, version: string, files: readonly string[]): Promise<void> {
  const cache = await deps.caches.open(shellCacheName(version));
  // Past the HTTP cache: a page cached by the browser before a deployment must not be taken in.
  await cache.addAll(files.map((f) => new Request(new URL(f, deps.scope).href, { cache: 'reload' })));
}

/** Deletes the caches of earlier builds (ours only: other caches of the origin are not ours). */
export async function dropOldShells(deps: Pick<ShellDeps, 'caches'>, version: string): Promise<void> {
  const keep = shellCacheName(version);
  const names = await deps.caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== keep).map((n) => deps.caches.delete(n)));
}

/**
 * How a request is answered: 'page' (the app's page) and 'shell' (the manifest, the icons: the
 * other precached files) network first, 'asset' cache first, null by the network alone.
 */
export function shellRoute(
  request: Pick<Request, 'method' | 'url' | 'mode'>,
  scope: string,
  precached: readonly string[] = [],
): 'page' | 'shell' | 'asset' | null {
  if (request.method !== 'GET' || !request.url.startsWith(scope)) return null;
  const path = new URL(request.url).pathname.slice(new URL(scope).pathname.length);
  // The page itself only: a navigation to anything else in the scope (a file under api/files/
  // opened in a tab) is the server's to answer, and must never get the page instead.
  if (request.mode === 'navigate') return path === '' || path === 'index.html' ? 'page' : null;
  if (path.startsWith('assets/')) return 'asset';
  return path !== '' && precached.includes(`./${path}`) ? 'shell' : null;
}

/** A response worth storing: complete, from this origin, and not a redirect. */
const storable = (r: Response) => r.ok && r.status === 200 && r.type === 'basic' && !r.redirected;

/**
 * The page (under the scope's own URL, however it was asked for) or another file of the shell
 * (under its URL): from the network, the cached copy refreshed; the cached copy when offline.
 */
export async function networkFirst(request: Request, deps: ShellDeps, version: string, route: 'page' | 'shell'): Promise<Response> {
  const cache = await deps.caches.open(shellCacheName(version));
  const url = new URL(route === 'page' ? './' : request.url, deps.scope);
  url.search = '';
  url.hash = '';
  const key = url.href;
  let response: Response;
  try {
    response = await deps.fetch(request);
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
  if (storable(response)) await cache.put(key, response.clone());
  // Behind nginx a stopped server is a 502 (504 when it hangs), not a network error: the same
  // offline for the user.
  if (response.status >= 500) return (await cache.match(key)) ?? response;
  return response;
}

/** A hashed asset: the cached copy, or the network's, stored for next time. */
export async function assetResponse(request: Request, deps: ShellDeps, version: string): Promise<Response> {
  const cache = await deps.caches.open(shellCacheName(version));
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await deps.fetch(request);
  if (storable(response)) await cache.put(request, response.clone());
  return response;
}
