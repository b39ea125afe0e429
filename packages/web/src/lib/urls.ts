// Every URL is derived from the page's own location, never from an absolute path, so the app works
// behind a reverse proxy that serves it under a prefix (the tutorial's nginx `location /wsline/`).
import { ROOM_NAME } from '@chat/protocol';

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

/**
 * A message's permalink (Version 1.1, issue 16): this page's own URL, whatever prefix it is served
 * under, with a fragment naming the room and the message's seq. A fragment never reaches the
 * server, so the link works however the page itself is reached.
 */
export function permalink(pageHref: string, room: string, seq: number): string {
  const url = new URL(pageHref);
  url.hash = permalinkHash(room, seq);
  return url.href;
}

/** A permalink's fragment without its `#` (`room=R&seq=S`): what parsePermalink reads back. */
export function permalinkHash(room: string, seq: number): string {
  return `room=${encodeURIComponent(room)}&seq=${seq}`;
}

/** The room and seq of a permalink's fragment (`#room=R&seq=S`), or null for any other fragment. */
export function parsePermalink(hash: string): { room: string; seq: number } | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const room = params.get('room');
  const seq = Number(params.get('seq'));
  if (!room || !ROOM_NAME.test(room) || !Number.isSafeInteger(seq) || seq < 1) return null;
  return { room, seq };
}
