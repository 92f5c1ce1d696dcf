import type { Knowledge, KnowledgeSource } from '@voiceagent/knowledge';
import type { AppointmentState, AppointmentStore, StoredAppointment } from '../ports/appointment-store';
import type { Clock } from '../ports/clock';
import { AppointmentNotFound, InvalidBookingRequest, SlotUnavailable } from './errors';
import {
  ALTERNATIVES_AFTER_MS,
  ALTERNATIVES_BEFORE_MS,
  alternativesTo,
  availableSlots,
  bookableService,
  freeResources,
  occupancyOf,
  startProblem,
  type BookableService,
  type Slot,
} from './slots';

/** An appointment as callers of the service see it. */
export interface AppointmentView {
  readonly id: string;
  readonly service: string;
  readonly start: Date;
  readonly end: Date;
  readonly callerNumber: string;
  readonly callerName: string;
  readonly status: AppointmentState;
  readonly notes: string;
  readonly callId: string;
  readonly createdAt: Date;
}

export interface AvailabilityQuery {
  readonly service: string;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  /** 0: the default. */
  readonly limit?: number | undefined;
}

export interface BookingRequest {
  readonly requestId: string;
  readonly service: string;
  readonly start?: Date | undefined;
  readonly callerNumber: string;
  readonly callerName?: string | undefined;
  readonly callId?: string | undefined;
  readonly notes?: string | undefined;
}

export interface BookingOutcome {
  readonly appointment: AppointmentView;
  /** False when the request id had booked already (a retry). */
  readonly created: boolean;
}

export const DEFAULT_SLOT_LIMIT = 20;
export const MAX_SLOT_LIMIT = 500;
export const ALTERNATIVES = 3;
const ALTERNATIVES_FIRST_LOOK_MS = 2 * 86_400_000;
/** Availability is looked up over at most this long a window when `to` is absent. */
const DEFAULT_WINDOW_MS = 14 * 86_400_000;

const LIMITS = { requestId: 200, callerNumber: 64, callerName: 200, callId: 200, notes: 2000, service: 200 } as const;
// Control characters would end up in logs and the spoken confirmation (tab and newline aside).
const hasControl = (text: string): boolean => [...text].some((char) => {
  const code = char.charCodeAt(0);
  return (code < 0x20 && char !== '\t' && char !== '\n') || code === 0x7f;
});

/**
 * The booking use cases over the knowledge in force and the appointment
 * store. Occupancy is checked here for availability and alternatives, but the
 * store is what makes a double booking impossible under concurrency.
 */
export class BookingDesk {
  constructor(
    private readonly store: AppointmentStore,
    private readonly knowledge: KnowledgeSource,
    private readonly clock: Clock,
  ) {}

  async listAvailability(query: AvailabilityQuery): Promise<Slot[]> {
    const knowledge = this.knowledge.current();
    const service = this.serviceFor(knowledge, required('service', query.service, LIMITS.service));
    const now = this.clock.now();
    const from = query.from ?? now;
    const to = query.to ?? new Date(from.getTime() + DEFAULT_WINDOW_MS);
    if (to <= from) throw new InvalidBookingRequest('to', 'must be later than from');
    const limit = query.limit || DEFAULT_SLOT_LIMIT;
    if (limit > MAX_SLOT_LIMIT) throw new InvalidBookingRequest('limit', `must be at most ${MAX_SLOT_LIMIT}`);
    const occupied = await this.store.occupied(from, occupancyOf(service, to).until);
    return availableSlots(knowledge, service, occupied, { from, to, now, limit });
  }

  async book(request: BookingRequest): Promise<BookingOutcome> {
    const requestId = required('request_id', request.requestId, LIMITS.requestId);
    const serviceId = required('service', request.service, LIMITS.service);
    const start = request.start;
    if (!start || Number.isNaN(start.getTime())) throw new InvalidBookingRequest('start', 'is required');
    const callerNumber = required('caller_number', request.callerNumber, LIMITS.callerNumber);
    const callerName = optional('caller_name', request.callerName, LIMITS.callerName);
    const callId = optional('call_id', request.callId, LIMITS.callId);
    const notes = optional('notes', request.notes, LIMITS.notes, true);

    const knowledge = this.knowledge.current();
    // A retry returns the first result even if the rules (notice, hours) would now refuse it.
    const earlier = await this.store.byRequestId(requestId);
    if (earlier) return { appointment: this.sameRequest(knowledge, earlier, serviceId, start), created: false };

    const service = this.serviceFor(knowledge, serviceId);
    const now = this.clock.now();
    const problem = startProblem(knowledge, service, start, now);
    if (problem) throw new InvalidBookingRequest('start', problem);

    const { until } = occupancyOf(service, start);
    // Resources free in this snapshot; a rival may still win one, which the store reports as taken.
    for (const resource of freeResources(service, start, await this.store.occupied(start, until))) {
      const result = await this.store.insert({ requestId, serviceId, resource, start, until, callerNumber, callerName, callId, notes });
      if (result.kind === 'taken') continue;
      const appointment = result.kind === 'existing' ? this.sameRequest(knowledge, result.appointment, serviceId, start) : view(knowledge, result.appointment);
      return { appointment, created: result.kind === 'created' };
    }
    throw new SlotUnavailable(await this.alternatives(knowledge, service, start, now));
  }

