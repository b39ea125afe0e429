// The one way the server bounds a wait on something outside it (a PostgreSQL query, a Redis reply,
// a connection becoming ready).

/** What withTimeout rejects with: `what` names the operation, e.g. "PostgreSQL ping". */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} timed out after ${ms} ms`);
  }
}

/**
 * Settles as `promise` does, unless `ms` pass first: then rejects with a TimeoutError naming
 * `what` ("<what> timed out after <ms> ms"). The timer is cleared either way, and it never keeps
 * the process alive on its own (unref). The operation itself is not cancelled; if it rejects
 * after the timeout, that rejection is swallowed (it was already reported as the timeout).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    timer.unref();
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
