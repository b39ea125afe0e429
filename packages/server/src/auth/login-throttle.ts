// Slows password guessing: failed logins are counted per account name (whether or not it exists,
// so the answer says nothing about which names do) and per client IP. Past a limit, logins are
// refused with 429 + Retry-After without even checking the password.
import { ipKey, WindowCounter } from './window-counter.js';

export interface LoginThrottleOptions {
  /** Failed logins per account name per window (default 5). */
  perAccount?: number;
  /** Failed logins per client IP (IPv6: per /64) per window (default 20). */
  perIp?: number;
  /** Default 15 minutes. */
  windowMs?: number;
  now?: () => number;
}

/** An attempt in progress: counted as a failure until it succeeds. */
export interface LoginAttempt {
  /** Call once the password matched. */
  succeeded(): void;
  /** Call when the attempt could not be judged (server busy, store error): it counts for nothing. */
  abandoned(): void;
}

export class LoginThrottle {
  private readonly accounts: WindowCounter;
  private readonly ips: WindowCounter;

  constructor(options: LoginThrottleOptions = {}) {
    const windowMs = options.windowMs ?? 15 * 60 * 1000;
    this.accounts = new WindowCounter({ limit: options.perAccount ?? 5, windowMs, now: options.now });
    this.ips = new WindowCounter({ limit: options.perIp ?? 20, windowMs, now: options.now });
  }

  /**
   * Starts a login attempt: `{ retryAfterMs }` when it must be refused, else the attempt. The
   * attempt counts as a failure from the start, so parallel guesses cannot all slip in before the
   * first one fails; success takes it back.
   */
  begin(username: string, ip: string): { retryAfterMs: number } | LoginAttempt {
    const ipk = ipKey(ip);
    const retryAfterMs = Math.max(this.accounts.retryAfterMs(username), this.ips.retryAfterMs(ipk));
    if (retryAfterMs > 0) return { retryAfterMs };
    this.accounts.add(username);
    this.ips.add(ipk);
    return {
      succeeded: () => {
        // The account's slate is wiped (its owner knows the password). The IP's is not: else one
        // attacker-owned account would reset the IP budget between guesses at other accounts.
        this.accounts.reset(username);
        this.ips.remove(ipk);
      },
      abandoned: () => {
        this.accounts.remove(username);
        this.ips.remove(ipk);
      },
    };
  }
}
