import { eventually, PostgresServer } from '@voiceagent/testing';
import { and, eq, isNull, lte, sql, TransactionRollbackError } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appointments,
  DuplicateRequestError,
  handoffs,
  insertAppointment,
  mapConstraintErrors,
  MEMORY_DATA_DIR,
  openDatabase,
  outbox,
  SlotTakenError,
  voicemails,
  type Database,
  type Db,
  type NewAppointment,
} from './index';

// One real PostgreSQL for the whole file, started on first use.
let server: Promise<PostgresServer> | undefined;
const postgres = () => (server ??= PostgresServer.start());
let databases = 0;

interface Fixture {
  readonly name: 'pglite' | 'postgres';
  /** A new, empty, migrated database. */
  open(): Promise<Database>;
}

const fixtures: Fixture[] = [
  { name: 'pglite', open: () => openDatabase({ dataDir: MEMORY_DATA_DIR }) },
  {
    name: 'postgres',
    open: async () => {
      const url = await (await postgres()).createDatabase(`db${++databases}`);
      return openDatabase({ url, dataDir: MEMORY_DATA_DIR, poolSize: 20 });
    },
  },
];

afterAll(async () => {
  await (await server)?.dispose();
});

const at = (hhmm: string) => new Date(`2030-05-06T${hhmm}:00.000Z`);
let requests = 0;
const booking = (from: string, to: string, extra: Partial<NewAppointment> = {}): NewAppointment => ({
  requestId: `req-${++requests}`,
  serviceId: 'haircut',
  callerNumber: '+441632960001',
  startsAt: at(from),
  endsAt: at(to),
  ...extra,
});
const book = (db: Db, appointment: NewAppointment) =>
  mapConstraintErrors(() => db.insert(appointments).values(appointment).returning());
const count = async (db: Db, table: typeof appointments | typeof handoffs | typeof voicemails | typeof outbox) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(table))[0]!.n;

