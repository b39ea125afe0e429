// What one client may ask of this node's store, apart from sending messages (which have their own
// rate): every request that reads or writes the store (join, leave, history, nick, create, invite,
// the moderation requests, dm, delete) takes a token from the user's bucket and from its address's
// bucket. A flood is then refused with `rate_limited` in microseconds, before it reaches the store,
// so one connection cannot hold the event loop that every other connection shares.
//
// Per node, in memory, on purpose: what is protected is this node's event loop and store
// connection, and a connection lives on one node.
import { MemoryRateLimiter } from './memory-rate-limiter.js';

export interface RequestBudgetOptions {
  /** Requests per second per user; 0 turns the budget off. */
  perUserRate: number;
  /** Bucket size per user: enough for a client rejoining all of its rooms after a reconnect. */
  perUserBurst: number;
  /** Requests per second per address (IPv4, or IPv6 /64); 0 turns it off. */
  perAddressRate: number;
  perAddressBurst: number;
  /** `nick` costs an fsynced write and a presence event in every room of the user: rarer still. */
  nickRate: number;
  nickBurst: number;
  now?: () => number;
}

/**
 * Defaults: a user may rejoin 100 rooms at once (MAX_ROOMS_PER_CONNECTION) and then make 20
 * requests a second; an address (a classroom behind one NAT) 500 at once and 50 a second; a nick
 * change every 2 seconds, 5 at once. A flood of 12,000 `history` requests in 2 s gets about 240
 * answers and 11,760 `rate_limited`.
 */
export const DEFAULT_REQUEST_BUDGET: RequestBudgetOptions = {
  perUserRate: 20,
  perUserBurst: 200,
  perAddressRate: 50,
  perAddressBurst: 500,
  nickRate: 0.5,
  nickBurst: 5,
};

export class RequestBudget {
  private readonly users: MemoryRateLimiter;
  private readonly addresses: MemoryRateLimiter;
  private readonly nicks: MemoryRateLimiter;

  constructor(options: RequestBudgetOptions = DEFAULT_REQUEST_BUDGET) {
    const { now } = options;
    this.users = new MemoryRateLimiter({ rate: options.perUserRate, burst: options.perUserBurst, now });
    this.addresses = new MemoryRateLimiter({ rate: options.perAddressRate, burst: options.perAddressBurst, now });
    this.nicks = new MemoryRateLimiter({ rate: options.nickRate, burst: options.nickBurst, now });
  }

  /**
   * Takes one request from the user's and the address's budget (and the nick budget for `nick`):
   * 0 when allowed, else the milliseconds until it would be.
   */
  take(userId: string, address: string, nick = false): number {
    const wait = Math.max(this.users.take(userId), this.addresses.take(address));
    if (wait > 0 || !nick) return wait;
    return this.nicks.take(userId);
  }
}
