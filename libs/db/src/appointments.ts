import { eq } from 'drizzle-orm';
import type { Db } from './database';
import { SlotTakenError } from './errors';
import { appointments, type Appointment, type NewAppointment } from './schema';

export interface InsertedAppointment {
  readonly appointment: Appointment;
  /** False when an appointment with this request id existed already (a retried Book). */
  readonly created: boolean;
}

/**
 * Books an appointment, idempotently per request id. Throws SlotTakenError
 * when a booked appointment of the same resource overlaps.
 *
 * ON CONFLICT DO NOTHING (no target, so the exclusion constraint is an arbiter
 * too) makes PostgreSQL check conflicts before inserting and wait for
 * in-flight rivals; a plain INSERT racing for one slot instead risks deadlock
 * errors (40P01) among the losers. Run it at READ COMMITTED (the default) so
 * the follow-up lookup sees the row that won.
 */
export async function insertAppointment(db: Db, values: NewAppointment): Promise<InsertedAppointment> {
  const [inserted] = await db.insert(appointments).values(values).onConflictDoNothing().returning();
  if (inserted) return { appointment: inserted, created: true };
  const existing = await db.query.appointments.findFirst({ where: eq(appointments.requestId, values.requestId) });
  if (existing) return { appointment: existing, created: false };
  throw new SlotTakenError();
}
