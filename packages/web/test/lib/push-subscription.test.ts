// Turning notifications on and off on this device (src/lib/push-subscription.ts, issue 19). The
// HTTP side is real: a local server answering as docs/protocol.md "Push notifications" says
// (`api/push/key`, `POST`/`DELETE api/push/subscriptions`), since main's server does not have those
// routes yet. The browser's side is small hand-written objects: no push service is reachable here,
// so a real `pushManager.subscribe` could only fail.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadNotifyPrefs } from '../../src/lib/client-storage.js';
import {
  base64UrlBytes,
  deviceStatus,
  disableNotifications,
  enableNotifications,
  renewSubscription,
  type PushDeps,
  type PushManagerLike,
  type PushSubscriptionLike,
} from '../../src/lib/push-subscription.js';
import { MemoryStorage } from '../fakes.js';

// An uncompressed P-256 point as a VAPID public key (65 bytes, base64url, no padding).
const KEY_BYTES = Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : (i * 37) % 256));
const PUBLIC_KEY = Buffer.from(KEY_BYTES).toString('base64url');

interface Request {
  method: string;
  path: string;
  body: unknown;
}

let server: Server;
let base: string;
const requests: Request[] = [];
/** What POST api/push/subscriptions answers next (the contract: 201, or 400 for a private endpoint). */
let postStatus = 201;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const body = raw ? (JSON.parse(raw) as unknown) : null;
      requests.push({ method: req.method ?? '', path, body });
      const send = (status: number, json?: object) => {
        res.writeHead(status, json ? { 'content-type': 'application/json' } : {});
        res.end(json ? JSON.stringify(json) : undefined);
      };
      if (req.method === 'GET' && path === '/api/push/key') return send(200, { publicKey: PUBLIC_KEY });
      if (req.method === 'POST' && path === '/api/push/subscriptions') {
        const sub = body as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } };
        const valid = typeof sub?.endpoint === 'string' && sub.endpoint.startsWith('https:') && typeof sub.keys?.p256dh === 'string' && typeof sub.keys?.auth === 'string';
        return valid ? send(postStatus, postStatus === 201 ? {} : { error: 'bad_request' }) : send(400, { error: 'bad_request' });
      }
      if (req.method === 'DELETE' && path === '/api/push/subscriptions') return send(204);
      send(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
  postStatus = 201;
});

