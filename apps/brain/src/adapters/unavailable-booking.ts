import type { BookingPort } from '../ports/booking';

/** Stands in until the gRPC BookingService adapter exists: every request fails, so the brain hands booking callers to a person. */
export class UnavailableBooking implements BookingPort {
  async availability(): Promise<never> {
    throw new Error('booking service not connected');
  }

  async book(): Promise<never> {
    throw new Error('booking service not connected');
  }
}
