// The tests' push service checks itself: its decryptor against RFC 8291's worked example, and the
// whole receiver against pushes sent by the `web-push` library (the one the server uses), which
// it must accept, and against tampered ones (body, key, JWT, headers), which it must refuse and
// say why. The server's push tests rely on both directions.
import { createECDH } from 'node:crypto';
import { request, Agent } from 'node:https';
import { rmSync } from 'node:fs';
import webpush from 'web-push';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { decryptPushBody } from './ece-decrypt.js';
import { startPushReceiver, type BrowserSubscription, type PushReceiver } from './push-receiver.js';

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function receiver(): Promise<{ r: PushReceiver; keys: webpush.VapidKeys; options: webpush.RequestOptions }> {
  const dir = tempDir('push-receiver-');
  open.push(() => rmSync(dir, { recursive: true, force: true }));
  const keys = webpush.generateVAPIDKeys();
  const r = await startPushReceiver(dir, { serverKey: keys.publicKey });
  open.push(() => r.close());
  const agent = new Agent({ ca: r.cert.cert });
  open.push(() => agent.destroy());
  const options: webpush.RequestOptions = {
    vapidDetails: { subject: 'mailto:ops@example.com', publicKey: keys.publicKey, privateKey: keys.privateKey },
    TTL: 60,
    urgency: 'high',
    topic: 'room-abc',
    contentEncoding: 'aes128gcm',
    agent,
    timeout: 5000,
  };
  return { r, keys, options };
}

