// Sign-in throttling (docs/security.md). A sign-in costs a 128 MiB scrypt, so every attempt counts, and
// guessing must be slow without letting a guesser lock the real owner out:
//   - per client address (IPv6: per /64), every attempt, successes too: `perIp` per 10 minutes,
//     and at most half of them failures (one address cannot hog the hasher, nor spray guesses);
//   - per (account, address) pair, failures back off exponentially (FailureBackoff: 3 free, then
//     5 s doubling to 15 minutes), so a guesser at one account slows only themselves;
//   - per account, failures from addresses where it has not signed in: `perAccount` an hour, for
//     guessing spread over many addresses. Addresses where the account signed in successfully
//     (in the last 30 days, on this node) are exempt, so its owner at home still gets in.
// Account names are counted whether or not they exist, so answers say nothing about which do.
// All of it lives in this node's memory: a cluster of N nodes allows N times as much.
import { FailureBackoff } from './failure-backoff.js';
import { ipKey, WindowCounter } from './window-counter.js';

export interface LoginThrottleOptions {
  /** Attempts per client address per `ipWindowMs`, successes included (default 60; 0: no limit). Failures: half. */
  perIp?: number;
  /** Default 10 minutes. */
  ipWindowMs?: number;
  /** Failures per account from addresses where it has not signed in, per `accountWindowMs` (default 20). */
  perAccount?: number;
  /** Default 1 hour. */
  accountWindowMs?: number;
  /** How long an address where the account signed in stays exempt from the account's cap (default 30 days). */
  knownForMs?: number;
  /** Entries remembered at most per map (default 100,000), least recently used forgotten first. */
  maxKeys?: number;
  now?: () => number;
}

/** An attempt in progress: counted as a failure until judged. Call exactly one of the three. */
export interface LoginAttempt {
  /** The password matched. */
  succeeded(): void;
  /** The password did not match (or the account does not exist). */
  failed(): void;
  /** The attempt could not be judged (server busy, store error): it counts for nothing. */
  abandoned(): void;
}

export class LoginThrottle {
  private readonly ipAttempts: WindowCounter;
  private readonly ipFailures: WindowCounter;
  private readonly accountFailures: WindowCounter;
  private readonly pairs: FailureBackoff;
  /** `account\naddress` -> when the account last signed in from there. Map order: least recent first. */
  private readonly known = new Map<string, number>();
  private readonly knownForMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: LoginThrottleOptions = {}) {
    const perIp = options.perIp ?? 60;
    const ipWindowMs = options.ipWindowMs ?? 10 * 60 * 1000;
    const accountWindowMs = options.accountWindowMs ?? 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.knownForMs = options.knownForMs ?? 30 * 24 * 60 * 60 * 1000;
    const common = { now: this.now, maxKeys: this.maxKeys };
    this.ipAttempts = new WindowCounter({ limit: perIp, windowMs: ipWindowMs, ...common });
    this.ipFailures = new WindowCounter({ limit: Math.ceil(perIp / 2), windowMs: ipWindowMs, ...common });
    this.accountFailures = new WindowCounter({ limit: options.perAccount ?? 20, windowMs: accountWindowMs, ...common });
    this.pairs = new FailureBackoff(common);
  }

  /**
   * Starts a sign-in: `{ retryAfterMs }` when it must be refused (nothing is counted then), else the
   * attempt. It counts as a failure from the start, so parallel guesses cannot all slip in.
   */
  begin(username: string, ip: string): { retryAfterMs: number } | LoginAttempt {
    const address = ipKey(ip);
    const pair = `${username}\n${address}`;
    const known = this.isKnown(pair);
    const retryAfterMs = Math.max(
      this.ipAttempts.retryAfterMs(address),
      this.ipFailures.retryAfterMs(address),
      this.pairs.retryAfterMs(pair),
      known ? 0 : this.accountFailures.retryAfterMs(username),
    );
    if (retryAfterMs > 0) return { retryAfterMs };
    this.ipAttempts.add(address);
    this.ipFailures.add(address);
    this.pairs.begin(pair);
    if (!known) this.accountFailures.add(username);
    return {
      succeeded: () => {
        // Only this attempt is taken back from the account's count: failures from other addresses
        // stay, or a distributed guesser could wait for the owner to sign in and go on.
        this.ipFailures.remove(address);
        this.pairs.reset(pair);
        if (!known) this.accountFailures.remove(username);
        this.remember(pair);
      },
      failed: () => this.pairs.failed(pair),
      abandoned: () => {
        this.ipAttempts.remove(address);
        this.ipFailures.remove(address);
        this.pairs.abandoned(pair);
        if (!known) this.accountFailures.remove(username);
      },
    };
  }

  private isKnown(pair: string): boolean {
    const at = this.known.get(pair);
    if (at === undefined) return false;
    if (this.now() - at < this.knownForMs) return true;
    this.known.delete(pair);
    return false;
  }

  private remember(pair: string): void {
    this.known.delete(pair);
    this.known.set(pair, this.now());
    if (this.known.size > this.maxKeys) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }
}
