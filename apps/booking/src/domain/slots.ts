import { DateTime } from 'luxon';
import { openingPeriods, type BookingRules, type Knowledge } from '@voiceagent/knowledge';

/**
 * Appointment slots from the knowledge file: opening hours (holidays and
 * special hours included), service durations and the booking rules, in the
 * business timezone. Pure: `now` and the bookings are given.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface Slot {
  readonly start: Date;
  readonly end: Date;
}

/**
 * Time a resource is taken by a booking: from its start to its end plus the
 * buffer kept free after it (stored that way so the database's exclusion
 * constraint enforces the buffer too).
 */
export interface Occupancy {
  readonly resource: string;
  readonly start: Date;
  readonly until: Date;
}

/** A service that can be booked by phone, with what it needs. */
export interface BookableService {
  readonly id: string;
  readonly durationMinutes: number;
  /** Resources that can take it, in the order they are filled. */
  readonly resources: readonly string[];
  readonly rules: BookingRules;
}

/** Why a service cannot be booked (undefined: it can). */
export type ServiceLookup = { readonly ok: true; readonly service: BookableService } | { readonly ok: false; readonly reason: string };

/** The resource bookings go to when the knowledge file names none and capacity is 1 (the column's default). */
export const DEFAULT_RESOURCE = 'default';

/** Resource ids: the named resources, or one anonymous resource per unit of capacity. */
export function resourcesOf(rules: BookingRules, serviceId: string): string[] {
  if (rules.resources.length > 0) {
    return rules.resources.filter((resource) => !resource.services || resource.services.includes(serviceId)).map((resource) => resource.id);
  }
  // Capacity 1 → 2 keeps the existing bookings on the first resource.
  return Array.from({ length: rules.capacityPerSlot }, (_, i) => (i === 0 ? DEFAULT_RESOURCE : `${DEFAULT_RESOURCE}-${i + 1}`));
}

export function bookableService(knowledge: Knowledge, serviceId: string): ServiceLookup {
  const rules = knowledge.booking;
  if (!rules) return { ok: false, reason: 'appointments cannot be booked by phone' };
  const service = knowledge.services.find((candidate) => candidate.id === serviceId);
  if (!service) {
    return { ok: false, reason: `unknown service "${serviceId}" (bookable: ${rules.services.join(', ')})` };
  }
  if (!rules.services.includes(serviceId) || service.durationMinutes === undefined) {
    return { ok: false, reason: `"${serviceId}" cannot be booked by phone` };
  }
  const resources = resourcesOf(rules, serviceId);
  if (resources.length === 0) return { ok: false, reason: `no resource takes "${serviceId}"` };
  return { ok: true, service: { id: serviceId, durationMinutes: service.durationMinutes, resources, rules } };
}

/** Earliest start (minimum notice) and the instant before which starts must lie (days ahead, counted in local days). */
export function bookingWindow(knowledge: Knowledge, rules: BookingRules, now: Date): { earliest: Date; before: Date } {
  const earliest = new Date(now.getTime() + rules.minNoticeMinutes * MINUTE);
  const today = DateTime.fromJSDate(now, { zone: knowledge.business.timezone }).startOf('day');
  const before = today.plus({ days: rules.maxDaysAhead + 1 }).toJSDate();
  return { earliest, before };
}

/** Minutes since local midnight, on the business's wall clock. */
function localMinuteOfDay(instant: Date, zone: string): { minute: number; whole: boolean } {
  const local = DateTime.fromJSDate(instant, { zone });
  return { minute: local.hour * 60 + local.minute, whole: local.second === 0 && local.millisecond === 0 };
}

/** Whether a start lies on the slot grid: whole minutes, a multiple of slot_minutes after local midnight. */
export function isAligned(knowledge: Knowledge, rules: BookingRules, start: Date): boolean {
  const { minute, whole } = localMinuteOfDay(start, knowledge.business.timezone);
  return whole && minute % rules.slotMinutes === 0;
}

/**
 * Starts on the slot grid whose whole appointment fits in one opening period,
 * with the start in [from, to), in order. Steps in absolute time and checks
 * the wall clock, so DST days (a skipped or repeated hour) come out right.
 */
