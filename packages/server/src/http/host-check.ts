import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { HOST_REFUSAL_MESSAGE, MISDIRECTED, type HostPolicy } from '../net/host-policy.js';

/**
 * Refuses every HTTP request naming a host we do not answer to (DNS rebinding, host-policy.ts):
 * 421 Misdirected Request (RFC 9110 §15.5.20: this server will not answer for that authority)
 * with the same JSON body as a refused upgrade. Added first at the root, so it runs before every
 * other hook and route: page, assets, API, health, metrics and the not-found handler alike.
 */
export function hostCheck(app: FastifyInstance, hosts: HostPolicy): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!hosts.allows(req.raw)) return reply.code(MISDIRECTED).send({ error: STATUS_CODES[MISDIRECTED], message: HOST_REFUSAL_MESSAGE });
  });
}
