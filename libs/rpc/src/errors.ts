import { status } from '@grpc/grpc-js';

/** A failed call to a platform service; `code` is the gRPC status. */
export class RpcError extends Error {
  override readonly name: string = 'RpcError';
  constructor(
    message: string,
    readonly code: status,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** True when the same call may succeed later (server down or slow); Book may be retried with the same request id. */
  get retryable(): boolean {
    return this.code === status.UNAVAILABLE || this.code === status.DEADLINE_EXCEEDED || this.code === status.RESOURCE_EXHAUSTED;
  }
}

export interface Slot {
  readonly start: Date;
  readonly end: Date;
}

/** The requested time is booked already; `alternatives` are free slots near it (possibly none). */
export class SlotTakenError extends RpcError {
  override readonly name = 'SlotTakenError';
  constructor(
    message: string,
    readonly alternatives: readonly Slot[],
    options?: ErrorOptions,
  ) {
    super(message, status.ALREADY_EXISTS, options);
  }
}

/** The request broke a rule (unknown service, outside opening hours, ...); `field` names the request field at fault. */
export class InvalidBookingError extends RpcError {
  override readonly name = 'InvalidBookingError';
  constructor(
    message: string,
    readonly field: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, status.INVALID_ARGUMENT, options);
  }
}

export class NotFoundError extends RpcError {
  override readonly name = 'NotFoundError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, status.NOT_FOUND, options);
  }
}