/** Sends a request as web-push would have built it, after `change` edits it; the status. */
async function sendRaw(
  r: PushReceiver,
  sub: BrowserSubscription,
  payload: string,
  options: webpush.RequestOptions,
  change: (d: { headers: Record<string, string>; body: Buffer }) => void,
): Promise<number> {
  const details = webpush.generateRequestDetails(sub, payload, options);
  const d = { headers: { ...(details.headers as Record<string, string>) }, body: Buffer.from(details.body) };
  change(d);
  return new Promise((resolve, reject) => {
    const req = request(details.endpoint, { method: 'POST', headers: { ...d.headers, 'content-length': String(d.body.length) }, ca: r.cert.cert, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(5000, () => req.destroy(new Error('raw push timed out')));
    req.on('error', reject);
    req.end(d.body);
  });
}

describe('ece-decrypt', () => {
  it('decrypts RFC 8291 Appendix A\'s example message', () => {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from('q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94', 'base64url'));
    expect(ecdh.getPublicKey().toString('base64url')).toBe('BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4');
    const body = Buffer.from(
      'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
      'base64url',
    );
    const out = decryptPushBody(body, { ecdh, auth: Buffer.from('BTBZMqHH6r4Tts7J_aSIgg', 'base64url') });
    expect(out.plaintext.toString('utf8')).toBe('When I grow up, I want to be a watermelon');
    expect(out.recordSize).toBe(4096);
    expect(out.senderPublicKey.toString('base64url')).toBe('BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8');

    // One flipped bit anywhere in the ciphertext, or the wrong auth secret: refused.
    const tampered = Buffer.from(body);
    tampered[tampered.length - 20]! ^= 1;
    expect(() => decryptPushBody(tampered, { ecdh, auth: Buffer.from('BTBZMqHH6r4Tts7J_aSIgg', 'base64url') })).toThrow(/failed authentication/);
    expect(() => decryptPushBody(body, { ecdh, auth: Buffer.alloc(16) })).toThrow(/failed authentication/);
    expect(() => decryptPushBody(body.subarray(0, 10), { ecdh, auth: Buffer.alloc(16) })).toThrow(/shorter than the header/);
  });
});

describe('push receiver', () => {
  it('accepts a push sent by web-push: verified, decrypted, with its headers and JWT claims', async () => {
    const { r, options } = await receiver();
    const sub = r.subscription('alice');
    expect(sub.endpoint).toBe(`${r.origin}/push/alice`);
    expect(Buffer.from(sub.keys.p256dh, 'base64url')).toHaveLength(65);
    expect(Buffer.from(sub.keys.auth, 'base64url')).toHaveLength(16);

    const sent = { room: 'lobby', seq: 7, from: 'bob', text: '你好 @alice' };
    const res = await webpush.sendNotification(sub, JSON.stringify(sent), options);
    expect(res.statusCode).toBe(201);
    const [push] = await r.waitForPushes('alice', 1, 5000);
    expect(r.errors('alice')).toEqual([]);
    expect(push!.payload).toEqual(sent);
    expect(push).toMatchObject({ topic: 'room-abc', urgency: 'high', ttl: 60, status: 201 });
    expect(push!.jwtClaims).toMatchObject({ aud: r.origin, sub: 'mailto:ops@example.com' });
    expect(push!.jwtClaims.exp).toBeGreaterThan(Date.now() / 1000);
    expect(r.requests('alice')).toHaveLength(1);
  });

  it('answers the scripted statuses in order (with their headers), then 201 again; only 2xx count as delivered', async () => {
    const { r, options } = await receiver();
    const sub = r.subscription('bob');
    r.respond('bob', [{ status: 429, headers: { 'Retry-After': '1' } }, { status: 410 }]);
    const first = await webpush.sendNotification(sub, '{"n":1}', options).catch((e: webpush.WebPushError) => e);
    expect(first).toMatchObject({ statusCode: 429 });
    expect((first as webpush.WebPushError).headers['retry-after']).toBe('1');
    await expect(webpush.sendNotification(sub, '{"n":2}', options)).rejects.toMatchObject({ statusCode: 410 });
    expect((await webpush.sendNotification(sub, '{"n":3}', options)).statusCode).toBe(201);
    expect(r.requests('bob').map((q) => q.status)).toEqual([429, 410, 201]);
    expect(r.attempts('bob').map((p) => p.payload.n)).toEqual([1, 2, 3]);
    expect(r.pushes('bob').map((p) => p.payload.n)).toEqual([3]);
    expect(r.errors('bob')).toEqual([]);

    // A hanging answer: the sender times out; the request is recorded with status 0.
    r.respond('bob', [{ status: 0, hang: true }]);
    await expect(webpush.sendNotification(sub, '{"n":4}', { ...options, timeout: 300 })).rejects.toThrow();
    expect(r.requests('bob').map((q) => q.status)).toEqual([429, 410, 201, 0]);
  });

  it('refuses a tampered body, a body for another subscription, and says why', async () => {
    const { r, options } = await receiver();
    const sub = r.subscription('carol');
    const other = r.subscription('dave');
    expect(await sendRaw(r, sub, '{"x":1}', options, (d) => void (d.body[d.body.length - 5]! ^= 0x40))).toBe(400);
    // Encrypted to dave's keys, delivered at carol's endpoint.
    expect(await sendRaw(r, { ...other, endpoint: sub.endpoint }, '{"x":2}', options, () => {})).toBe(400);
    expect(r.errors('carol')).toEqual([expect.stringMatching(/failed authentication/), expect.stringMatching(/failed authentication/)]);
    expect(r.pushes('carol')).toEqual([]);
    expect(r.pushes('dave')).toEqual([]);
  });

  it('refuses a VAPID key other than the server\'s, and a JWT not signed by k', async () => {
    const { r, keys, options } = await receiver();
    const sub = r.subscription('erin');
    const stranger = webpush.generateVAPIDKeys();
    const strangerOptions = { ...options, vapidDetails: { ...options.vapidDetails!, publicKey: stranger.publicKey, privateKey: stranger.privateKey } };
    await expect(webpush.sendNotification(sub, '{}', strangerOptions)).rejects.toMatchObject({ statusCode: 400 });
    // Signed with the stranger's private key, claiming the server's public key.
    expect(
      await sendRaw(r, sub, '{}', strangerOptions, (d) => {
        d.headers.Authorization = d.headers.Authorization!.replace(/k=[A-Za-z0-9_-]+/, `k=${keys.publicKey}`);
      }),
    ).toBe(400);
    expect(r.errors('erin')).toEqual([expect.stringMatching(/is not the server's key/), expect.stringMatching(/signature does not verify/)]);
  });

  it('refuses an expired JWT, one for another audience, and a missing Authorization', async () => {
    const { r, keys, options } = await receiver();
    const sub = r.subscription('frank');
    const vapid = (aud: string, exp?: number) =>
      webpush.getVapidHeaders(aud, 'mailto:ops@example.com', keys.publicKey, keys.privateKey, 'aes128gcm', exp).Authorization;
    const expired = vapid(r.origin, Math.floor(Date.now() / 1000) - 3600);
    expect(await sendRaw(r, sub, '{}', options, (d) => void (d.headers.Authorization = expired))).toBe(400);
    const elsewhere = vapid('https://push.example.com');
    expect(await sendRaw(r, sub, '{}', options, (d) => void (d.headers.Authorization = elsewhere))).toBe(400);
    expect(await sendRaw(r, sub, '{}', options, (d) => void delete d.headers.Authorization)).toBe(400);
    expect(r.errors('frank')).toEqual([
      expect.stringMatching(/JWT expired/),
      expect.stringMatching(/aud "https:\/\/push.example.com"/),
      expect.stringMatching(/no Authorization/),
    ]);
    // The untouched request passes (the changes above are what was refused).
    expect(await sendRaw(r, sub, '{"ok":true}', options, () => {})).toBe(201);
    expect(r.pushes('frank').map((p) => p.payload)).toEqual([{ ok: true }]);
  });

  it('refuses missing or malformed TTL, Urgency, Topic and Content-Encoding', async () => {
    const { r, options } = await receiver();
    const sub = r.subscription('gina');
    const cases: Array<[(h: Record<string, string>) => void, RegExp]> = [
      [(h) => delete h.TTL, /TTL/],
      [(h) => (h.Urgency = 'urgent'), /Urgency "urgent"/],
      [(h) => delete h.Topic, /Topic undefined/],
      [(h) => (h.Topic = 'a'.repeat(33)), /Topic/],
      [(h) => (h.Topic = 'room/lobby'), /Topic "room\/lobby"/],
      [(h) => (h['Content-Encoding'] = 'aesgcm'), /Content-Encoding "aesgcm"/],
    ];
    for (const [change] of cases) expect(await sendRaw(r, sub, '{}', options, (d) => change(d.headers))).toBe(400);
    const errors = r.errors('gina');
    expect(errors).toHaveLength(cases.length);
    cases.forEach(([, pattern], i) => expect(errors[i]).toMatch(pattern));
  });

  it('records requests to unknown endpoints (404) and times out waiting with what it saw', async () => {
    const { r, options } = await receiver();
    const sub = r.subscription('hank');
    await expect(webpush.sendNotification({ ...sub, endpoint: `${r.origin}/push/nobody` }, '{}', options)).rejects.toMatchObject({ statusCode: 404 });
    expect(r.allErrors()).toEqual([expect.stringMatching(/\/push\/nobody: no such endpoint/)]);
    await expect(r.waitForPushes('hank', 1, 200)).rejects.toThrow(/timed out after 200 ms waiting for 1 pushes at hank \(0 requests/);
  });
});
