import type { Occupancy } from '../domain/slots';

export type AppointmentState = 'booked' | 'cancelled';

/** An appointment as stored. `until` is its end plus the buffer kept free after it. */
export interface StoredAppointment {
  readonly id: string;
  readonly requestId: string;
  readonly serviceId: string;
  readonly resource: string;
  readonly start: Date;
  readonly until: Date;
  readonly callerNumber: string;
  readonly callerName: string | undefined;
  readonly status: AppointmentState;
  readonly notes: string | undefined;
  readonly callId: string | undefined;
  readonly createdAt: Date;
}

export type NewAppointment = Omit<StoredAppointment, 'id' | 'status' | 'createdAt'>;

export type InsertResult =
  /** Stored now (`created`) or found under the same request id (a retried Book). */
  | { readonly kind: 'created' | 'existing'; readonly appointment: StoredAppointment }
  /** The resource is taken for (part of) the time: nothing stored. */
  | { readonly kind: 'taken' };

/** Where appointments live. Double booking of one resource must be impossible here, also under concurrency. */
export interface AppointmentStore {
  /** Stores an appointment unless its request id exists already or its resource is taken for the time. */
  insert(appointment: NewAppointment): Promise<InsertResult>;
  /** Booked appointments whose occupancy overlaps [from, to). */
  occupied(from: Date, to: Date): Promise<Occupancy[]>;
  byId(id: string): Promise<StoredAppointment | undefined>;
  byRequestId(requestId: string): Promise<StoredAppointment | undefined>;
  /** Every appointment of a caller (booked and cancelled), earliest start first. */
  byCaller(callerNumber: string): Promise<StoredAppointment[]>;
  /** Marks it cancelled (a no-op when it is already); undefined when there is no such appointment. */
  cancel(id: string): Promise<StoredAppointment | undefined>;
}