describe.each(fixtures)('database on $name', (fixture) => {
  let database: Database;
  let db: Db;

  // Generous: PGlite compiles its WebAssembly and runs initdb here, slow on a busy CI machine.
  beforeAll(async () => {
    database = await fixture.open();
    db = database.db;
  }, 90_000);
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await db.execute(sql`truncate ${appointments}, ${handoffs}, ${voicemails}, ${outbox}`);
  });

  it('applies the migrations, with btree_gist and the exclusion constraint; running them again is a no-op', async () => {
    expect(database.kind).toBe(fixture.name);
    const applied = async () => (await db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)).rows[0]!.n;
    expect(await applied()).toBe(2);
    const extension = await db.execute(sql`select 1 from pg_extension where extname = 'btree_gist'`);
    expect(extension.rows).toHaveLength(1);
    const constraint = await db.execute<{ type: string }>(
      sql`select contype as type from pg_constraint where conname = 'appointments_no_overlap'`,
    );
    expect(constraint.rows).toEqual([{ type: 'x' }]);
    await database.migrate();
    await database.migrate();
    expect(await applied()).toBe(2);
  });

  it('stores and reads appointments with defaults and timestamps intact', async () => {
    const [created] = await book(db, booking('10:00', '10:30', { callerName: 'Ada', notes: 'first visit', callId: 'call-1' }));
    expect(created).toMatchObject({
      serviceId: 'haircut',
      resource: 'default',
      status: 'booked',
      callerName: 'Ada',
      notes: 'first visit',
      callId: 'call-1',
      startsAt: at('10:00'),
      endsAt: at('10:30'),
    });
    expect(created!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created!.createdAt).toBeInstanceOf(Date);
    const found = await db.query.appointments.findFirst({ where: eq(appointments.requestId, created!.requestId) });
    expect(found).toEqual(created);
  });

  it('stores handoffs with their transcript as JSON', async () => {
    const transcript = [
      { role: 'caller' as const, text: 'I want to speak to a person', at: '2030-05-06T10:00:01.000Z' },
      { role: 'agent' as const, text: 'Transferring you now, "quoted" & unicode: café', at: '2030-05-06T10:00:03.000Z' },
    ];
    await db.insert(handoffs).values({ callId: 'call-2', callerNumber: '+441632960002', reason: 'asked for a human', summary: 'Wants a refund', transcript, target: 'sip:desk@pbx' });
    await db.insert(handoffs).values({ callId: 'call-3', reason: 'out of scope', summary: 'Withheld number' });
    const rows = await db.select().from(handoffs).orderBy(handoffs.callId);
    expect(rows[0]).toMatchObject({ callId: 'call-2', transcript, target: 'sip:desk@pbx' });
    expect(rows[1]).toMatchObject({ callId: 'call-3', callerNumber: null, transcript: [], target: null });
    // Real jsonb, not a JSON string: operators work on it.
    const roles = await db.execute<{ role: string }>(sql`select ${handoffs.transcript}->0->>'role' as role from ${handoffs} where ${handoffs.callId} = 'call-2'`);
    expect(roles.rows).toEqual([{ role: 'caller' }]);
  });

  it('stores voicemails and fills in the transcript later', async () => {
    const [voicemail] = await db.insert(voicemails).values({ callId: 'call-4', callerNumber: '+441632960004', recordingPath: 'recordings/call-4.wav', durationMs: 12_345 }).returning();
    expect(voicemail).toMatchObject({ transcript: null, durationMs: 12_345 });
    await db.update(voicemails).set({ transcript: 'Please call me back' }).where(eq(voicemails.id, voicemail!.id));
    expect(await db.query.voicemails.findFirst({ where: eq(voicemails.callId, 'call-4') })).toMatchObject({ transcript: 'Please call me back', recordingPath: 'recordings/call-4.wav' });
    await expect(db.insert(voicemails).values({ callId: 'call-5', recordingPath: 'x.wav', durationMs: -1 })).rejects.toThrow();
  });

  it('keeps outbox messages until delivered, with retry bookkeeping', async () => {
    const payload = { type: 'handoff.created', handoffId: 'h-1', nested: { ok: true, list: [1, 2] } };
    const [message] = await db.insert(outbox).values({ topic: 'handoff.created', payload }).returning();
    expect(message).toMatchObject({ topic: 'handoff.created', payload, attempts: 0, deliveredAt: null, lastError: null });
    const due = () =>
      db.select({ id: outbox.id }).from(outbox).where(and(isNull(outbox.deliveredAt), lte(outbox.nextAttemptAt, sql`now()`)));
    expect(await due()).toEqual([{ id: message!.id }]);
    await db
      .update(outbox)
      .set({ attempts: sql`${outbox.attempts} + 1`, lastError: 'HTTP 503', nextAttemptAt: sql`now() + interval '1 minute'` })
      .where(eq(outbox.id, message!.id));
    expect(await due()).toEqual([]);
    await db.update(outbox).set({ deliveredAt: new Date() }).where(eq(outbox.id, message!.id));
    expect(await db.query.outbox.findFirst({ where: eq(outbox.id, message!.id) })).toMatchObject({ attempts: 1, lastError: 'HTTP 503', deliveredAt: expect.any(Date) });
  });

  it('writes a fact and its outbox message atomically', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(handoffs).values({ callId: 'call-6', reason: 'r', summary: 's' });
        await tx.insert(outbox).values({ topic: 'handoff.created', payload: { callId: 'call-6' } });
        throw new Error('webhook target unknown');
      }),
    ).rejects.toThrow('webhook target unknown');
    expect(await count(db, handoffs)).toBe(0);
    expect(await count(db, outbox)).toBe(0);
  });

  it('refuses overlapping booked appointments in the database, allows adjacent slots, other resources and cancelled rows', async () => {
    const [first] = await book(db, booking('10:00', '10:30'));
    await expect(book(db, booking('10:15', '10:45'))).rejects.toBeInstanceOf(SlotTakenError);
    await expect(book(db, booking('09:45', '10:15'))).rejects.toBeInstanceOf(SlotTakenError);
    await expect(book(db, booking('10:00', '10:30'))).rejects.toBeInstanceOf(SlotTakenError);
    await expect(book(db, booking('09:00', '12:00'))).rejects.toBeInstanceOf(SlotTakenError);
    // Half-open ranges: back-to-back slots do not overlap.
    await book(db, booking('10:30', '11:00'));
    await book(db, booking('09:30', '10:00'));
    // A second chair is a second resource.
    await book(db, booking('10:00', '10:30', { resource: 'chair-2' }));
    // Cancelled appointments are outside the constraint.
    await book(db, booking('10:10', '10:20', { status: 'cancelled' }));
    await db.update(appointments).set({ status: 'cancelled' }).where(eq(appointments.id, first!.id));
    const [rebooked] = await book(db, booking('10:00', '10:30'));
    // ...and cannot come back to life over someone else's booking.
    await expect(
      mapConstraintErrors(() => db.update(appointments).set({ status: 'booked' }).where(eq(appointments.id, first!.id))),
    ).rejects.toBeInstanceOf(SlotTakenError);
    expect(rebooked!.status).toBe('booked');
    expect(await count(db, appointments)).toBe(6);
  });

  it('keeps Book idempotent per request id, before any slot check', async () => {
    await book(db, booking('14:00', '14:30', { requestId: 'req-same' }));
    await expect(book(db, booking('15:00', '15:30', { requestId: 'req-same' }))).rejects.toBeInstanceOf(DuplicateRequestError);
    // A retry of the same request over its own slot is a duplicate, not a taken slot.
    await expect(book(db, booking('14:00', '14:30', { requestId: 'req-same' }))).rejects.toBeInstanceOf(DuplicateRequestError);
    // The retry can look up the first result.
    expect(await db.query.appointments.findFirst({ where: eq(appointments.requestId, 'req-same') })).toMatchObject({ startsAt: at('14:00') });
    expect(await count(db, appointments)).toBe(1);
  });

  it('refuses an appointment that ends before it starts, as a plain error', async () => {
    const error = await book(db, booking('12:00', '11:00')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(SlotTakenError);
  });

  it('lets exactly one of 200 simultaneous bookings of one slot through', async () => {
    // On PostgreSQL the pool's 20 connections race for the slot in parallel.
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => insertAppointment(db, booking('16:00', '16:30', { callerNumber: `+4416329${String(i).padStart(5, '0')}` }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value.created)).toEqual([true]);
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(reasons).toHaveLength(199);
    expect(reasons.filter((r) => !(r instanceof SlotTakenError))).toEqual([]);
    expect(await count(db, appointments)).toBe(1);
  });

  it('answers simultaneous retries of one request with the one appointment they created', async () => {
    const request = booking('17:00', '17:30');
    const results = await Promise.all(Array.from({ length: 20 }, () => insertAppointment(db, request)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.appointment.id)).size).toBe(1);
    await expect(insertAppointment(db, booking('17:15', '17:45'))).rejects.toBeInstanceOf(SlotTakenError);
    expect(await count(db, appointments)).toBe(1);
  });
});