  /** Nearest free slots; a short look-ahead first, since every refused rival of a busy slot computes them. */
  private async alternatives(knowledge: Knowledge, service: BookableService, start: Date, now: Date): Promise<Slot[]> {
    let found: Slot[] = [];
    for (const afterMs of [ALTERNATIVES_FIRST_LOOK_MS, ALTERNATIVES_AFTER_MS]) {
      const until = occupancyOf(service, new Date(start.getTime() + afterMs)).until;
      const around = await this.store.occupied(new Date(start.getTime() - ALTERNATIVES_BEFORE_MS), until);
      // Slots beyond the look-ahead are farther than any found within it, so enough found is final.
      found = alternativesTo(knowledge, service, start, around, now, ALTERNATIVES, afterMs);
      if (found.length >= ALTERNATIVES) break;
    }
    return found;
  }

  async cancel(appointmentId: string): Promise<AppointmentView> {
    const id = required('appointment_id', appointmentId, 100);
    const cancelled = await this.store.cancel(id);
    if (!cancelled) throw new AppointmentNotFound(id);
    return view(this.knowledge.current(), cancelled);
  }

  async get(appointmentId: string): Promise<AppointmentView> {
    const id = required('appointment_id', appointmentId, 100);
    const found = await this.store.byId(id);
    if (!found) throw new AppointmentNotFound(id);
    return view(this.knowledge.current(), found);
  }

  async listByCaller(callerNumber: string): Promise<AppointmentView[]> {
    const number = required('caller_number', callerNumber, LIMITS.callerNumber);
    const knowledge = this.knowledge.current();
    return (await this.store.byCaller(number)).map((stored) => view(knowledge, stored));
  }

  private serviceFor(knowledge: Knowledge, serviceId: string): BookableService {
    const lookup = bookableService(knowledge, serviceId);
    if (!lookup.ok) throw new InvalidBookingRequest('service', lookup.reason);
    return lookup.service;
  }

  /** The earlier booking of a request id, unless the id is being reused for something else. */
  private sameRequest(knowledge: Knowledge, earlier: StoredAppointment, serviceId: string, start: Date): AppointmentView {
    if (earlier.serviceId !== serviceId || earlier.start.getTime() !== start.getTime()) {
      throw new InvalidBookingRequest('request_id', 'was already used for a different booking; use a new request id');
    }
    return view(knowledge, earlier);
  }
}

function required(field: string, value: string | undefined, max: number): string {
  const text = value?.trim() ?? '';
  if (text === '') throw new InvalidBookingRequest(field, 'is required');
  return checked(field, text, max, false);
}

function optional(field: string, value: string | undefined, max: number, multiline = false): string | undefined {
  const text = value?.trim() ?? '';
  return text === '' ? undefined : checked(field, text, max, multiline);
}

function checked(field: string, text: string, max: number, multiline: boolean): string {
  if (text.length > max) throw new InvalidBookingRequest(field, `is longer than ${max} characters`);
  if (hasControl(text) || (!multiline && text.includes('\n'))) throw new InvalidBookingRequest(field, 'contains control characters');
  return text;
}

/**
 * The stored appointment as callers see it. The store keeps the end with the
 * buffer added, so the end is recomputed from the service's duration; a
 * service since removed from the knowledge file reports the stored end.
 */
export function view(knowledge: Knowledge, stored: StoredAppointment): AppointmentView {
  const duration = knowledge.services.find((service) => service.id === stored.serviceId)?.durationMinutes;
  const byDuration = duration === undefined ? undefined : stored.start.getTime() + duration * 60_000;
  const end = new Date(byDuration !== undefined && byDuration <= stored.until.getTime() ? byDuration : stored.until.getTime());
  return {
    id: stored.id,
    service: stored.serviceId,
    start: stored.start,
    end,
    callerNumber: stored.callerNumber,
    callerName: stored.callerName ?? '',
    status: stored.status,
    notes: stored.notes ?? '',
    callId: stored.callId ?? '',
    createdAt: stored.createdAt,
  };
}
