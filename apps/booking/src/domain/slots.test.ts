import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Knowledge } from '@voiceagent/knowledge';
import { salon } from '../../test/salon';
import {
  alternativesTo,
  availableSlots,
  bookableService,
  resourcesOf,
  startProblem,
  type BookableService,
  type Occupancy,
  type Slot,
} from './slots';

const ZONE = 'America/Chicago';
/** An instant from Chicago wall-clock time "2025-07-07T09:00" (an explicit offset may be appended). */
const local = (text: string): Date => DateTime.fromISO(text, { zone: ZONE }).toJSDate();
const clock = (slot: Slot): string => DateTime.fromJSDate(slot.start, { zone: ZONE }).toFormat('HH:mm');
/** A week before the July test days: within notice and days ahead. */
const weekBefore = new Date('2025-06-30T00:00:00Z');

function serviceOf(knowledge: Knowledge, id: string): BookableService {
  const lookup = bookableService(knowledge, id);
  if (!lookup.ok) throw new Error(lookup.reason);
  return lookup.service;
}

/** All free slots of a local day. */
function day(knowledge: Knowledge, serviceId: string, date: string, options: { now?: Date; occupied?: Occupancy[] } = {}): Slot[] {
  const from = local(`${date}T00:00`);
  const to = DateTime.fromJSDate(from, { zone: ZONE }).plus({ days: 1 }).toJSDate();
  return availableSlots(knowledge, serviceOf(knowledge, serviceId), options.occupied ?? [], { from, to, now: options.now ?? new Date(from.getTime() - 86_400_000), limit: 1000 });
}

const booked = (resource: string, start: string, end: string): Occupancy => ({ resource, start: local(start), until: local(end) });

describe('availableSlots', () => {
  const knowledge = salon();

  it('offers every 15-minute start on a weekday whose appointment fits before the lunch break and before closing', () => {
    const slots = day(knowledge, 'cut', '2025-07-07');
    expect(slots).toHaveLength(11 + 15);
    expect(slots.map(clock).slice(0, 3)).toEqual(['09:00', '09:15', '09:30']);
    expect(slots.map(clock)).toContain('11:30');
    expect(slots.map(clock)).not.toContain('11:45');
    expect(slots.map(clock)).toContain('13:00');
    expect(slots.at(-1)!.start).toEqual(new Date('2025-07-07T21:30:00Z'));
    expect(slots.at(-1)!.end).toEqual(new Date('2025-07-07T22:00:00Z'));
  });

  it('offers nothing on a closed weekday or a holiday, and uses special hours when set', () => {
    expect(day(knowledge, 'cut', '2025-07-09')).toEqual([]);
    expect(day(knowledge, 'cut', '2025-07-04')).toEqual([]);
    expect(day(knowledge, 'cut', '2025-07-03').map(clock)).toEqual(['10:00', '10:15', '10:30', '10:45', '11:00', '11:15', '11:30']);
  });

  it('skips the hour that does not exist when clocks spring forward (America/Chicago, 2025-03-09)', () => {
    const slots = day(knowledge, 'color', '2025-03-09');
    // Open 00:00-06:00 local is five real hours: 60-minute starts from 06:00Z to 10:00Z.
    expect(slots).toHaveLength(17);
    expect(slots.map(clock)).not.toContain('02:00');
    expect(slots.map(clock)).toEqual(expect.arrayContaining(['01:45', '03:00', '05:00']));
    const lastBeforeJump = slots.find((slot) => clock(slot) === '01:45')!;
    expect(lastBeforeJump.end.getTime() - lastBeforeJump.start.getTime()).toBe(3_600_000);
    expect(slots.at(-1)!.start).toEqual(new Date('2025-03-09T10:00:00Z'));
  });

  it('offers the repeated hour twice when clocks fall back (America/Chicago, 2025-11-02)', () => {
    const slots = day(knowledge, 'color', '2025-11-02');
    // Open 00:00-06:00 local is seven real hours.
    expect(slots).toHaveLength(25);
    const oneOclock = slots.filter((slot) => clock(slot) === '01:00');
    expect(oneOclock.map((slot) => slot.start.toISOString())).toEqual(['2025-11-02T06:00:00.000Z', '2025-11-02T07:00:00.000Z']);
    expect(slots.at(-1)!.start).toEqual(new Date('2025-11-02T11:00:00Z'));
  });

  it('starts after the minimum notice, on the slot grid', () => {
    const slots = day(knowledge, 'cut', '2025-07-07', { now: local('2025-07-07T10:07') });
    expect(clock(slots[0]!)).toBe('11:15');
  });

  it('offers nothing beyond max_days_ahead local days', () => {
    const now = local('2025-07-08T10:00');
    expect(day(knowledge, 'cut', '2025-08-07', { now })).not.toEqual([]);
    expect(day(knowledge, 'cut', '2025-08-08', { now })).toEqual([]);
  });

  it('respects limit and the from/to window', () => {
    const service = serviceOf(knowledge, 'cut');
    const slots = availableSlots(knowledge, service, [], { from: local('2025-07-07T09:10'), to: local('2025-07-08T00:00'), now: weekBefore, limit: 2 });
    expect(slots.map(clock)).toEqual(['09:15', '09:30']);
  });

  it('skips booked time, and back-to-back appointments are fine without a buffer', () => {
    const slots = day(knowledge, 'cut', '2025-07-07', { occupied: [booked('default', '2025-07-07T10:00', '2025-07-07T10:30')] }).map(clock);
    expect(slots).toEqual(expect.arrayContaining(['09:30', '10:30']));
    expect(slots).not.toContain('09:45');
    expect(slots).not.toContain('10:00');
    expect(slots).not.toContain('10:15');
  });

  it('keeps the buffer free after each appointment (stored occupancy includes it)', () => {
    const withBuffer = salon(`booking:\n  slot_minutes: 15\n  buffer_minutes: 15\n  services: [cut]`);
    // A 10:00 cut occupies 10:00-10:45 with its buffer; a new cut needs 30 minutes plus its own 15.
    const slots = day(withBuffer, 'cut', '2025-07-07', { occupied: [booked('default', '2025-07-07T10:00', '2025-07-07T10:45')] }).map(clock);
    expect(slots).toContain('09:15');
    expect(slots).not.toContain('09:30');
    expect(slots).not.toContain('10:30');
    expect(slots).toContain('10:45');
    // The buffer may run past closing: the last cut still ends at 12:00.
    expect(slots).toContain('11:30');
  });

  it('fills capacity before a slot is gone', () => {
    const twoChairs = salon(`booking:\n  slot_minutes: 15\n  capacity_per_slot: 2\n  services: [cut]`);
    expect(resourcesOf(twoChairs.booking!, 'cut')).toEqual(['default', 'default-2']);
    const one = [booked('default', '2025-07-07T09:00', '2025-07-07T09:30')];
    expect(day(twoChairs, 'cut', '2025-07-07', { occupied: one }).map(clock)).toContain('09:00');
    const both = [...one, booked('default-2', '2025-07-07T09:00', '2025-07-07T09:30')];
    expect(day(twoChairs, 'cut', '2025-07-07', { occupied: both }).map(clock)).not.toContain('09:00');
  });

  it('books named resources only for the services they take', () => {
    const staffed = salon(
      `booking:\n  slot_minutes: 15\n  services: [cut, color]\n  resources:\n    - id: chair\n      name: Chair\n      services: [cut]\n    - id: colorist\n      name: Colorist\n      services: [color]`,
    );
    const occupied = [booked('colorist', '2025-07-07T09:00', '2025-07-07T10:00')];
    expect(day(staffed, 'color', '2025-07-07', { occupied }).map(clock)[0]).toBe('10:00');
    expect(day(staffed, 'cut', '2025-07-07', { occupied }).map(clock)[0]).toBe('09:00');
  });
});

