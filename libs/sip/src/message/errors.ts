import type { AnySipMessage } from './message';

/**
 * The only error the codec throws for bad input. `partial` is set when the
 * start line and header lines were readable, so a caller can still decide
 * whether enough is known to answer with `status`.
 */
export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  readonly status: number;
  readonly partial: AnySipMessage | undefined;

  constructor(
    readonly reason: string,
    options: { status?: number; partial?: AnySipMessage } = {},
  ) {
    super(reason);
    this.status = options.status ?? 400;
    this.partial = options.partial;
  }
}