describe('PostgreSQL only', () => {
  it('makes a plain insert wait for an uncommitted rival: SlotTakenError if it commits, success if it rolls back', async () => {
    const url = await (await postgres()).createDatabase('rivals');
    const { db, close } = await openDatabase({ url, dataDir: MEMORY_DATA_DIR });
    // A rival transaction holds an uncommitted booking until told to finish.
    const rival = (outcome: 'commit' | 'rollback', from: string, to: string) => {
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      let inserted!: () => void;
      const holding = new Promise<void>((resolve) => (inserted = resolve));
      const done = db
        .transaction(async (tx) => {
          await tx.insert(appointments).values(booking(from, to));
          inserted();
          await finished;
          if (outcome === 'rollback') tx.rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof TransactionRollbackError)) throw error;
        });
      return { holding, finish, done };
    };
    const blocked = () =>
      eventually(async () => {
        const waiting = await db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`);
        expect(waiting.rows[0]!.n).toBe(1);
      });
    try {
      const rolledBack = rival('rollback', '08:00', '08:30');
      await rolledBack.holding;
      const first = book(db, booking('08:10', '08:40'));
      await blocked();
      rolledBack.finish();
      await rolledBack.done;
      await expect(first).resolves.toHaveLength(1);

      const committed = rival('commit', '09:00', '09:30');
      await committed.holding;
      const second = book(db, booking('09:10', '09:40')).catch((error: unknown) => error);
      await blocked();
      committed.finish();
      await committed.done;
      expect(await second).toBeInstanceOf(SlotTakenError);
    } finally {
      await close();
    }
  });

  it('migrates once when several services open a fresh database at the same time', async () => {
    const url = await (await postgres()).createDatabase('startup');
    const opened = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ url, dataDir: MEMORY_DATA_DIR })));
    try {
      const rows = await opened[0]!.db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      expect(rows.rows[0]!.n).toBe(2);
    } finally {
      await Promise.all(opened.map((d) => d.close()));
    }
  });

  it('fails fast with the driver error when the server is unreachable', async () => {
    const url = (await postgres()).url.replace(/:\d+\//, ':1/');
    await expect(openDatabase({ url, dataDir: MEMORY_DATA_DIR })).rejects.toThrow(/ECONNREFUSED/);
  });
});
