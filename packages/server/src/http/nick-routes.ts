// GET api/nicks/check?nick=N (docs/protocol.md, "Checking a guest name"): whether a new guest may
// take this nick, by the very rule the WebSocket upgrade applies to `?nick=` (checkGuestNick), so
// the welcome screen can say why a name is refused, which the browser cannot read from a refused
// upgrade. Under the prefix /api/nicks (app.ts).
//
// The answer tells whether an account owns a name, as the upgrade's 409 already does; each
// address has a budget of checks of its own (a token bucket in memory, per node), so asking here
// is no faster a way to list accounts than upgrading. One indexed store look-up per check.
import type { FastifyPluginAsync } from 'fastify';
import { MAX_NICK_CHARS } from '@chat/protocol';
import { checkGuestNick, type NickCheck } from '../auth/nick-policy.js';
import { ipKey } from '../auth/window-counter.js';
import type { Config } from '../config.js';
import { MemoryRateLimiter } from '../rate-limit/memory-rate-limiter.js';
import { tooMany } from './api-errors.js';
import { apiScope } from './api-scope.js';

export interface NickRoutesOptions {
  config: Pick<Config, 'allowGuests' | 'requestRatePerIp'>;
  nicks: NickCheck;
}

/** The longest `nick` looked at: normalizeNick refuses anything longer before NFKC as well. */
export const MAX_NICK_QUERY_CHARS = 4 * MAX_NICK_CHARS;

/** Checks per address: 30 at once (a welcome screen checks as its user types), then 2 a second. */
export const NICK_CHECK_RATE = 2;
export const NICK_CHECK_BURST = 30;

export type NickCheckAnswer = { nick: string; available: true } | { available: false; reason: 'invalid' | 'account' | 'guests_disabled' };

export const nickRoutes: FastifyPluginAsync<NickRoutesOptions> = async (api, { config, nicks }) => {
  apiScope(api);
  // REQUEST_RATE_PER_IP=0 lifts the per-address request budgets, this one with them.
  const budget = new MemoryRateLimiter({ rate: config.requestRatePerIp > 0 ? NICK_CHECK_RATE : 0, burst: NICK_CHECK_BURST });

  api.get<{ Querystring: { nick: string } }>(
    '/check',
    {
      schema: {
        querystring: { type: 'object', required: ['nick'], properties: { nick: { type: 'string', maxLength: MAX_NICK_QUERY_CHARS } } },
      },
    },
    async (req, reply): Promise<NickCheckAnswer | typeof reply> => {
      const wait = budget.take(ipKey(req.ip));
      if (wait > 0) return tooMany(reply, wait, 'too many name checks from this address; try again later');
      if (!config.allowGuests) return { available: false, reason: 'guests_disabled' };
      const verdict = await checkGuestNick(req.query.nick, nicks);
      return verdict.ok ? { nick: verdict.nick, available: true } : { available: false, reason: verdict.reason };
    },
  );
};
