import { credentials as grpcCredentials, status, type ChannelCredentials, type ChannelOptions, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { booking } from '@voiceagent/contracts';
import { BOOKING_ALTERNATIVES_TRAILER, BOOKING_FIELD_TRAILER } from './booking-wire';
import { InvalidBookingError, NotFoundError, RpcError, SlotTakenError, type Slot } from './errors';
import { unaryCall, type CallOptions, type Invoke } from './unary';

export interface BookingClientOptions {
  /** Deadline of each call unless the call sets its own (default 3 s: a caller is waiting on the line). */
  readonly timeoutMs?: number;
  /** Default: plaintext (inside the cluster). */
  readonly credentials?: ChannelCredentials;
  readonly channelOptions?: ChannelOptions;
}

export type AppointmentStatus = 'booked' | 'cancelled';

export interface Appointment {
  readonly id: string;
  readonly service: string;
  readonly start: Date;
  readonly end: Date;
  readonly callerNumber: string;
  /** Empty when not given; likewise notes and callId. */
  readonly callerName: string;
  readonly status: AppointmentStatus;
  readonly notes: string;
  readonly callId: string;
  readonly createdAt: Date;
}

export interface AvailabilityQuery {
  readonly service: string;
  /** Default: now. */
  readonly from?: Date;
  /** Default: two weeks after `from`. */
  readonly to?: Date;
  /** Default 20, at most 500. */
  readonly limit?: number;
}

export interface BookInput {
  /** Client-chosen idempotency key: retrying with the same id returns the same booking. */
  readonly requestId: string;
  readonly service: string;
  readonly start: Date;
  readonly callerNumber: string;
  readonly callerName?: string;
  readonly callId?: string;
  readonly notes?: string;
}

/** BookingService with promises, deadlines and typed errors (SlotTakenError, InvalidBookingError, NotFoundError, RpcError). */
export interface BookingClient {
  listAvailability(query: AvailabilityQuery, options?: CallOptions): Promise<Slot[]>;
  book(input: BookInput, options?: CallOptions): Promise<Appointment>;
  /** Cancelling a cancelled appointment returns it unchanged. */
  cancel(appointmentId: string, reason?: string, options?: CallOptions): Promise<Appointment>;
  get(appointmentId: string, options?: CallOptions): Promise<Appointment>;
  /** Booked and cancelled appointments of a caller, earliest first. */
  listByCaller(callerNumber: string, options?: CallOptions): Promise<Appointment[]>;
  /** Closes the channel; calls in flight fail with CANCELLED. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 3_000;

/** A client of BookingService at `address` (host:port, e.g. BOOKING_ADDRESS). Connects lazily. */
export function bookingClient(address: string, options: BookingClientOptions = {}): BookingClient {
  const client = new booking.BookingServiceClient(address, options.credentials ?? grpcCredentials.createInsecure(), options.channelOptions);
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const unary = <Req, Res>(invoke: Invoke<Req, Res>, request: Req, call?: CallOptions) => unaryCall(invoke, request, defaultTimeout, toRpcError, call);

  return {
    async listAvailability(query, call) {
      const request: booking.ListAvailabilityRequest = { service: query.service, from: query.from, to: query.to, limit: query.limit ?? 0 };
      const response = await unary<booking.ListAvailabilityRequest, booking.ListAvailabilityResponse>(
        (req, md, opts, cb) => client.listAvailability(req, md, opts, cb),
        request,
        call,
      );
      return response.slots.map(toSlot);
    },
    async book(input, call) {
      const request: booking.BookRequest = {
        requestId: input.requestId,
        service: input.service,
        start: input.start,
        callerNumber: input.callerNumber,
        callerName: input.callerName ?? '',
        callId: input.callId ?? '',
        notes: input.notes ?? '',
      };
      const response = await unary<booking.BookRequest, booking.BookResponse>((req, md, opts, cb) => client.book(req, md, opts, cb), request, call);
      return toAppointment(response.appointment);
    },
    async cancel(appointmentId, reason, call) {
      const response = await unary<booking.CancelRequest, booking.CancelResponse>(
        (req, md, opts, cb) => client.cancel(req, md, opts, cb),
        { appointmentId, reason: reason ?? '' },
        call,
      );
      return toAppointment(response.appointment);
    },
    async get(appointmentId, call) {
      const response = await unary<booking.GetRequest, booking.GetResponse>((req, md, opts, cb) => client.get(req, md, opts, cb), { appointmentId }, call);
      return toAppointment(response.appointment);
    },
    async listByCaller(callerNumber, call) {
      const response = await unary<booking.ListByCallerRequest, booking.ListByCallerResponse>(
        (req, md, opts, cb) => client.listByCaller(req, md, opts, cb),
        { callerNumber },
        call,
      );
      return response.appointments.map((appointment) => toAppointment(appointment));
    },
    close() {
      client.close();
    },
  };
}

/** The typed error for a gRPC status, with what the server put in the trailers. */
export function toRpcError(error: ServiceError): RpcError {
  const message = error.details || error.message;
  const options = { cause: error };
  switch (error.code) {
    case status.ALREADY_EXISTS:
      return new SlotTakenError(message, alternativesIn(error.metadata), options);
    case status.INVALID_ARGUMENT: {
      const field = error.metadata?.get(BOOKING_FIELD_TRAILER)[0];
      return new InvalidBookingError(message, typeof field === 'string' ? field : undefined, options);
    }
    case status.NOT_FOUND:
      return new NotFoundError(message, options);
    default:
      return new RpcError(message, error.code, options);
  }
}

function alternativesIn(metadata: Metadata | undefined): Slot[] {
  const value = metadata?.get(BOOKING_ALTERNATIVES_TRAILER)[0];
  if (!(value instanceof Buffer)) return [];
  try {
    return booking.SlotTaken.decode(value).alternatives.map(toSlot);
  } catch {
    // A garbled trailer still leaves a usable SlotTakenError.
    return [];
  }
}

function toSlot(slot: booking.Slot): Slot {
  return { start: required(slot.start, 'slot.start'), end: required(slot.end, 'slot.end') };
}

function toAppointment(appointment: booking.Appointment | undefined): Appointment {
  if (!appointment) throw new RpcError('the response has no appointment', status.INTERNAL);
  return {
    id: appointment.id,
    service: appointment.service,
    start: required(appointment.start, 'appointment.start'),
    end: required(appointment.end, 'appointment.end'),
    callerNumber: appointment.callerNumber,
    callerName: appointment.callerName,
    status: appointment.status === booking.AppointmentStatus.APPOINTMENT_STATUS_CANCELLED ? 'cancelled' : 'booked',
    notes: appointment.notes,
    callId: appointment.callId,
    createdAt: required(appointment.createdAt, 'appointment.created_at'),
  };
}

function required(date: Date | undefined, field: string): Date {
  if (!date) throw new RpcError(`the response has no ${field}`, status.INTERNAL);
  return date;
}
