// Who is a server admin: the one check behind every admin right, on the WebSocket (hub) and over
// HTTP alike. An admin is an account whose username is listed in ADMIN_USERS AND that the operator
// made (`chat-server admin create`, ADMIN_PASSWORD_FILE; the store's operatorAdmin flag). The name
// alone is not enough: else whoever registered a listed name first would become admin.
import type { User } from '@chat/protocol';
import type { Store } from '../store/store.js';

export interface AdminsOptions {
  store: Store;
  /** ADMIN_USERS. */
  usernames: readonly string[];
}

/** A listed admin without an account the operator made, and what the operator should run. */
export interface UnclaimedAdmin {
  username: string;
  /** missing: no account has the name; notOperator: someone registered it before the rule above. */
  problem: 'missing' | 'notOperator';
  command: string;
}

/** What the hub needs to know about admins. */
export interface AdminCheck {
  /** True when the user is an admin. Guests never are. */
  isAdmin(user: User): Promise<boolean>;
}

export class Admins implements AdminCheck {
  private readonly store: Store;
  private readonly usernames: ReadonlySet<string>;

  constructor(options: AdminsOptions) {
    this.store = options.store;
    this.usernames = new Set(options.usernames);
  }

  /** The name is in ADMIN_USERS: nobody may register it (the operator makes its account). */
  listed(username: string): boolean {
    return this.usernames.has(username);
  }

  /** True when the user is an admin. Guests never are: their ids are no account's. */
  async isAdmin(user: User): Promise<boolean> {
    // An account's nick is its username (accounts cannot rename); the id check keeps a guest
    // whose nick equals an admin's name from passing.
    if (!this.usernames.has(user.nick)) return false;
    const account = await this.store.accountByUsername(user.nick);
    return account !== null && account.user.id === user.id && account.operatorAdmin;
  }

  /** Listed names that are nobody's admin account yet, in ADMIN_USERS order (start-up warns about each). */
  async unclaimed(): Promise<UnclaimedAdmin[]> {
    const out: UnclaimedAdmin[] = [];
    for (const username of this.usernames) {
      const account = await this.store.accountByUsername(username);
      if (account === null) out.push({ username, problem: 'missing', command: `chat-server admin create ${username}` });
      else if (!account.operatorAdmin) out.push({ username, problem: 'notOperator', command: `chat-server admin create ${username} --reset` });
    }
    return out;
  }
}

/** The start-up warning for an unclaimed admin: names it and the command that fixes it. */
export function unclaimedWarning(admin: UnclaimedAdmin): string {
  return admin.problem === 'missing'
    ? `ADMIN_USERS lists ${admin.username}, which has no account: create it with \`${admin.command}\` (or ADMIN_PASSWORD_FILE); until then nobody has its admin rights`
    : `ADMIN_USERS lists ${admin.username}, whose account was registered by someone, not made by the operator: it has no admin rights; take it over with \`${admin.command}\``;
}
