import type { Slot } from './slots';

/** A request the service refuses as written; `field` is the request field at fault (proto name). */
export class InvalidBookingRequest extends Error {
  override readonly name = 'InvalidBookingRequest';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export class AppointmentNotFound extends Error {
  override readonly name = 'AppointmentNotFound';
  constructor(readonly appointmentId: string) {
    super(`appointment ${appointmentId} not found`);
  }
}

/** The requested start is taken on every resource that could take it; `alternatives` are free slots nearby. */
export class SlotUnavailable extends Error {
  override readonly name = 'SlotUnavailable';
  constructor(readonly alternatives: readonly Slot[]) {
    super('the requested time is already booked');
  }
}
