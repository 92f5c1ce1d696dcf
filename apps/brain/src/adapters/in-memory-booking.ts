import { openingPeriods, type Knowledge, type OpeningPeriod } from '@voiceagent/knowledge';
import type { AvailabilityQuery, BookingPort, BookingSlot, BookOutcome, BookRequest } from '../ports/booking';

interface Booked {
  readonly id: string;
  readonly service: string;
  readonly start: Date;
  readonly end: Date;
  readonly requestId: string;
}

/**
 * Bookings in memory, for tests and the eval only: the knowledge's hours,
 * slot size, notice, horizon and service durations, one appointment at a
 * time (BookingService does resources and capacity for real).
 */
export class InMemoryBooking implements BookingPort {
  readonly booked: Booked[] = [];

  constructor(
    private readonly knowledge: () => Knowledge,
    private readonly now: () => Date,
  ) {}

  /** Marks a time as taken (test setup). */
  take(service: string, start: Date): void {
    this.booked.push({ id: `pre-${this.booked.length + 1}`, service, start, end: new Date(start.getTime() + this.durationMs(service)), requestId: '' });
  }

  async availability(query: AvailabilityQuery): Promise<readonly BookingSlot[]> {
    const rules = this.knowledge().booking;
    if (!rules) return [];
    const stepMs = rules.slotMinutes * 60_000;
    const slots: BookingSlot[] = [];
    // Opening periods once for the whole range: checking each slot on its own would recompute them per slot.
    const periods = openingPeriods(this.knowledge(), query.from, query.to);
    for (const period of periods) {
      let t = Math.ceil(Math.max(query.from.getTime(), period.start.getTime()) / stepMs) * stepMs;
      for (; t < Math.min(query.to.getTime(), period.end.getTime()) && slots.length < query.limit; t += stepMs) {
        const start = new Date(t);
        if (this.problem(query.service, start, [period]) === undefined) slots.push({ start, end: new Date(t + this.durationMs(query.service)) });
      }
    }
    return slots;
  }

  async book(request: BookRequest): Promise<BookOutcome> {
    const again = this.booked.find((b) => b.requestId !== '' && b.requestId === request.requestId);
    if (again) return { status: 'booked', appointmentId: again.id, start: again.start };
    const problem = this.problem(request.service, request.start);
    if (problem === 'taken') {
      const day = new Date(request.start.getTime() - 12 * 3_600_000);
      return { status: 'taken', alternatives: await this.availability({ service: request.service, from: request.start, to: new Date(day.getTime() + 7 * 86_400_000), limit: 2 }) };
    }
    if (problem) return { status: 'rejected', reason: problem };
    const appointment = { id: `appt-${this.booked.length + 1}`, service: request.service, start: request.start, end: new Date(request.start.getTime() + this.durationMs(request.service)), requestId: request.requestId };
    this.booked.push(appointment);
    return { status: 'booked', appointmentId: appointment.id, start: appointment.start };
  }

  private durationMs(service: string): number {
    return (this.knowledge().services.find((s) => s.id === service)?.durationMinutes ?? 30) * 60_000;
  }

  private problem(service: string, start: Date, periods?: readonly OpeningPeriod[]): string | undefined {
    const knowledge = this.knowledge();
    const rules = knowledge.booking;
    if (!rules || !rules.services.includes(service)) return 'not bookable';
    const now = this.now().getTime();
    if (start.getTime() < now + rules.minNoticeMinutes * 60_000) return 'too soon';
    if (start.getTime() > now + rules.maxDaysAhead * 86_400_000) return 'too far ahead';
    if (start.getUTCMinutes() % rules.slotMinutes !== 0) return 'not on a slot';
    const end = new Date(start.getTime() + this.durationMs(service));
    const period = (periods ?? openingPeriods(knowledge, start, new Date(start.getTime() + 1))).find((p) => p.start <= start && p.end > start);
    if (!period || period.end < end) return 'closed';
    const bufferMs = rules.bufferMinutes * 60_000;
    if (this.booked.some((b) => b.start.getTime() < end.getTime() + bufferMs && start.getTime() < b.end.getTime() + bufferMs)) return 'taken';
    return undefined;
  }
}
