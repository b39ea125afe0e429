// How a connection says who we are (docs/protocol.md, "Connecting"), and what it means when the
// server closes it before `welcome`: the upgrade's HTTP 401 is invisible to browser code, so a
// refused identity looks just like a server that is down. The health check, `api/me`, `api/info`
// or `api/nicks/check` (a guest's name: an account's, or against the rules) tell the two apart.
import { WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '@chat/protocol';
import type { AccountHooks } from './account-hooks.js';
import type { ChatState } from './chat-state.js';
import type { ClientStorage } from './client-storage.js';
import type { Notices } from './notices.js';

/** How the current connection says who we are: the cookie, a guest token, or a new guest's nick. */
export type Identity = 'account' | 'token' | 'guest';

/** What a socket is opened with, and which identity that is. */
export interface Credentials {
  query: Record<string, string>;
  /** Sec-WebSocket-Protocol: `chat`, and a guest's token as `token.<TOKEN>`. */
  protocols: string[];
  identity: Identity;
}

/**
 * Signed in, the session cookie goes with the upgrade by itself, and a guest token or nick would
 * win over it, so there is none. A guest's token goes as a subprotocol, never in the query: URLs
 * end up in proxy access logs (docs/protocol.md, "The token as a subprotocol").
 */
export function credentials(account: boolean, storage: ClientStorage): Credentials {
  const token = account ? null : storage.token();
  const nick = account ? null : storage.nick();
  return {
    query: !token && nick ? { nick } : {},
    protocols: token ? [WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX + token] : [WS_PROTOCOL],
    identity: account ? 'account' : token ? 'token' : 'guest',
  };
}

/** What `onConnectionLost` may look at and do. */
export interface IdentityContext {
  readonly state: ChatState;
  readonly storage: ClientStorage;
  readonly notices: Notices;
  readonly accounts: AccountHooks | undefined;
  /** Resolves true when the server answers its health check. */
  serverIsUp(): Promise<boolean>;
  /** The client still wants to be connected (not stopped meanwhile). */
  wanted(): boolean;
  /** Connects again after the backoff delay. */
  reconnect(): void;
  stop(): void;
  signedOut(notice: string): void;
}

/**
 * A socket closed while the client wanted it open. After `welcome` that is the network or the
 * server going away: reconnect. Before, find out whether this identity was refused first.
 */
export function onConnectionLost(ctx: IdentityContext, identity: Identity, welcomed: boolean): void {
  const { accounts, state } = ctx;
  if (!welcomed && identity === 'account' && accounts) {
    // The server is down, or the session is over (signed out in another tab, expired).
    void ctx.serverIsUp().then(async (up) => {
      const valid = up ? await accounts.sessionValid().catch(() => null) : null;
      if (valid === false && ctx.wanted() && state.account) return ctx.signedOut('session_expired');
      ctx.reconnect();
    });
    return;
  }
  if (!welcomed && identity === 'guest' && accounts) {
    // A new guest refused: when the server no longer takes guests, or an account owns the name
    // (409) or the rules forbid it (400), retrying is pointless: ask which, and ask for a name.
    const nick = ctx.storage.nick();
    void Promise.all([
      accounts.guestsAllowed().catch(() => null),
      nick !== null && accounts.nickAvailable ? accounts.nickAvailable(nick).catch(() => null) : null,
    ]).then(([allowed, verdict]) => {
      if (!ctx.wanted() || state.account) return ctx.reconnect();
      if (allowed === false || (verdict?.available === false && verdict.reason === 'guests_disabled')) {
        state.allowGuests = false;
        ctx.stop();
        state.needsName = true;
        ctx.notices.set('guests_disabled');
        return;
      }
      if (verdict?.available === false && nick !== null) {
        ctx.stop();
        ctx.storage.forgetNick();
        state.needsName = true;
        ctx.notices.set(refusedNickNotice(verdict.reason), { nick });
        return;
      }
      ctx.reconnect();
    });
    return;
  }
  if (!welcomed && identity === 'token') {
    // The server is down, or it no longer knows our token.
    void ctx.serverIsUp().then((up) => {
      if (up && ctx.wanted()) {
        ctx.storage.forgetToken();
        ctx.notices.set('identity_lost');
      }
      ctx.reconnect();
    });
    return;
  }
  ctx.reconnect();
}

/** The welcome screen's notice for a stored guest name the server refuses (api/nicks/check's reason). */
export function refusedNickNotice(reason: string): 'nick_account' | 'nick_invalid' | 'nick_refused' {
  return reason === 'account' ? 'nick_account' : reason === 'invalid' ? 'nick_invalid' : 'nick_refused';
}
