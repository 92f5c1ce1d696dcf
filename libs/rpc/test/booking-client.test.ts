import { Metadata, Server, ServerCredentials, status, type ServerErrorResponse, type sendUnaryData } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booking } from '@voiceagent/contracts';
import {
  BOOKING_ALTERNATIVES_TRAILER,
  BOOKING_FIELD_TRAILER,
  bookingClient,
  InvalidBookingError,
  NotFoundError,
  RpcError,
  SlotTakenError,
  type BookingClient,
} from '../src/index';

const slot = (iso: string) => ({ start: new Date(iso), end: new Date(new Date(iso).getTime() + 1_800_000) });
const failure = (code: status, details: string, metadata = new Metadata()): ServerErrorResponse =>
  Object.assign(new Error(details), { code, details, metadata });

// A scripted BookingService: each method answers from the request, so one server covers every mapping.
const handlers: booking.BookingServiceServer = {
  listAvailability: (call, callback) => {
    if (call.request.service === 'slow') return; // never answers: deadlines and cancellation
    callback(null, { slots: [slot('2030-01-07T15:00:00Z')] });
  },
  book: (call, callback: sendUnaryData<booking.BookResponse>) => {
    const metadata = new Metadata();
    if (call.request.service === 'taken') {
      metadata.set(BOOKING_ALTERNATIVES_TRAILER, Buffer.from(booking.SlotTaken.encode({ alternatives: [slot('2030-01-07T15:30:00Z')] }).finish()));
      return callback(failure(status.ALREADY_EXISTS, 'the requested time is already booked', metadata));
    }
    metadata.set(BOOKING_FIELD_TRAILER, 'start');
    callback(failure(status.INVALID_ARGUMENT, 'start: is outside opening hours', metadata));
  },
  cancel: (_call, callback) => callback(failure(status.NOT_FOUND, 'appointment x not found')),
  get: (call, callback) =>
    callback(null, {
      appointment: {
        id: call.request.appointmentId,
        service: 'cut',
        start: new Date('2030-01-07T15:00:00Z'),
        end: new Date('2030-01-07T15:30:00Z'),
        callerNumber: '+15550100',
        callerName: '',
        status: booking.AppointmentStatus.APPOINTMENT_STATUS_CANCELLED,
        notes: '',
        callId: '',
        createdAt: new Date('2030-01-01T00:00:00Z'),
      },
    }),
  listByCaller: (_call, callback) => callback(failure(status.INTERNAL, 'internal error')),
};

describe('bookingClient', () => {
  const server = new Server();
  let client: BookingClient;

  beforeAll(async () => {
    server.addService(booking.BookingServiceService, handlers);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    client = bookingClient(`127.0.0.1:${port}`, { timeoutMs: 5_000 });
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  it('returns plain values with dates and a status word', async () => {
    expect(await client.listAvailability({ service: 'cut' })).toEqual([slot('2030-01-07T15:00:00Z')]);
    expect(await client.get('a-1')).toMatchObject({ id: 'a-1', status: 'cancelled', start: new Date('2030-01-07T15:00:00Z') });
  });

  it('turns ALREADY_EXISTS into SlotTakenError with the alternatives from the trailer', async () => {
    const error = await client.book({ requestId: 'r', service: 'taken', start: new Date(), callerNumber: '+1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlotTakenError);
    expect((error as SlotTakenError).alternatives).toEqual([slot('2030-01-07T15:30:00Z')]);
    expect((error as SlotTakenError).code).toBe(status.ALREADY_EXISTS);
  });

  it('turns INVALID_ARGUMENT into InvalidBookingError naming the field, NOT_FOUND into NotFoundError, the rest into RpcError', async () => {
    await expect(client.book({ requestId: 'r', service: 'cut', start: new Date(), callerNumber: '+1' })).rejects.toEqual(
      expect.objectContaining({ name: 'InvalidBookingError', field: 'start', message: 'start: is outside opening hours' }),
    );
    await expect(client.cancel('x')).rejects.toBeInstanceOf(NotFoundError);
    const internal = await client.listByCaller('+1').catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(RpcError);
    expect(internal).not.toBeInstanceOf(InvalidBookingError);
    expect(internal).toMatchObject({ code: status.INTERNAL, retryable: false });
  });

  it('gives up at the deadline with a retryable error', async () => {
    const error = await client.listAvailability({ service: 'slow' }, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RpcError', code: status.DEADLINE_EXCEEDED, retryable: true });
  });

  it('cancels a call when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = client.listAvailability({ service: 'slow' }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller hung up')), 20);
    await expect(pending).rejects.toThrow('caller hung up');
    await expect(client.listAvailability({ service: 'cut' }, { signal: controller.signal })).rejects.toThrow('caller hung up');
  });
});
