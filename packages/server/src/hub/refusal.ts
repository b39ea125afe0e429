// A request the rules refuse: thrown as a Refusal anywhere below a handler, and answered by
// guarded() with the error frame the client gets (docs/protocol.md, Errors).
import type { ErrorCode } from '@chat/protocol';
import type { Session } from './session.js';

/** Why a request was refused: the error frame the client gets. */
export class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Runs a request whose refusals are thrown as Refusal; other errors are left to the gateway. */
export async function guarded(s: Session, frameRef: string | undefined, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    s.error(err.code, err.message, frameRef, err.retryAfterMs);
  }
}

/** The request's `ref`, echoed in its reply when it had one. */
export const ref = (value: string | undefined): { ref?: string } => (value === undefined ? {} : { ref: value });
