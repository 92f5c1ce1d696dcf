import { Metadata, status, type ServerErrorResponse, type handleUnaryCall } from '@grpc/grpc-js';
import { booking } from '@voiceagent/contracts';
import { BOOKING_ALTERNATIVES_TRAILER, BOOKING_FIELD_TRAILER } from '@voiceagent/rpc';
import type { Logger } from '@voiceagent/telemetry';
import type { AppointmentView, BookingDesk } from '../domain/booking-desk';
import { AppointmentNotFound, InvalidBookingRequest, SlotUnavailable } from '../domain/errors';
import type { Slot } from '../domain/slots';

/** BookingService handlers over the booking desk: proto in and out, domain errors to gRPC statuses. */
export function bookingHandlers(desk: BookingDesk, logger: Logger): booking.BookingServiceServer {
  function unary<Req, Res>(method: string, run: (request: Req) => Promise<Res>): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      run(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toStatus(error, method, logger)),
      );
    };
  }
  return {
    listAvailability: unary('ListAvailability', async (request: booking.ListAvailabilityRequest) => ({
      slots: (await desk.listAvailability({ service: request.service, from: request.from, to: request.to, limit: request.limit })).map(toSlot),
    })),
    book: unary('Book', async (request: booking.BookRequest) => {
      const outcome = await desk.book(request);
      if (outcome.created) {
        logger.info({ appointmentId: outcome.appointment.id, service: outcome.appointment.service, start: outcome.appointment.start, callId: request.callId || undefined }, 'appointment booked');
      }
      return { appointment: toAppointment(outcome.appointment) };
    }),
    cancel: unary('Cancel', async (request: booking.CancelRequest) => {
      const appointment = await desk.cancel(request.appointmentId);
      logger.info({ appointmentId: appointment.id, reason: request.reason || undefined }, 'appointment cancelled');
      return { appointment: toAppointment(appointment) };
    }),
    get: unary('Get', async (request: booking.GetRequest) => ({ appointment: toAppointment(await desk.get(request.appointmentId)) })),
    listByCaller: unary('ListByCaller', async (request: booking.ListByCallerRequest) => ({
      appointments: (await desk.listByCaller(request.callerNumber)).map(toAppointment),
    })),
  };
}

function toStatus(error: unknown, method: string, logger: Logger): ServerErrorResponse {
  const metadata = new Metadata();
  if (error instanceof InvalidBookingRequest) {
    metadata.set(BOOKING_FIELD_TRAILER, error.field);
    return Object.assign(new Error(error.message), { code: status.INVALID_ARGUMENT, details: error.message, metadata });
  }
  if (error instanceof SlotUnavailable) {
    const taken = booking.SlotTaken.encode({ alternatives: error.alternatives.map(toSlot) }).finish();
    metadata.set(BOOKING_ALTERNATIVES_TRAILER, Buffer.from(taken));
    return Object.assign(new Error(error.message), { code: status.ALREADY_EXISTS, details: error.message, metadata });
  }
  if (error instanceof AppointmentNotFound) {
    return Object.assign(new Error(error.message), { code: status.NOT_FOUND, details: error.message });
  }
  // Database or bug: the details stay in the log, not on the wire.
  logger.error({ err: error, method }, 'booking request failed');
  return Object.assign(new Error('internal error'), { code: status.INTERNAL, details: 'internal error' });
}

const toSlot = (slot: Slot): booking.Slot => ({ start: slot.start, end: slot.end });

function toAppointment(appointment: AppointmentView): booking.Appointment {
  return {
    ...appointment,
    status: appointment.status === 'cancelled' ? booking.AppointmentStatus.APPOINTMENT_STATUS_CANCELLED : booking.AppointmentStatus.APPOINTMENT_STATUS_BOOKED,
  };
}
