import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The one schema of the booking and escalation stores. drizzle-kit reads this
 * file to generate migrations (libs/db/migrations); keep it free of imports
 * other than drizzle-orm so the generator can load it on its own.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const appointmentStatuses = ['booked', 'cancelled'] as const;
export type AppointmentStatus = (typeof appointmentStatuses)[number];

/** Name of the exclusion constraint that makes double booking impossible (migration 0001). */
export const APPOINTMENTS_NO_OVERLAP = 'appointments_no_overlap';
/** Name of the unique constraint that makes Book idempotent per request id. */
export const APPOINTMENTS_REQUEST_ID_UNIQUE = 'appointments_request_id_unique';

export const appointments = pgTable(
  'appointments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Idempotency key of the Book call: a retried request finds its first result.
    requestId: text('request_id').notNull().unique(APPOINTMENTS_REQUEST_ID_UNIQUE),
    serviceId: text('service_id').notNull(),
    // What is booked (a chair, a room, a person): slots overlap only within one
    // resource, so capacity > 1 is several resources.
    resource: text('resource').notNull().default('default'),
    callerNumber: text('caller_number').notNull(),
    callerName: text('caller_name'),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    status: text('status', { enum: appointmentStatuses }).notNull().default('booked'),
    notes: text('notes'),
    callId: text('call_id'),
    createdAt: createdAt(),
  },
  (table) => [
    check('appointments_status_check', sql`${table.status} in ('booked', 'cancelled')`),
    check('appointments_time_order_check', sql`${table.endsAt} > ${table.startsAt}`),
    index('appointments_caller_number_idx').on(table.callerNumber),
    // The exclusion constraint on (resource, tstzrange(starts_at, ends_at)) is
    // not expressible here: see migrations/0001_appointments_no_overlap.sql.
  ],
);

/** One line of a conversation as stored with a handoff. */
export interface TranscriptEntry {
  readonly role: 'caller' | 'agent' | 'system';
  readonly text: string;
  /** ISO-8601 time the line was spoken. */
  readonly at: string;
}

export const handoffs = pgTable(
  'handoffs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    callId: text('call_id').notNull(),
    // Withheld numbers exist: a handoff still happens without one.
    callerNumber: text('caller_number'),
    reason: text('reason').notNull(),
    summary: text('summary').notNull(),
    transcript: jsonb('transcript').$type<TranscriptEntry[]>().notNull().default(sql`'[]'::jsonb`),
    target: text('target'),
    createdAt: createdAt(),
  },
  (table) => [index('handoffs_call_id_idx').on(table.callId)],
);

export const voicemails = pgTable(
  'voicemails',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    callId: text('call_id').notNull(),
    callerNumber: text('caller_number'),
    recordingPath: text('recording_path').notNull(),
    durationMs: integer('duration_ms').notNull(),
    // Filled in once transcription finishes; the recording is stored first.
    transcript: text('transcript'),
    createdAt: createdAt(),
  },
  (table) => [
    check('voicemails_duration_check', sql`${table.durationMs} >= 0`),
    index('voicemails_call_id_idx').on(table.callId),
  ],
);

/**
 * Transactional outbox for at-least-once webhook delivery: rows are written in
 * the same transaction as the fact they announce and survive restarts until
 * delivered. `id` is sent with each delivery so receivers can de-duplicate.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    topic: text('topic').notNull(),
    payload: jsonb('payload').$type<unknown>().notNull(),
    createdAt: createdAt(),
    attempts: integer('attempts').notNull().default(0),
    // Also works as a lease: a sender pushes it forward before delivering.
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    lastError: text('last_error'),
  },
  (table) => [
    // Only undelivered rows are polled; delivered ones stay for audit.
    index('outbox_pending_idx').on(table.nextAttemptAt).where(sql`${table.deliveredAt} is null`),
  ],
);

export type Appointment = typeof appointments.$inferSelect;
export type NewAppointment = typeof appointments.$inferInsert;
export type Handoff = typeof handoffs.$inferSelect;
export type NewHandoff = typeof handoffs.$inferInsert;
export type Voicemail = typeof voicemails.$inferSelect;
export type NewVoicemail = typeof voicemails.$inferInsert;
export type OutboxMessage = typeof outbox.$inferSelect;
export type NewOutboxMessage = typeof outbox.$inferInsert;