export function* candidateStarts(knowledge: Knowledge, service: BookableService, from: Date, to: Date): Generator<Date> {
  const slot = service.rules.slotMinutes * MINUTE;
  const duration = service.durationMinutes * MINUTE;
  const zone = knowledge.business.timezone;
  for (const period of openingPeriods(knowledge, from, to)) {
    const { minute } = localMinuteOfDay(period.start, zone);
    const offset = (service.rules.slotMinutes - (minute % service.rules.slotMinutes)) % service.rules.slotMinutes;
    let start = period.start.getTime() + offset * MINUTE;
    if (start < from.getTime()) start += Math.ceil((from.getTime() - start) / slot) * slot;
    for (; start + duration <= period.end.getTime() && start < to.getTime(); start += slot) {
      const candidate = new Date(start);
      if (isAligned(knowledge, service.rules, candidate)) yield candidate;
    }
  }
}

/** What a booking at `start` would occupy: the appointment and the buffer after it. */
export function occupancyOf(service: BookableService, start: Date): { start: Date; end: Date; until: Date } {
  const end = new Date(start.getTime() + service.durationMinutes * MINUTE);
  return { start, end, until: new Date(end.getTime() + service.rules.bufferMinutes * MINUTE) };
}

/** The resources that are free for a booking at `start`, in fill order. */
export function freeResources(service: BookableService, start: Date, occupied: readonly Occupancy[]): string[] {
  const { until } = occupancyOf(service, start);
  return service.resources.filter(
    (resource) => !occupied.some((o) => o.resource === resource && o.start < until && start < o.until),
  );
}

/** Why `start` cannot be booked for this service, naming the rule; undefined when it follows every rule (occupancy aside). */
export function startProblem(knowledge: Knowledge, service: BookableService, start: Date, now: Date): string | undefined {
  const { rules } = service;
  if (!isAligned(knowledge, rules, start)) {
    return `must be on a ${rules.slotMinutes}-minute boundary of the business's clock (${knowledge.business.timezone})`;
  }
  const { earliest, before } = bookingWindow(knowledge, rules, now);
  if (start < earliest) return `is less than ${rules.minNoticeMinutes} minutes from now (minimum notice)`;
  if (start >= before) return `is more than ${rules.maxDaysAhead} days ahead`;
  const end = occupancyOf(service, start).end;
  const fits = openingPeriods(knowledge, start, end).some((period) => period.start <= start && end <= period.end);
  if (!fits) return `is outside opening hours for a ${service.durationMinutes}-minute appointment`;
  return undefined;
}

export interface SlotQuery {
  readonly from: Date;
  readonly to: Date;
  readonly now: Date;
  readonly limit: number;
}

/** Free slots with a start in [from, to) that follow the booking rules, earliest first, at most `limit`. */
export function availableSlots(knowledge: Knowledge, service: BookableService, occupied: readonly Occupancy[], query: SlotQuery): Slot[] {
  const { earliest, before } = bookingWindow(knowledge, service.rules, query.now);
  const from = new Date(Math.max(query.from.getTime(), earliest.getTime()));
  const to = new Date(Math.min(query.to.getTime(), before.getTime()));
  const slots: Slot[] = [];
  if (from >= to || query.limit <= 0) return slots;
  for (const start of candidateStarts(knowledge, service, from, to)) {
    if (freeResources(service, start, occupied).length === 0) continue;
    slots.push({ start, end: occupancyOf(service, start).end });
    if (slots.length >= query.limit) break;
  }
  return slots;
}

/** How far around a taken start alternatives are looked for. */
export const ALTERNATIVES_BEFORE_MS = DAY;
export const ALTERNATIVES_AFTER_MS = 7 * DAY;

/**
 * The `count` free slots nearest to a taken start (ties go to the later one),
 * in time order, looked for up to `afterMs` after it (`occupied` must cover that).
 */
export function alternativesTo(
  knowledge: Knowledge,
  service: BookableService,
  start: Date,
  occupied: readonly Occupancy[],
  now: Date,
  count: number,
  afterMs = ALTERNATIVES_AFTER_MS,
): Slot[] {
  const around = availableSlots(knowledge, service, occupied, {
    from: new Date(start.getTime() - ALTERNATIVES_BEFORE_MS),
    to: new Date(start.getTime() + afterMs),
    now,
    limit: Number.MAX_SAFE_INTEGER,
  });
  const distance = (slot: Slot) => Math.abs(slot.start.getTime() - start.getTime());
  return around
    .sort((a, b) => distance(a) - distance(b) || b.start.getTime() - a.start.getTime())
    .slice(0, count)
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}
