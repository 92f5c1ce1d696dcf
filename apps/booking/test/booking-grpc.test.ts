import { DateTime } from 'luxon';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appointments, MEMORY_DATA_DIR, openDatabase, type Database } from '@voiceagent/db';
import type { Knowledge, KnowledgeSource } from '@voiceagent/knowledge';
import { bookingClient, InvalidBookingError, NotFoundError, SlotTakenError, type BookingClient, type BookInput } from '@voiceagent/rpc';
import { createLogger } from '@voiceagent/telemetry';
import { PostgresServer } from '@voiceagent/testing';
import { startBookingServer, type BookingServer } from '../src/main';
import { salon } from './salon';

const ZONE = 'America/Chicago';
const local = (text: string): Date => DateTime.fromISO(text, { zone: ZONE }).toJSDate();
const clockOf = (date: Date): string => DateTime.fromJSDate(date, { zone: ZONE }).toFormat('HH:mm');
// Tuesday morning in Chicago: the Monday after next (2025-07-07) is well inside notice and days ahead.
const NOW = local('2025-07-01T08:00');

/** The knowledge in force, swappable per test (what a reloaded file does). */
class TestKnowledge implements KnowledgeSource {
  constructor(private knowledge: Knowledge) {}
  current(): Knowledge {
    return this.knowledge;
  }
  set(knowledge: Knowledge): void {
    this.knowledge = knowledge;
  }
  onChange(): () => void {
    return () => undefined;
  }
}

let postgres: Promise<PostgresServer> | undefined;
afterAll(async () => {
  await (await postgres)?.dispose();
});

const fixtures: Array<{ name: string; open: () => Promise<Database> }> = [
  { name: 'pglite', open: () => openDatabase({ dataDir: MEMORY_DATA_DIR }) },
  {
    name: 'postgres',
    open: async () => {
      const server = await (postgres ??= PostgresServer.start());
      return openDatabase({ url: await server.createDatabase('booking'), dataDir: MEMORY_DATA_DIR, poolSize: 10 });
    },
  },
];

