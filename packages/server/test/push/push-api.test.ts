// The push API of the real server process (docs/protocol.md, "Push notifications"): the VAPID key
// (kept with the data), subscriptions for accounts only, input checks with JSON errors, deletion,
// and the SSRF guard: private and loopback endpoints refused unless PUSH_ALLOW_PRIVATE_ENDPOINTS,
// at subscription and again at sending.
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import webpush from 'web-push';
import { describe, expect, it } from 'vitest';
import { TestClient } from '../helpers.js';
import { api } from '../http/http-helpers.js';
import type { ChildServer } from '../child-server.js';
import type { PushReceiver } from './push-receiver.js';
import {
  metricReaches,
  openDm,
  people,
  PUSH_TEST_TIMEOUT_MS,
  PUSH_WAIT_MS,
  say,
  serverKey,
  subscribe,
  usePushTests,
  type Person,
} from './push-world.js';

const t = usePushTests();

const post = (node: ChildServer, person: Person | null, body: unknown) =>
  api(node.baseUrl, 'POST', '/api/push/subscriptions', { ...(person ? { cookie: person.cookie } : {}), body });

/** A well-formed subscription body at `endpoint` (keys from a real receiver subscription). */
function withEndpoint(r: PushReceiver, name: string, endpoint: string) {
  return { ...r.subscription(name), endpoint };
}

async function stop(node: ChildServer): Promise<void> {
  node.child.kill('SIGTERM');
  await node.exited;
}