class FakeSubscription implements PushSubscriptionLike {
  unsubscribed = false;
  constructor(
    readonly endpoint: string,
    readonly options: { applicationServerKey: ArrayBuffer | null },
  ) {}
  toJSON() {
    return { endpoint: this.endpoint, expirationTime: null, keys: { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' } };
  }
  async unsubscribe(): Promise<boolean> {
    this.unsubscribed = true;
    return true;
  }
}

/** A pushManager whose subscribe succeeds, or rejects as Chromium does without a push service. */
class FakePushManager implements PushManagerLike {
  held: FakeSubscription | null = null;
  subscribed: Array<{ userVisibleOnly: boolean; applicationServerKey: Uint8Array }> = [];
  constructor(private readonly pushService: boolean) {}
  async getSubscription() {
    return this.held && !this.held.unsubscribed ? this.held : null;
  }
  async subscribe(options: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }) {
    this.subscribed.push(options);
    if (!this.pushService) throw new DOMException('Registration failed - push service error', 'AbortError');
    this.held = new FakeSubscription('https://push.example.net/send/abc', { applicationServerKey: options.applicationServerKey.slice().buffer });
    return this.held;
  }
}

function deps(options: { permission?: NotificationPermission; answer?: NotificationPermission; account?: boolean; push?: boolean; manager?: PushManagerLike | null } = {}) {
  const storage = new MemoryStorage();
  const asked = { n: 0 };
  const notifications = {
    permission: options.permission ?? ('default' as NotificationPermission),
    async requestPermission(): Promise<NotificationPermission> {
      asked.n++;
      this.permission = options.answer ?? 'granted';
      return this.permission;
    },
  };
  const manager = options.manager === undefined ? new FakePushManager(true) : options.manager;
  const d: PushDeps = {
    notifications,
    registration: async () => (manager === null ? {} : { pushManager: manager }),
    serverHasPush: async () => options.push ?? true,
    account: options.account ?? true,
    fetch: (url, init) => fetch(url, init),
    url: (path) => new URL(path, base).href,
    storage,
  };
  return { deps: d, storage, asked, manager, notifications };
}

describe('enableNotifications', () => {
  it('subscribes with the server key and posts the subscription JSON: on', async () => {
    const t = deps();
    expect(await enableNotifications(t.deps)).toEqual({ state: 'on' });
    expect(t.asked.n).toBe(1);
    const manager = t.manager as FakePushManager;
    expect(manager.subscribed).toHaveLength(1);
    expect(manager.subscribed[0]!.userVisibleOnly).toBe(true);
    expect([...manager.subscribed[0]!.applicationServerKey]).toEqual([...KEY_BYTES]);
    const post = requests.find((r) => r.method === 'POST')!;
    expect(post.path).toBe('/api/push/subscriptions');
    expect(post.body).toEqual({ endpoint: 'https://push.example.net/send/abc', keys: manager.held!.toJSON().keys });
    expect(loadNotifyPrefs(t.storage).device).toBe(true);
    expect(await deviceStatus(t.deps)).toEqual({ state: 'on' });
    // Again: the subscription held has this key, so it is posted again rather than replaced.
    expect(await enableNotifications(t.deps)).toEqual({ state: 'on' });
    expect(manager.subscribed).toHaveLength(1);
    expect(t.asked.n).toBe(1); // granted already: not asked twice
  });

  it('replaces a subscription made with another key', async () => {
    const manager = new FakePushManager(true);
    const old = new FakeSubscription('https://push.example.net/send/old', { applicationServerKey: new Uint8Array([4, 1, 2]).buffer });
    manager.held = old;
    const t = deps({ manager, permission: 'granted' });
    expect(await enableNotifications(t.deps)).toEqual({ state: 'on' });
    expect(old.unsubscribed).toBe(true);
    expect(manager.subscribed).toHaveLength(1);
  });

  it('denied: blocked, nothing subscribed nor remembered; a dismissed prompt: still off', async () => {
    const denied = deps({ answer: 'denied' });
    expect(await enableNotifications(denied.deps)).toEqual({ state: 'blocked' });
    expect((denied.manager as FakePushManager).subscribed).toEqual([]);
    expect(loadNotifyPrefs(denied.storage).device).toBe(false);
    expect(await deviceStatus(denied.deps)).toEqual({ state: 'blocked' });
    const dismissed = deps({ answer: 'default' });
    expect(await enableNotifications(dismissed.deps)).toEqual({ state: 'off' });
    expect(loadNotifyPrefs(dismissed.storage).device).toBe(false);
    expect(requests).toEqual([]);
  });

  it('a push service that fails (AbortError): notifications from the page only, nothing posted, no rejection', async () => {
    const t = deps({ manager: new FakePushManager(false) });
    expect(await enableNotifications(t.deps)).toEqual({ state: 'page', reason: 'browser' });
    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(loadNotifyPrefs(t.storage).device).toBe(true); // the page still notifies
    expect(await deviceStatus(t.deps)).toEqual({ state: 'page', reason: 'browser' });
  });

  it('no pushManager, a server without push, a guest: page only, each saying why', async () => {
    expect(await enableNotifications(deps({ manager: null }).deps)).toEqual({ state: 'page', reason: 'browser' });
    expect(await enableNotifications(deps({ push: false }).deps)).toEqual({ state: 'page', reason: 'server' });
    const guest = deps({ account: false });
    expect(await enableNotifications(guest.deps)).toEqual({ state: 'page', reason: 'guest' });
    expect((guest.manager as FakePushManager).subscribed).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('the server refuses the subscription (400, a private endpoint): page only, and the browser drops it', async () => {
    postStatus = 400;
    const t = deps();
    expect(await enableNotifications(t.deps)).toEqual({ state: 'page', reason: 'refused' });
    expect((t.manager as FakePushManager).held!.unsubscribed).toBe(true);
  });

  it('without notifications in the browser: unsupported', async () => {
    const t = deps();
    t.deps.notifications = null;
    expect(await enableNotifications(t.deps)).toEqual({ state: 'unsupported' });
    expect(await deviceStatus(t.deps)).toEqual({ state: 'unsupported' });
  });
});

describe('renewSubscription', () => {
  it('posts the subscription again only for an account with notifications on here and the permission granted, never prompting', async () => {
    const notOn = deps({ permission: 'granted' });
    expect(await renewSubscription(notOn.deps)).toBeNull(); // never turned on here
    const asking = deps({ permission: 'default' });
    asking.storage.setItem('chat.notifications', '1');
    expect(await renewSubscription(asking.deps)).toBeNull();
    expect(asking.asked.n).toBe(0);
    const guest = deps({ permission: 'granted', account: false });
    guest.storage.setItem('chat.notifications', '1');
    expect(await renewSubscription(guest.deps)).toBeNull();
    expect(requests).toEqual([]);

    const on = deps({ permission: 'granted' });
    on.storage.setItem('chat.notifications', '1');
    expect(await renewSubscription(on.deps)).toEqual({ state: 'on' });
    expect(on.asked.n).toBe(0);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/push/key', 'POST /api/push/subscriptions']);
  });
});

describe('disableNotifications', () => {
  it('deletes the subscription on the server by endpoint, unsubscribes, and forgets the choice', async () => {
    const t = deps();
    await enableNotifications(t.deps);
    const held = (t.manager as FakePushManager).held!;
    requests.length = 0;
    expect(await disableNotifications(t.deps)).toEqual({ state: 'off' });
    expect(requests).toEqual([{ method: 'DELETE', path: '/api/push/subscriptions', body: { endpoint: held.endpoint } }]);
    expect(held.unsubscribed).toBe(true);
    expect(loadNotifyPrefs(t.storage).device).toBe(false);
    expect(await deviceStatus(t.deps)).toEqual({ state: 'off' });
  });
});

describe('base64UrlBytes', () => {
  it('decodes unpadded base64url and refuses anything else', () => {
    expect([...base64UrlBytes(PUBLIC_KEY)]).toEqual([...KEY_BYTES]);
    expect([...base64UrlBytes('-_8')]).toEqual([0xfb, 0xff]);
    expect(() => base64UrlBytes('a+b/')).toThrow();
    expect(() => base64UrlBytes('')).toThrow();
  });
});
