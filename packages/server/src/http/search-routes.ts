// GET api/search (docs/protocol.md, "Search"): the messages the caller may read that hold every
// word of `q`, newest first, in pages (`cursor` is the `next` of the previous page). `from:nick`
// and `in:room` in `q` narrow it, as `room=` does. Search must not starve chat: each user may have
// SEARCHES_PER_USER in flight and the node SEARCHES_PER_NODE, beyond which the answer is 429.
import type { FastifyPluginAsync } from 'fastify';
import { MAX_QUERY_CHARS, parseQuery } from '../search/search-text.js';
import type { Store } from '../store/store.js';
import { fail, tooMany } from './api-errors.js';
import { apiScope } from './api-scope.js';
import { caller } from './signed-in.js';
import { mayRead, standingIn } from '../hub/room-access.js';

export interface SearchRoutesOptions {
  store: Store;
}

export const SEARCHES_PER_USER = 2;
export const SEARCHES_PER_NODE = 8;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

interface SearchQuerystring {
  q?: string;
  room?: string;
  limit?: number;
  cursor?: string;
}

const querystring = {
  type: 'object',
  properties: {
    q: { type: 'string' },
    room: { type: 'string', minLength: 1, maxLength: 128 },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
    // A message id: the last result of the previous page.
    cursor: { type: 'string', pattern: '^[0-9]{1,19}$' },
  },
} as const;

export const searchRoutes: FastifyPluginAsync<SearchRoutesOptions> = async (api, { store }) => {
  apiScope(api);
  const inFlight = new Map<string, number>();
  let nodeInFlight = 0;

  api.get<{ Querystring: SearchQuerystring }>('', { schema: { querystring } }, async (req, reply) => {
    const q = (req.query.q ?? '').trim();
    if (q === '') return fail(reply, 400, 'bad_request', 'q is empty');
    if ([...q].length > MAX_QUERY_CHARS) return fail(reply, 400, 'bad_request', `q is longer than ${MAX_QUERY_CHARS} characters`);
    const identity = await caller(store, req);
    if (identity === null) return fail(reply, 401, 'unauthorized', 'sign in, or send a guest token as Authorization: Bearer');
    const userId = identity.user.id;
    const parsed = parseQuery(q);
    if (parsed.terms.length === 0) return { results: [], next: null };
    const room = req.query.room ?? parsed.in;
    // A room the caller may not read (or that does not exist) holds nothing for them: answered
    // without a query, which would otherwise walk every match of the words in every room.
    // (Admins search what they belong to, as everyone: admin: false.)
    if (room !== undefined) {
      const standing = await standingIn(store, room, { id: userId, admin: false });
      if (standing === null || !mayRead(standing)) return { results: [], next: null };
    }
    const mine = inFlight.get(userId) ?? 0;
    if (mine >= SEARCHES_PER_USER || nodeInFlight >= SEARCHES_PER_NODE) return tooMany(reply, 1000, 'too many searches at once; wait for the last one');
    inFlight.set(userId, mine + 1);
    nodeInFlight++;
    try {
      const page = await store.search({
        terms: parsed.terms,
        userId,
        limit: req.query.limit ?? DEFAULT_LIMIT,
        ...(room === undefined ? {} : { room }),
        ...(parsed.from === undefined ? {} : { from: parsed.from.toLowerCase() }),
        ...(req.query.cursor === undefined ? {} : { before: req.query.cursor }),
      });
      const last = page.results.at(-1);
      return { results: page.results, next: page.hasMore && last ? last.message.id : null };
    } finally {
      nodeInFlight--;
      const left = (inFlight.get(userId) ?? 1) - 1;
      if (left === 0) inFlight.delete(userId);
      else inFlight.set(userId, left);
    }
  });
};