describe('push API', { timeout: PUSH_TEST_TIMEOUT_MS }, () => {
  it('GET api/push/key: a P-256 public key (65 bytes, uncompressed, base64url), the same after a restart on the same data', async () => {
    const r = await t.receiver();
    const data = t.dir('push-data-');
    const first = await t.server(data, r);
    const key = await serverKey(first);
    expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
    const bytes = Buffer.from(key, 'base64url');
    expect(bytes).toHaveLength(65);
    expect(bytes[0]).toBe(0x04);
    // Anyone may read it (the browser needs it before signing in matters).
    expect((await api(first.baseUrl, 'GET', '/api/push/key', { origin: null })).body).toEqual({ publicKey: key });
    await stop(first);
    const second = await t.server(data, r);
    expect(await serverKey(second)).toBe(key);
    // A different data directory has a key of its own.
    const other = await t.server(t.dir('push-data-'), r);
    expect(await serverKey(other)).not.toBe(key);
  });

  it('VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT: that key is served, pushes are signed with it, sub is the subject', async () => {
    const r = await t.receiver();
    const keys = webpush.generateVAPIDKeys();
    const node = await t.server(t.dir('push-data-'), r, {
      env: { VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey, VAPID_SUBJECT: 'mailto:ops@chat.example' },
    });
    expect(await serverKey(node)).toBe(keys.publicKey);
    const [alice, bob] = await people(node, 'alice', 'bob');
    await subscribe(node, bob!, r.subscription('bob'));
    const a = await t.connect(node, alice!);
    await say(a, await openDm(a, 'bob'), 'signed with the configured key');
    const [push] = await r.waitForPushes('bob', 1, PUSH_WAIT_MS);
    expect(push!.jwtClaims.sub).toBe('mailto:ops@chat.example');
    expect(r.errors('bob')).toEqual([]);
  });

  it('POST api/push/subscriptions: 201 for an account (cookie or bearer), 401 for a guest or nobody', async () => {
    const r = await t.receiver();
    const node = await t.server(t.dir('push-data-'), r);
    const [bob] = await people(node, 'bob');
    expect((await post(node, bob!, r.subscription('bob-cookie'))).status).toBe(201);
    const bearer = await api(node.baseUrl, 'POST', '/api/push/subscriptions', { bearer: bob!.token, origin: null, body: r.subscription('bob-bearer') });
    expect(bearer.status, bearer.text).toBe(201);

    const nobody = await post(node, null, r.subscription('nobody'));
    expect(nobody.status).toBe(401);
    expect(nobody.body).toMatchObject({ error: expect.any(String) });
    const guest = await TestClient.connect(node.wsUrl({ nick: 'visitor' }));
    try {
      expect(guest.welcome.token).toEqual(expect.any(String));
      const asGuest = await api(node.baseUrl, 'POST', '/api/push/subscriptions', { bearer: guest.welcome.token!, origin: null, body: r.subscription('guest') });
      expect(asGuest.status).toBe(401);
      expect((await api(node.baseUrl, 'DELETE', '/api/push/subscriptions', { bearer: guest.welcome.token!, origin: null, body: { endpoint: `${r.origin}/push/guest` } })).status).toBe(401);
    } finally {
      guest.ws.terminate();
    }
  });

  it('400 with a JSON error for bad JSON, bad keys and bad endpoints (a non-https one included), and the server lives on', async () => {
    const r = await t.receiver();
    const node = await t.server(t.dir('push-data-'), r);
    const [bob] = await people(node, 'bob');
    const good = r.subscription('bob');
    const raw = await fetch(`${node.baseUrl}/api/push/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: node.baseUrl, cookie: bob!.cookie },
      body: '{"endpoint": "https://',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: expect.any(String) });

    const b64 = (bytes: Buffer) => bytes.toString('base64url');
    const point = Buffer.from(good.keys.p256dh, 'base64url');
    const bad: Array<[string, unknown]> = [
      ['null', null],
      ['an array', [good]],
      ['a string', 'https://127.0.0.1/push/x'],
      ['no keys', { endpoint: good.endpoint }],
      ['no endpoint', { keys: good.keys }],
      ['p256dh not base64url', { ...good, keys: { ...good.keys, p256dh: '***' } }],
      ['p256dh of 64 bytes', { ...good, keys: { ...good.keys, p256dh: b64(point.subarray(1)) } }],
      ['p256dh compressed-point prefix', { ...good, keys: { ...good.keys, p256dh: b64(Buffer.concat([Buffer.from([0x02]), point.subarray(1)])) } }],
      ['p256dh a number', { ...good, keys: { ...good.keys, p256dh: 65 } }],
      ['auth of 15 bytes', { ...good, keys: { ...good.keys, auth: b64(Buffer.alloc(15, 1)) } }],
      ['auth of 17 bytes', { ...good, keys: { ...good.keys, auth: b64(Buffer.alloc(17, 1)) } }],
      ['no auth', { ...good, keys: { p256dh: good.keys.p256dh } }],
      ['endpoint not a URL', { ...good, endpoint: 'not a url' }],
      ['endpoint a number', { ...good, endpoint: 42 }],
      ['endpoint http:', { ...good, endpoint: good.endpoint.replace('https:', 'http:') }],
      ['endpoint ftp:', { ...good, endpoint: 'ftp://127.0.0.1/push/bob' }],
      ['endpoint javascript:', { ...good, endpoint: 'javascript:alert(1)' }],
    ];
    for (const [what, body] of bad) {
      const res = await post(node, bob!, body);
      expect(res.status, `${what}: ${res.text}`).toBe(400);
      expect(res.body, what).toMatchObject({ error: expect.any(String) });
    }
    // Still up, and the good one is accepted.
    expect((await post(node, bob!, good)).status).toBe(201);
  });

  it('400 for a p256dh that is 65 bytes but not a point on P-256 (it could never be encrypted to)', async () => {
    const r = await t.receiver();
    const node = await t.server(t.dir('push-data-'), r);
    const [bob] = await people(node, 'bob');
    const good = r.subscription('bob');
    const offCurve = Buffer.concat([Buffer.from([0x04]), Buffer.alloc(64, 0x01)]).toString('base64url');
    const res = await post(node, bob!, { ...good, keys: { ...good.keys, p256dh: offCurve } });
    expect(res.status, res.text).toBe(400);
  });

  it('DELETE api/push/subscriptions {"endpoint"}: 204, and that subscription gets no more pushes; another account cannot delete it', async () => {
    const r = await t.receiver();
    const node = await t.server(t.dir('push-data-'), r);
    const [alice, bob, mallory] = await people(node, 'alice', 'bob', 'mallory');
    const old = r.subscription('bob-old');
    await subscribe(node, bob!, old);
    await subscribe(node, bob!, r.subscription('bob-new'));
    const keep = r.subscription('bob-kept');
    await subscribe(node, bob!, keep);

    // mallory's DELETE of bob's endpoint answers like any other, and removes nothing of bob's.
    const byMallory = await api(node.baseUrl, 'DELETE', '/api/push/subscriptions', { cookie: mallory!.cookie, body: { endpoint: keep.endpoint } });
    expect([204, 404]).toContain(byMallory.status);
    expect((await api(node.baseUrl, 'DELETE', '/api/push/subscriptions', { body: { endpoint: old.endpoint } })).status).toBe(401);
    expect((await api(node.baseUrl, 'DELETE', '/api/push/subscriptions', { cookie: bob!.cookie, body: {} })).status).toBe(400);
    const del = await api(node.baseUrl, 'DELETE', '/api/push/subscriptions', { cookie: bob!.cookie, body: { endpoint: old.endpoint } });
    expect(del.status, del.text).toBe(204);
    expect(del.text).toBe('');

    const a = await t.connect(node, alice!);
    const room = await openDm(a, 'bob');
    const m = await say(a, room, 'which devices hear this?');
    for (const name of ['bob-new', 'bob-kept']) {
      const [push] = await r.waitForPushes(name, 1, PUSH_WAIT_MS);
      t.delivered(push!, m.at);
      expect(push!.payload).toMatchObject({ room, seq: m.seq });
    }
    await t.quiet();
    expect(r.requests('bob-old')).toEqual([]);
    expect(r.allErrors()).toEqual([]);
  });

  it('the same subscription posted twice is kept once: one push per message', async () => {
    const r = await t.receiver();
    const node = await t.server(t.dir('push-data-'), r);
    const [alice, bob] = await people(node, 'alice', 'bob');
    const sub = r.subscription('bob');
    await subscribe(node, bob!, sub);
    await subscribe(node, bob!, sub);
    const a = await t.connect(node, alice!);
    const m = await say(a, await openDm(a, 'bob'), 'once');
    t.delivered((await r.waitForPushes('bob', 1, PUSH_WAIT_MS))[0]!, m.at);
    await t.quiet();
    expect(r.requests('bob')).toHaveLength(1);
  });

  it('without PUSH_ALLOW_PRIVATE_ENDPOINTS, loopback, private, link-local and non-https endpoints are refused (400)', async () => {
    const r = await t.receiver();
    const node = await t.server(t.dir('push-data-'), r, { allowPrivate: false });
    const [bob] = await people(node, 'bob');
    const endpoints = [
      `${r.origin}/push/refused`,
      `https://localhost:${r.port}/push/refused`,
      'https://localhost/push/x',
      'https://10.0.0.1/push/x',
      'https://172.16.5.4/push/x',
      'https://192.168.1.1/push/x',
      'https://169.254.169.254/latest/meta-data',
      'https://0.0.0.0/push/x',
      'https://127.1/push/x',
      'https://2130706433/push/x',
      'https://[::1]/push/x',
      'https://[::ffff:127.0.0.1]/push/x',
      'https://[fd00::1]/push/x',
      'https://[fe80::1]/push/x',
      'http://example.com/push/x',
    ];
    // A name that is not "localhost" but resolves to a loopback or private address (this
    // machine's own name usually does): refused by what it resolves to, not by how it is spelled.
    const own = hostname();
    const resolved = await lookup(own).catch(() => null);
    if (resolved && /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$)/.test(resolved.address)) endpoints.push(`https://${own}:${r.port}/push/refused`);
    else console.log(`skipped: ${own} resolves to ${resolved?.address ?? 'nothing'}, not a private address`);
    for (const endpoint of endpoints) {
      const res = await post(node, bob!, withEndpoint(r, `k${endpoints.indexOf(endpoint)}`, endpoint));
      expect(res.status, `${endpoint}: ${res.text}`).toBe(400);
      expect(res.body, endpoint).toMatchObject({ error: expect.any(String) });
    }
    // With the setting, the receiver's own endpoint is fine (what the refusals above were about).
    const allowing = await t.server(t.dir('push-data-'), r);
    const [carol] = await people(allowing, 'carol');
    expect((await post(allowing, carol!, r.subscription('carol'))).status).toBe(201);
  });

  it('the address is checked again when sending: a private endpoint stored while allowed gets nothing once the setting is off', async () => {
    const r = await t.receiver();
    const data = t.dir('push-data-');
    const allowing = await t.server(data, r);
    const [alice, bob] = await people(allowing, 'alice', 'bob');
    await subscribe(allowing, bob!, r.subscription('bob'));
    await stop(allowing);

    const strict = await t.server(data, r, { allowPrivate: false });
    const a = await t.connect(strict, alice!);
    await say(a, await openDm(a, 'bob'), 'should not leave the server');
    await metricReaches(strict, 'chat_push_failed_total', 1);
    await t.quiet();
    expect(r.requests('bob')).toEqual([]);
  });
});
