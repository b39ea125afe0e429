// Web Push subscriptions (docs/protocol.md, "Push notifications"), under /api/push (app.ts): the
// server's VAPID public key, and an account's subscriptions, one per browser. Guests get no
// pushes (they have no lasting identity a subscription could belong to): 401.
import { createECDH } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { EndpointRefused, type EndpointGuard } from '../push/endpoint-guard.js';
import type { Store } from '../store/store.js';
import { fail } from './api-errors.js';
import { apiScope } from './api-scope.js';
import { signedIn } from './signed-in.js';

export interface PushRoutesOptions {
  store: Store;
  guard: EndpointGuard;
  /** The VAPID public key, base64url. */
  publicKey: string;
}

/** A P-256 key of our own, to check that a browser's key is a point on the curve (computeSecret throws otherwise). */
const curveCheck = createECDH('prime256v1');
curveCheck.generateKeys();

function onCurve(point: Buffer): boolean {
  try {
    curveCheck.computeSecret(point);
    return true;
  } catch {
    return false;
  }
}

/** base64url of exactly `bytes` bytes, else null. */
function base64urlOf(value: unknown, bytes: number): string | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return null;
  const decoded = Buffer.from(value, 'base64url');
  return decoded.length === bytes ? decoded.toString('base64url') : null;
}

const NEEDS_ACCOUNT = 'push notifications are for accounts: sign in';

export const pushRoutes: FastifyPluginAsync<PushRoutesOptions> = async (api, { store, guard, publicKey }) => {
  apiScope(api);

  api.get('/key', async () => ({ publicKey }));

  api.post<{ Body: { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } } | undefined }>('/subscriptions', async (req, reply) => {
    const identity = await signedIn(store, req);
    if (identity === null) return fail(reply, 401, 'unauthorized', NEEDS_ACCOUNT);
    const body = req.body;
    if (typeof body !== 'object' || body === null) return fail(reply, 400, 'bad_request', 'expected a PushSubscription: {"endpoint","keys":{"p256dh","auth"}}');
    // The browser's key: an uncompressed P-256 point (65 bytes, 0x04 first); the secret: 16 bytes.
    const p256dh = base64urlOf(body.keys?.p256dh, 65);
    if (p256dh === null || Buffer.from(p256dh, 'base64url')[0] !== 4 || !onCurve(Buffer.from(p256dh, 'base64url'))) return fail(reply, 400, 'bad_request', '"keys.p256dh" must be a base64url P-256 public key (65 bytes)');
    const auth = base64urlOf(body.keys?.auth, 16);
    if (auth === null) return fail(reply, 400, 'bad_request', '"keys.auth" must be a base64url 16-byte secret');
    let endpoint: string;
    try {
      endpoint = await guard.check(body.endpoint);
    } catch (err) {
      if (err instanceof EndpointRefused) return fail(reply, 400, 'bad_request', err.message);
      throw err;
    }
    await store.addPushSubscription(identity.user.id, { endpoint, p256dh, auth }, Date.now());
    return reply.code(201).send({ endpoint });
  });

  api.delete<{ Body: { endpoint?: unknown } | undefined }>('/subscriptions', async (req, reply) => {
    const identity = await signedIn(store, req);
    if (identity === null) return fail(reply, 401, 'unauthorized', NEEDS_ACCOUNT);
    const endpoint = req.body?.endpoint;
    if (typeof endpoint !== 'string' || endpoint.length === 0) return fail(reply, 400, 'bad_request', 'expected {"endpoint"}');
    // Gone already (or never ours) is the same end state: 204 either way.
    await store.removePushSubscription(identity.user.id, endpoint);
    return reply.code(204).send();
  });
};
