import { InvalidBookingError, SlotTakenError, bookingClient, type BookingClient } from '@voiceagent/rpc';
import type { AvailabilityQuery, BookOutcome, BookRequest, BookingPort, BookingSlot } from '../ports/booking';

/** BookingService over gRPC (BOOKING_ADDRESS). Unreachable or failing service errors propagate: the brain hands the caller to a person. */
export class GrpcBooking implements BookingPort {
  private readonly client: BookingClient;

  constructor(address: string) {
    this.client = bookingClient(address);
  }

  availability(query: AvailabilityQuery): Promise<readonly BookingSlot[]> {
    return this.client.listAvailability(query);
  }

  async book(request: BookRequest): Promise<BookOutcome> {
    try {
      const appointment = await this.client.book(request);
      return { status: 'booked', appointmentId: appointment.id, start: appointment.start };
    } catch (error) {
      if (error instanceof SlotTakenError) return { status: 'taken', alternatives: error.alternatives };
      if (error instanceof InvalidBookingError) return { status: 'rejected', reason: error.message };
      throw error;
    }
  }

  close(): void {
    this.client.close();
  }
}
