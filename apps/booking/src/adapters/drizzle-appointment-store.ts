import { and, asc, eq, gt, lt } from 'drizzle-orm';
import { appointments, insertAppointment, SlotTakenError, type Appointment, type Db } from '@voiceagent/db';
import type { Occupancy } from '../domain/slots';
import type { AppointmentStore, InsertResult, NewAppointment, StoredAppointment } from '../ports/appointment-store';

// Ids are uuids in the table; anything else cannot name an appointment (and would be a SQL error).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Appointments in PostgreSQL or PGlite (libs/db); the exclusion constraint prevents double booking. */
export class DrizzleAppointmentStore implements AppointmentStore {
  constructor(private readonly db: Db) {}

  async insert(appointment: NewAppointment): Promise<InsertResult> {
    try {
      const { appointment: row, created } = await insertAppointment(this.db, {
        requestId: appointment.requestId,
        serviceId: appointment.serviceId,
        resource: appointment.resource,
        callerNumber: appointment.callerNumber,
        callerName: appointment.callerName ?? null,
        startsAt: appointment.start,
        endsAt: appointment.until,
        notes: appointment.notes ?? null,
        callId: appointment.callId ?? null,
      });
      return { kind: created ? 'created' : 'existing', appointment: stored(row) };
    } catch (error) {
      if (error instanceof SlotTakenError) return { kind: 'taken' };
      throw error;
    }
  }

  async occupied(from: Date, to: Date): Promise<Occupancy[]> {
    const rows = await this.db
      .select({ resource: appointments.resource, start: appointments.startsAt, until: appointments.endsAt })
      .from(appointments)
      .where(and(eq(appointments.status, 'booked'), lt(appointments.startsAt, to), gt(appointments.endsAt, from)));
    return rows;
  }

  async byId(id: string): Promise<StoredAppointment | undefined> {
    if (!UUID.test(id)) return undefined;
    const row = await this.db.query.appointments.findFirst({ where: eq(appointments.id, id) });
    return row && stored(row);
  }

  async byRequestId(requestId: string): Promise<StoredAppointment | undefined> {
    const row = await this.db.query.appointments.findFirst({ where: eq(appointments.requestId, requestId) });
    return row && stored(row);
  }

  async byCaller(callerNumber: string): Promise<StoredAppointment[]> {
    const rows = await this.db.query.appointments.findMany({
      where: eq(appointments.callerNumber, callerNumber),
      orderBy: [asc(appointments.startsAt), asc(appointments.createdAt)],
    });
    return rows.map(stored);
  }

  async cancel(id: string): Promise<StoredAppointment | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await this.db.update(appointments).set({ status: 'cancelled' }).where(eq(appointments.id, id)).returning();
    return row && stored(row);
  }
}

function stored(row: Appointment): StoredAppointment {
  return {
    id: row.id,
    requestId: row.requestId,
    serviceId: row.serviceId,
    resource: row.resource,
    start: row.startsAt,
    until: row.endsAt,
    callerNumber: row.callerNumber,
    callerName: row.callerName ?? undefined,
    status: row.status,
    notes: row.notes ?? undefined,
    callId: row.callId ?? undefined,
    createdAt: row.createdAt,
  };
}
