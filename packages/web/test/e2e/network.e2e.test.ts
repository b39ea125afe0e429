// A lost network in real Chromium: the header stops saying "Connected" as soon as the browser
// reports the network gone (its `offline` event), without waiting for the socket's close event,
// which Chromium delivers only once the network is back; when the network returns the page
// reconnects, and a message written meanwhile reaches the others exactly once (docs/protocol.md,
// "Idempotent resend").
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import type { JoinedFrame } from '@chat/protocol';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, NETWORK_NOISE, openPage, poll, raw, say, server, useBrowser, waitOnline } from './people.js';

const available = browserAvailable();

/** Chromium's own console lines for requests refused while offline. */
const OFFLINE_NOISE = /ERR_INTERNET_DISCONNECTED|ERR_NAME_NOT_RESOLVED/;

describe.skipIf(!available)('a lost network in Chromium', () => {
  useBrowser();

  it('shows not connected as soon as the network is lost, reconnects when it returns, and delivers the message written offline once', async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const bob = await raw(s.wsUrl({ nick: 'bob' }));
    await bob.request<JoinedFrame>({ type: 'join', room: 'lobby' });
    await say(alice.page, 'before the network went');
    await poll(() => bubble(alice.page, 'before the network went').getAttribute('data-status')).toBe('sent');

    const status = alice.page.getByTestId('connection-status');
    expect(await status.getAttribute('data-state')).toBe('online');
    await alice.context.setOffline(true);
    // The open socket may well go on working under the emulation: only the `offline` event can
    // tell the page, and the status must follow it.
    await alice.page.waitForSelector('[data-testid="connection-status"]:not([data-state="online"])', { state: 'attached', timeout: 5_000 });
    expect(await status.innerText()).not.toContain('Connected');

    const offlineText = 'alice wrote this with the network gone';
    await say(alice.page, offlineText);
    await bubble(alice.page, offlineText).waitFor();

    await alice.context.setOffline(false);
    await waitOnline(alice.page, 20_000);
    expect(await status.innerText()).toContain('Connected');
    await poll(() => bubble(alice.page, offlineText).getAttribute('data-status'), 20_000).toBe('sent');

    const seen = () => bob.frames.filter((f) => f.type === 'message' && f.text === offlineText).length;
    await poll(seen).toBe(1);
    // Nothing doubled: the server's history holds it once, and so does the page.
    const checker = await raw(s.wsUrl({ nick: 'checker' }));
    const joined = await checker.request<JoinedFrame>({ type: 'join', room: 'lobby' });
    expect(joined.history.filter(isMessage).map((m) => m.text)).toEqual(['before the network went', offlineText]);
    expect(seen()).toBe(1);
    expect(await bubble(alice.page, offlineText).count()).toBe(1);
    expect(alice.errors.filter((e) => !NETWORK_NOISE.test(e) && !OFFLINE_NOISE.test(e))).toEqual([]);
  }, 60_000);
});