describe.each(fixtures)('BookingService over gRPC on $name', ({ open }) => {
  let database: Database;
  let server: BookingServer;
  let client: BookingClient;
  const knowledge = new TestKnowledge(salon());
  let requests = 0;
  const booking = (start: string, extra: Partial<BookInput> = {}): BookInput => ({
    requestId: `req-${++requests}`,
    service: 'cut',
    start: local(start),
    callerNumber: '+13125550100',
    callerName: 'Ada',
    ...extra,
  });

  beforeAll(async () => {
    database = await open();
    server = await startBookingServer({
      knowledge,
      database,
      logger: createLogger({ service: 'booking-test', level: 'silent' }),
      host: '127.0.0.1',
      port: 0,
      graceMs: 1_000,
      clock: { now: () => NOW },
    });
    client = bookingClient(`127.0.0.1:${server.port}`, { timeoutMs: 20_000 });
  });

  afterAll(async () => {
    client?.close();
    await server?.stop();
    await database?.close();
  });

  beforeEach(async () => {
    knowledge.set(salon());
    await database.db.delete(appointments);
  });

  it('lists free slots from the knowledge file, in the business timezone', async () => {
    const slots = await client.listAvailability({ service: 'cut', from: local('2025-07-07T00:00'), to: local('2025-07-08T00:00'), limit: 3 });
    expect(slots.map((slot) => clockOf(slot.start))).toEqual(['09:00', '09:15', '09:30']);
    expect(slots[0]!.end.getTime() - slots[0]!.start.getTime()).toBe(30 * 60_000);
    expect(await client.listAvailability({ service: 'cut', from: local('2025-07-04T00:00'), to: local('2025-07-05T00:00') })).toEqual([]);
  });

  it('books, finds the booking by id and by caller, and returns the same booking for a repeated request id', async () => {
    const request = booking('2025-07-07T10:00', { notes: 'first visit', callId: 'call-1' });
    const booked = await client.book(request);
    expect(booked).toMatchObject({ service: 'cut', status: 'booked', callerNumber: '+13125550100', callerName: 'Ada', notes: 'first visit', callId: 'call-1' });
    expect(booked.start).toEqual(local('2025-07-07T10:00'));
    expect(booked.end).toEqual(local('2025-07-07T10:30'));
    expect(await client.book(request)).toEqual(booked);
    expect(await client.get(booked.id)).toEqual(booked);
    expect(await client.listByCaller('+13125550100')).toEqual([booked]);
    const slots = await client.listAvailability({ service: 'cut', from: local('2025-07-07T09:30'), to: local('2025-07-07T10:45') });
    expect(slots.map((slot) => clockOf(slot.start))).toEqual(['09:30', '10:30']);
  });

  it('refuses a request id reused for another time', async () => {
    const request = booking('2025-07-07T10:00');
    await client.book(request);
    await expect(client.book({ ...request, start: local('2025-07-07T11:00') })).rejects.toMatchObject({ name: 'InvalidBookingError', field: 'request_id' });
  });

  it('answers a taken slot with ALREADY_EXISTS and the nearest free slots', async () => {
    await client.book(booking('2025-07-07T10:00'));
    const error = await client.book(booking('2025-07-07T10:15', { callerNumber: '+13125550199' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlotTakenError);
    const alternatives = (error as SlotTakenError).alternatives;
    // 10:30 is nearest; 09:30 and 11:00 tie and the later one is offered.
    expect(alternatives.map((slot) => clockOf(slot.start))).toEqual(['10:30', '10:45', '11:00']);
    expect(alternatives[0]!.end).toEqual(local('2025-07-07T11:00'));
  });

  it('refuses invalid requests with INVALID_ARGUMENT naming the field', async () => {
    const cases: Array<[Partial<BookInput>, string, RegExp]> = [
      [{ requestId: '' }, 'request_id', /required/],
      [{ service: 'perm' }, 'service', /unknown service "perm"/],
      [{ service: 'tour' }, 'service', /cannot be booked/],
      [{ start: local('2025-07-07T10:05') }, 'start', /15-minute boundary/],
      [{ start: local('2025-07-07T11:45') }, 'start', /outside opening hours/],
      [{ start: local('2025-07-04T10:00') }, 'start', /outside opening hours/],
      [{ start: local('2025-07-01T08:30') }, 'start', /minimum notice/],
      [{ start: local('2025-09-01T10:00') }, 'start', /days ahead/],
      [{ callerNumber: ' ' }, 'caller_number', /required/],
      [{ callerName: 'x'.repeat(300) }, 'caller_name', /longer than/],
    ];
    for (const [change, field, reason] of cases) {
      const error = await client.book({ ...booking('2025-07-07T10:00'), ...change }).catch((e: unknown) => e);
      expect(error, field).toBeInstanceOf(InvalidBookingError);
      expect(error).toMatchObject({ field, message: expect.stringMatching(reason) });
    }
    const missingStart = await client.book({ ...booking('2025-07-07T10:00'), start: undefined as unknown as Date }).catch((e: unknown) => e);
    expect(missingStart).toMatchObject({ name: 'InvalidBookingError', field: 'start' });
    await expect(client.listAvailability({ service: 'perm' })).rejects.toMatchObject({ field: 'service' });
    await expect(client.listAvailability({ service: 'cut', from: local('2025-07-08T00:00'), to: local('2025-07-07T00:00') })).rejects.toMatchObject({ field: 'to' });
    await expect(client.listByCaller('')).rejects.toMatchObject({ field: 'caller_number' });
    await expect(client.get('')).rejects.toMatchObject({ field: 'appointment_id' });
    expect(await client.listByCaller('+13125550100')).toEqual([]);
  });

  it('answers unknown appointment ids with NOT_FOUND', async () => {
    await expect(client.get('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.get('not-a-uuid')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.cancel('00000000-0000-4000-8000-000000000000', 'changed plans')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('frees the slot when an appointment is cancelled', async () => {
    const first = await client.book(booking('2025-07-07T10:00'));
    const cancelled = await client.cancel(first.id, 'changed plans');
    expect(cancelled).toMatchObject({ id: first.id, status: 'cancelled' });
    expect(await client.cancel(first.id)).toMatchObject({ status: 'cancelled' });
    const second = await client.book(booking('2025-07-07T10:00', { callerNumber: '+13125550199' }));
    expect(second).toMatchObject({ status: 'booked' });
    expect(second.id).not.toBe(first.id);
  });

  it("lists a caller's appointments, earliest first, cancelled ones included", async () => {
    const later = await client.book(booking('2025-07-08T14:00'));
    const earlier = await client.book(booking('2025-07-07T09:00', { service: 'color' }));
    await client.book(booking('2025-07-07T13:00', { callerNumber: '+13125550199' }));
    await client.cancel(later.id);
    const list = await client.listByCaller('+13125550100');
    expect(list.map((appointment) => [appointment.id, appointment.status])).toEqual([
      [earlier.id, 'booked'],
      [later.id, 'cancelled'],
    ]);
  });

  it('keeps the buffer after an appointment free, in the database too', async () => {
    knowledge.set(salon(`booking:\n  slot_minutes: 15\n  buffer_minutes: 15\n  services: [cut]`));
    const booked = await client.book(booking('2025-07-07T10:00'));
    expect(booked.end).toEqual(local('2025-07-07T10:30'));
    await expect(client.book(booking('2025-07-07T10:30'))).rejects.toBeInstanceOf(SlotTakenError);
    await expect(client.book(booking('2025-07-07T10:45'))).resolves.toMatchObject({ status: 'booked' });
  });

  it('lets exactly one of 200 simultaneous requests for one slot book it', async () => {
    const start = '2025-07-07T14:00';
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => client.book(booking(start, { callerNumber: `+1312555${String(i).padStart(4, '0')}` }))),
    );
    const booked = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    expect(booked).toHaveLength(1);
    expect(refused).toHaveLength(199);
    for (const reason of refused) expect(reason).toBeInstanceOf(SlotTakenError);
    const slots = await client.listAvailability({ service: 'cut', from: local(start), to: local('2025-07-07T14:45') });
    expect(slots.map((slot) => clockOf(slot.start))).toEqual(['14:30']);
  });

  it('fills every unit of capacity, and no more, under simultaneous requests', async () => {
    knowledge.set(salon(`booking:\n  slot_minutes: 15\n  capacity_per_slot: 3\n  services: [cut]`));
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => client.book(booking('2025-07-07T15:00'))));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof SlotTakenError)).toHaveLength(27);
  });
});