describe('startProblem', () => {
  const knowledge = salon();
  const cut = serviceOf(knowledge, 'cut');
  const now = local('2025-07-01T08:00');
  const problem = (start: string) => startProblem(knowledge, cut, local(start), now);

  it('accepts an aligned start inside opening hours', () => {
    expect(problem('2025-07-07T11:30')).toBeUndefined();
    expect(problem('2025-07-03T10:00')).toBeUndefined();
  });

  it('names the rule a start breaks', () => {
    expect(problem('2025-07-07T09:05')).toMatch(/15-minute boundary/);
    expect(startProblem(knowledge, cut, new Date(local('2025-07-07T10:00').getTime() + 1_000), now)).toMatch(/boundary/);
    expect(problem('2025-07-07T11:45')).toMatch(/outside opening hours/);
    expect(problem('2025-07-01T08:45')).toMatch(/minimum notice/);
    expect(problem('2025-07-01T09:00')).toBeUndefined();
    expect(problem('2025-07-04T10:00')).toMatch(/outside opening hours/);
    expect(problem('2025-07-03T09:00')).toMatch(/outside opening hours/);
    expect(problem('2025-07-31T10:00')).toBeUndefined();
    expect(problem('2025-08-01T10:00')).toMatch(/more than 30 days ahead/);
  });
});

describe('bookableService', () => {
  it('refuses unknown services and services not bookable by phone', () => {
    const knowledge = salon();
    expect(bookableService(knowledge, 'perm')).toEqual({ ok: false, reason: expect.stringMatching(/unknown service "perm".*cut, color/) });
    expect(bookableService(knowledge, 'tour')).toEqual({ ok: false, reason: expect.stringMatching(/cannot be booked/) });
    expect(bookableService(salon(''), 'cut')).toEqual({ ok: false, reason: expect.stringMatching(/cannot be booked by phone/) });
  });
});

describe('alternativesTo', () => {
  it('offers the free slots nearest the taken one, in time order', () => {
    const knowledge = salon();
    const cut = serviceOf(knowledge, 'cut');
    const occupied = [booked('default', '2025-07-07T10:00', '2025-07-07T10:30')];
    const alternatives = alternativesTo(knowledge, cut, local('2025-07-07T10:00'), occupied, weekBefore, 3);
    expect(alternatives.map(clock)).toEqual(['09:30', '10:30', '10:45']);
  });
});
