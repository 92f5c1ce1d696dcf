/**
 * Appointments, in the brain's language. A gRPC adapter over BookingService
 * (libs/rpc) will implement it; tests and the eval use the in-memory adapter.
 */

export interface BookingSlot {
  readonly start: Date;
  readonly end: Date;
}

export interface AvailabilityQuery {
  /** Service id from the knowledge file. */
  readonly service: string;
  /** Slots starting in [from, to). */
  readonly from: Date;
  readonly to: Date;
  readonly limit: number;
}

export interface BookRequest {
  /** The same id again returns the same booking (BookingService is idempotent per request id). */
  readonly requestId: string;
  readonly service: string;
  readonly start: Date;
  readonly callerNumber: string;
  readonly callerName: string;
  readonly callId: string;
}

export type BookOutcome =
  | { readonly status: 'booked'; readonly appointmentId: string; readonly start: Date }
  /** ALREADY_EXISTS: someone took the slot; the service suggests others. */
  | { readonly status: 'taken'; readonly alternatives: readonly BookingSlot[] }
  /** INVALID_ARGUMENT: outside hours, too soon, too far ahead, unknown service. */
  | { readonly status: 'rejected'; readonly reason: string };

export interface BookingPort {
  availability(query: AvailabilityQuery): Promise<readonly BookingSlot[]>;
  book(request: BookRequest): Promise<BookOutcome>;
}
