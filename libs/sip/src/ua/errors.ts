import type { SipResponse } from '../message/message';

/** Misuse of the API or a call/dialog in the wrong state. */
export class SipError extends Error {
  override readonly name: string = 'SipError';
}

/**
 * A request that did not succeed: a non-2xx final response, no response at
 * all (status 408) or a transport failure (status 503), as RFC 3261 §8.1.3.1
 * maps them.
 */
export class SipRequestError extends SipError {
  override readonly name = 'SipRequestError';

  constructor(
    readonly status: number,
    readonly reason: string,
    readonly response?: SipResponse,
  ) {
    super(`${status} ${reason}`);
  }
}
