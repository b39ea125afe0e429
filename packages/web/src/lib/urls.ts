// Every URL is derived from the page's own location, never from an absolute path, so the app works
// behind a reverse proxy that serves it under a prefix (the tutorial's nginx `location /wsline/`).

/** The WebSocket endpoint beside the page: http://host/wsline/ -> ws://host/wsline/ws (wss on https). */
export function webSocketUrl(pageHref: string, query: Record<string, string> = {}): string {
  const url = new URL('ws', pageHref);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.search = new URLSearchParams(query).toString();
  return url.href;
}

/** An HTTP path beside the page (e.g. "healthz"). */
export function httpUrl(pageHref: string, path: string): string {
  const url = new URL(path, pageHref);
  url.hash = '';
  return url.href;
}
