// The installable app under the /wsline/ prefix (issue 19), in real Chromium: the manifest is
// linked and served with its icons, the service worker registers with the prefix as its scope and
// controls the page after a reload, and with the server stopped (nginx then answers 502) and
// then with the proxy gone too (connection refused) a reload still opens the app from its cache,
// showing its own connection status rather than the browser's error page. A push delivered to the
// worker (through the DevTools protocol: no push service here) shows its notification, and the
// worker's `open-message` makes the page open the room at that message.
import type { AckFrame } from '@chat/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { browserAvailable } from './browser.js';
import { PREFIX, prefixProxy } from './prefix-proxy.js';
import { bubble, connectionState, enterChat, NETWORK_NOISE, openPage, poll, raw, server, useBrowser } from './people.js';

const available = browserAvailable();

let closeProxy: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeProxy?.();
  closeProxy = undefined;
});

interface Manifest {
  name: string;
  short_name: string;
  start_url: string;
  scope: string;
  display: string;
  theme_color: string;
  icons: { src: string; sizes: string; type: string; purpose?: string }[];
}

describe.skipIf(!available)('progressive web app under a prefix', () => {
  useBrowser();

  it('links its manifest, registers its worker in the prefix, and opens from the cache offline', async () => {
    const s = await server();
    const proxy = await prefixProxy(s.port);
    closeProxy = proxy.close;
    const base = `http://127.0.0.1:${proxy.port}${PREFIX}`;
    const person = await openPage(base);
    const { page } = person;
    await enterChat(person, 'installer');

    // The manifest: linked relatively, served as a manifest, its start and scope the prefix.
    const linked = await page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="manifest"]')?.href ?? null);
    expect(linked).toBe(`${base}manifest.webmanifest`);
    const served = await page.evaluate(async (url) => {
      const r = await fetch(url);
      return { status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as unknown };
    }, linked!);
    expect(served.status).toBe(200);
    expect(served.type).toMatch(/^application\/manifest\+json/);
    const manifest = served.body as Manifest;
    expect(manifest).toMatchObject({ name: 'Chat', start_url: './', scope: './', display: 'standalone' });
    expect(new URL(manifest.start_url, linked!).href).toBe(base);
    expect(new URL(manifest.scope, linked!).href).toBe(base);
    expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`)).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']));
    for (const icon of manifest.icons) {
      const image = await page.evaluate(async (url) => {
        const r = await fetch(url);
        const bitmap = await createImageBitmap(await r.blob());
        return { status: r.status, type: r.headers.get('content-type'), width: bitmap.width, height: bitmap.height };
      }, new URL(icon.src, linked!).href);
      const side = Number(icon.sizes.split('x')[0]);
      expect(image).toEqual({ status: 200, type: 'image/png', width: side, height: side });
    }
    const themeColor = await page.evaluate(() => document.querySelector<HTMLMetaElement>('meta[name="theme-color"]')?.content);
    expect(themeColor).toBe(manifest.theme_color);

    // The worker: scope the prefix, active once its install has cached the shell.
    const registered = await page.evaluate(async () => {
      const r = await navigator.serviceWorker.ready;
      return { scope: r.scope, script: r.active?.scriptURL ?? null };
    });
    expect(registered).toEqual({ scope: base, script: `${base}sw.js` });
    // After a reload the page is the worker's.
    await page.reload();
    await poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null)).toBe(`${base}sw.js`);
    await poll(() => connectionState(page)).toBe('online');

    // The server stops: behind the proxy the page's request now gets a 502; the cached page opens,
    // knows who was here, and says it is not connected.
    await s.close();
    expect((await page.request.get(base)).status()).toBe(502);
    for (const step of ['server stopped', 'proxy stopped'] as const) {
      if (step === 'proxy stopped') await proxy.close();
      const response = await page.reload();
      // The cached page came from the worker, not an error page from the network.
      expect(response?.status(), step).toBe(200);
      expect(response?.fromServiceWorker(), step).toBe(true);
      expect(page.url(), step).toBe(base);
      await page.getByTestId('connection-status').waitFor({ state: 'attached' });
      await poll(() => connectionState(page)).toMatch(/^(connecting|offline)$/);
      expect(await page.getByTestId('connection-status').innerText(), step).toMatch(/Connecting…|Offline/);
      expect(await page.title(), step).toBe('Chat');
      // The page's stylesheet came from the cache too: the header is laid out, not raw markup.
      expect(await page.evaluate(() => document.styleSheets.length), step).toBeGreaterThan(0);
    }
    // A lazily loaded part never opened while online (the room directory's chunk) opens offline too:
    // the worker cached the lazy chunks with the shell.
    await page.getByTestId('browse-rooms').click();
    await page.getByTestId('room-directory').waitFor({ state: 'visible' });
    // The network failures are the expected ones; nothing of the page's own broke.
    expect(person.errors.filter((e) => !NETWORK_NOISE.test(e) && !/502|Bad Gateway/.test(e))).toEqual([]);
  });

  it('shows a pushed message as a notification, and a window told to open a message jumps to it', async () => {
    const s = await server();
    const proxy = await prefixProxy(s.port);
    closeProxy = proxy.close;
    const base = `http://127.0.0.1:${proxy.port}${PREFIX}`;
    const person = await openPage(base);
    const { page, context } = person;
    await enterChat(person, 'reader');
    await context.grantPermissions(['notifications'], { origin: new URL(base).origin });
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

    // A message to be notified about, from someone else.
    const writer = await raw(s.wsUrl({ nick: 'writer' }));
    await writer.request({ type: 'join', room: 'lobby' });
    const ack = await writer.request<AckFrame>({ type: 'send', room: 'lobby', id: 'n1', text: 'the notified message' });
    await poll(() => bubble(page, 'the notified message').count()).toBe(1);

    // The push, as the push service would hand it to the worker. The app's own window would hide
    // it (it shows the message itself), so the page first leaves the scope for the proxy's 404
    // page: same origin, no window of the app open.
    await page.goto(`http://127.0.0.1:${proxy.port}/elsewhere`);
    const cdp = await context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL === base && !r.isDeleted);
        if (ours) resolve(ours.registrationId);
      }),
    );
    await cdp.send('ServiceWorker.enable');
    const id = await registrationId;
    const push = (data: string) => cdp.send('ServiceWorker.deliverPushMessage', { origin: new URL(base).origin, registrationId: id, data });
    const payload = { room: 'lobby', seq: ack.seq, from: 'writer', text: 'the notified message', unread: 1 };
    const shown = () =>
      page.evaluate(async (scope) => {
        const r = await navigator.serviceWorker.getRegistration(scope);
        return (await r!.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown, icon: n.icon }));
      }, base);
    // Delivered until shown: right after the navigation the worker may still count the app's old
    // window as open and in front, and then rightly shows nothing (seen once in a full run). The
    // tag makes a repeat replace the notification, never add one.
    const pushedAndShown = async (data: string) => {
      await push(data);
      return shown();
    };
    await poll(() => pushedAndShown(JSON.stringify(payload))).toEqual([
      { title: 'writer in #lobby', body: 'the notified message', tag: 'room:lobby', data: { room: 'lobby', seq: ack.seq }, icon: `${base}icon-192.png` },
    ]);
    // A second message of the room replaces it (one per room), and a bad push is ignored.
    await push('not json');
    await push(JSON.stringify({ ...payload, text: 'and another' }));
    await poll(shown).toEqual([expect.objectContaining({ body: 'and another', tag: 'room:lobby' })]);

    // Back in the app, the worker's message after a click (unit-tested in test/sw/) opens the
    // room at the message: the page jumps to it and highlights it.
    await page.goto(base);
    await poll(() => connectionState(page)).toBe('online');
    // (Sent until it is taken: the page loads its side of the worker after its `load` event.)
    const row = page.locator('.chat-item', { has: bubble(page, 'the notified message') });
    await poll(async () => {
      await page.evaluate(
        ({ room, seq }) => navigator.serviceWorker.dispatchEvent(new MessageEvent('message', { data: { type: 'open-message', room, seq } })),
        { room: 'lobby', seq: ack.seq },
      );
      return row.evaluate((el) => el.classList.contains('highlighted')).catch(() => false);
    }).toBe(true);
    // The 404s are the page outside the scope (and its favicon).
    expect(person.errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  });
});
