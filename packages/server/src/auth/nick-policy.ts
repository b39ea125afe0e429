// Which names nobody new may take: a guest's nick, and a new account's username, must
// not be, or pass for, an account's username, nor a name listed in ADMIN_USERS, even before the
// operator has made that admin's account (else a guest calls itself `root`, or someone registers
// `r00t`, and passes for the admin). "Passes for" is the TR39 skeleton of nick-skeleton.ts;
// accounts are looked up by theirs in the store, so an account made on any node counts.
import { normalizeNick } from '@chat/protocol';
import type { Store } from '../store/store.js';
import { nickSkeletons, usernameSkeleton } from './nick-skeleton.js';

/** What the hub and the gateway ask of the nick rules. */
export interface NickCheck {
  /** True when the nick is an account's username or a reserved name, or looks like one. */
  taken(nick: string): Promise<boolean>;
}

export interface NickPolicyOptions {
  store: Store;
  /** Names reserved with or without an account (ADMIN_USERS). */
  reserved?: readonly string[];
}

export class NickPolicy implements NickCheck {
  private readonly store: Store;
  private readonly reservedSkeletons: ReadonlySet<string>;

  constructor(options: NickPolicyOptions) {
    this.store = options.store;
    this.reservedSkeletons = new Set((options.reserved ?? []).map(usernameSkeleton));
  }

  async taken(nick: string): Promise<boolean> {
    if (nickSkeletons(nick).some((key) => this.reservedSkeletons.has(key))) return true;
    return (await this.store.lookalikeAccount(nick)) !== null;
  }
}

/**
 * Whether a new guest may call itself `requested`: the rule of the WebSocket upgrade's `?nick=`
 * (gateway/identity.ts), which `GET api/nicks/check` answers with too (http/nick-routes.ts), so
 * the welcome screen hears what the upgrade would say. `account` covers reserved names and
 * lookalikes as well: the answer does not tell which.
 */
export type GuestNickVerdict = { ok: true; nick: string } | { ok: false; reason: 'invalid' | 'account' };

export async function checkGuestNick(requested: string, nicks: NickCheck): Promise<GuestNickVerdict> {
  const nick = normalizeNick(requested);
  if (nick === null) return { ok: false, reason: 'invalid' };
  if (await nicks.taken(nick)) return { ok: false, reason: 'account' };
  return { ok: true, nick };
}
