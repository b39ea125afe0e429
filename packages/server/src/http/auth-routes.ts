// Accounts over HTTP (PROTOCOL.md, "Accounts, private rooms and moderation"): register, login,
// logout, me, bearer tokens, the room list and room history. Filled in by issue 5's HTTP slice.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';

export interface AuthRoutesOptions {
  store: Store;
  config: Config;
  /** A session or bearer token was revoked: close the WebSockets it opened (within a second). */
  onTokenRevoked: (tokenId: string) => void;
}

export async function authRoutes(_app: FastifyInstance, _options: AuthRoutesOptions): Promise<void> {}
