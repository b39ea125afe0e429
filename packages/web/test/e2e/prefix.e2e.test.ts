// The tutorial deploys behind nginx `location /wsline/ { proxy_pass http://backend/; … }`, which
// strips the prefix. A tiny proxy that does the same (HTTP and WebSocket upgrade, Host passed
// through as nginx's `proxy_set_header Host $http_host`) shows the page, its assets and its
// WebSocket all work under /wsline/ (real nginx: packages/server/test/deploy).
import { isMessage } from '@chat/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { JoinedFrame } from '@chat/protocol';
import { browserAvailable } from './browser.js';
import { PREFIX, prefixProxy } from './prefix-proxy.js';
import { bubble, enterChat, openPage, poll, raw, say, server, useBrowser } from './people.js';

const available = browserAvailable();

let closeProxy: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeProxy?.();
  closeProxy = undefined;
});

describe.skipIf(!available)('under a proxy path prefix', () => {
  useBrowser();

  it('serves the page, its assets and the WebSocket under /wsline/', async () => {
    const s = await server();
    const proxy = await prefixProxy(s.port);
    closeProxy = proxy.close;
    const person = await openPage(`http://127.0.0.1:${proxy.port}${PREFIX}`);
    await enterChat(person, 'behind-nginx');
    await say(person.page, 'hello through the prefix');
    await poll(() => bubble(person.page, 'hello through the prefix').getAttribute('data-status')).toBe('sent');
    // The message really went through the server (seen by a direct client).
    const direct = await raw(s.wsUrl({ nick: 'direct' }));
    const joined = await direct.request<JoinedFrame>({ type: 'join', room: 'lobby' });
    expect(joined.history.filter(isMessage).map((m) => m.text)).toContain('hello through the prefix');
    // Every request the page made stayed under the prefix: assets and the socket alike.
    expect(proxy.requests.some((r) => r.startsWith(`UPGRADE ${PREFIX}ws?`))).toBe(true);
    expect(proxy.requests.some((r) => r.startsWith(`GET ${PREFIX}assets/`))).toBe(true);
    expect(proxy.requests.filter((r) => !r.includes(PREFIX))).toEqual([]);
    expect(person.errors).toEqual([]);
  });
});
