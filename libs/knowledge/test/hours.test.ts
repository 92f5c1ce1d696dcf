import { describe, expect, it } from 'vitest';
import {
  describeNextOpening, hoursOn, isOpenAt, localDateAt, nextClosing, nextOpening, openingPeriods, parseKnowledge,
} from '../src/index';
import { example, minimalYaml } from './helpers';

const at = (iso: string): Date => new Date(iso);
const hoursLong = (period: { start: Date; end: Date }): number => (period.end.getTime() - period.start.getTime()) / 3_600_000;

describe('opening hours across DST changes (America/New_York)', () => {
  // 2025-03-09 and 2025-11-02 are Sundays: clocks spring forward at 02:00 and fall back at 02:00.
  const knowledge = parseKnowledge(minimalYaml({
    hours: 'hours:\n  saturday: 09:00-17:00\n  sunday: [00:00-03:00, 09:00-17:00]',
  }));

  it('opens at 09:00 local on both sides of spring-forward (14:00 UTC in EST, 13:00 UTC in EDT)', () => {
    expect(isOpenAt(knowledge, at('2025-03-08T13:59:00Z'))).toBe(false);
    expect(isOpenAt(knowledge, at('2025-03-08T14:00:00Z'))).toBe(true);
    expect(isOpenAt(knowledge, at('2025-03-09T12:59:00Z'))).toBe(false);
    expect(isOpenAt(knowledge, at('2025-03-09T13:00:00Z'))).toBe(true);
    expect(isOpenAt(knowledge, at('2025-03-09T20:59:00Z'))).toBe(true);
    expect(isOpenAt(knowledge, at('2025-03-09T21:00:00Z'))).toBe(false);
  });

  it('a night range loses an hour on spring-forward and gains one on fall-back', () => {
    const spring = openingPeriods(knowledge, at('2025-03-09T05:00:00Z'), at('2025-03-09T12:00:00Z'));
    expect(spring).toHaveLength(1);
    expect(spring[0]).toMatchObject({ start: at('2025-03-09T05:00:00Z'), end: at('2025-03-09T07:00:00Z'), date: '2025-03-09' });
    expect(hoursLong(spring[0]!)).toBe(2);
    const fall = openingPeriods(knowledge, at('2025-11-02T04:00:00Z'), at('2025-11-02T10:00:00Z'));
    expect(fall[0]).toMatchObject({ start: at('2025-11-02T04:00:00Z'), end: at('2025-11-02T08:00:00Z') });
    expect(hoursLong(fall[0]!)).toBe(4);
  });

  it('opens at 09:00 local on both sides of fall-back (13:00 UTC in EDT, 14:00 UTC in EST)', () => {
    expect(isOpenAt(knowledge, at('2025-11-01T13:00:00Z'))).toBe(true);
    expect(isOpenAt(knowledge, at('2025-11-02T13:30:00Z'))).toBe(false);
    expect(isOpenAt(knowledge, at('2025-11-02T14:00:00Z'))).toBe(true);
    expect(nextOpening(knowledge, at('2025-11-02T08:00:00Z'))).toEqual(at('2025-11-02T14:00:00Z'));
    expect(nextClosing(knowledge, at('2025-11-02T15:00:00Z'))).toEqual(at('2025-11-02T22:00:00Z'));
  });

  it('finds the next opening across the change, and says it in local time', () => {
    // Saturday 18:00 EST → Sunday 00:00 EST.
    expect(nextOpening(knowledge, at('2025-03-08T23:00:00Z'))).toEqual(at('2025-03-09T05:00:00Z'));
    // Sunday 03:30 EDT → Sunday 09:00 EDT.
    expect(nextOpening(knowledge, at('2025-03-09T07:30:00Z'))).toEqual(at('2025-03-09T13:00:00Z'));
    expect(describeNextOpening(knowledge, at('2025-03-09T07:30:00Z'))).toBe('today at 9 am');
    expect(describeNextOpening(knowledge, at('2025-03-08T23:00:00Z'))).toBe('tomorrow at midnight');
    // Open now: the instant itself.
    expect(nextOpening(knowledge, at('2025-03-09T14:00:00Z'))).toEqual(at('2025-03-09T14:00:00Z'));
    expect(describeNextOpening(knowledge, at('2025-03-09T14:00:00Z'))).toBe('now');
  });

  it('a time the clocks skip moves forward by the gap', () => {
    const gap = parseKnowledge(minimalYaml({ hours: 'hours:\n  sunday: 02:30-04:00' }));
    const [period] = openingPeriods(gap, at('2025-03-09T00:00:00Z'), at('2025-03-10T00:00:00Z'));
    // 02:30 does not exist on 2025-03-09; opening is at 03:30 EDT.
    expect(period).toMatchObject({ start: at('2025-03-09T07:30:00Z'), end: at('2025-03-09T08:00:00Z') });
  });

  it('merges back-to-back ranges over midnight into one period', () => {
    const allNight = parseKnowledge(minimalYaml({ hours: 'hours:\n  friday: 18:00-24:00\n  saturday: 00:00-02:00' }));
    const periods = openingPeriods(allNight, at('2025-06-06T00:00:00Z'), at('2025-06-08T00:00:00Z'));
    expect(periods).toEqual([{ start: at('2025-06-06T22:00:00Z'), end: at('2025-06-07T06:00:00Z'), date: '2025-06-06' }]);
    expect(nextClosing(allNight, at('2025-06-07T03:00:00Z'))).toEqual(at('2025-06-07T06:00:00Z'));
  });
});

describe('holidays and special hours (the example, America/Chicago)', () => {
  const knowledge = example();

  it('an every-year holiday closes the day; special hours replace the weekly ones', () => {
    expect(hoursOn(knowledge, '2025-12-25')).toEqual({ date: '2025-12-25', weekday: 'thursday', ranges: [], kind: 'holiday', name: 'Christmas Day' });
    expect(hoursOn(knowledge, '2026-12-25').kind).toBe('holiday');
    expect(hoursOn(knowledge, '2025-12-24')).toEqual({
      date: '2025-12-24', weekday: 'wednesday', ranges: [{ opens: '08:00', closes: '12:00' }], kind: 'special', name: 'Christmas Eve',
    });
    expect(hoursOn(knowledge, '2025-12-17')).toMatchObject({ kind: 'regular', ranges: [{ opens: '08:00', closes: '12:00' }, { opens: '13:00', closes: '19:00' }] });
    // Thursday 10:00 CST on Christmas: closed.
    expect(isOpenAt(knowledge, at('2025-12-25T16:00:00Z'))).toBe(false);
    // Christmas Eve (a Wednesday, normally open until 19:00): open at 11:00, closed at 13:00.
    expect(isOpenAt(knowledge, at('2025-12-24T17:00:00Z'))).toBe(true);
    expect(isOpenAt(knowledge, at('2025-12-24T19:00:00Z'))).toBe(false);
  });

  it('the next opening skips holidays and multi-day closures', () => {
    // Christmas Eve 12:30 → Friday 26 December 08:00 CST.
    expect(nextOpening(knowledge, at('2025-12-24T18:30:00Z'))).toEqual(at('2025-12-26T14:00:00Z'));
    expect(describeNextOpening(knowledge, at('2025-12-24T18:30:00Z'))).toBe('on Friday at 8 am');
    // Wednesday before Thanksgiving, 20:00 → Saturday 29 November 09:00 CST.
    expect(nextOpening(knowledge, at('2025-11-27T02:00:00Z'))).toEqual(at('2025-11-29T15:00:00Z'));
  });

  it('describes openings the way the agent says them', () => {
    // Monday 12:15 (lunch break) → today at 1 pm.
    expect(describeNextOpening(knowledge, at('2025-06-02T17:15:00Z'))).toBe('today at 1 pm');
    // Monday 18:00 → tomorrow at 8 am.
    expect(describeNextOpening(knowledge, at('2025-06-02T23:00:00Z'))).toBe('tomorrow at 8 am');
    // Saturday 14:00 → Monday.
    expect(describeNextOpening(knowledge, at('2025-06-07T19:00:00Z'))).toBe('on Monday at 8 am');
  });

  it('refuses a date that is not YYYY-MM-DD', () => {
    expect(() => hoursOn(knowledge, '2025-13-01')).toThrow(RangeError);
    expect(() => hoursOn(knowledge, '12/25/2025')).toThrow(RangeError);
  });
});

describe('a timezone far from UTC (Pacific/Auckland)', () => {
  const knowledge = parseKnowledge(minimalYaml({
    business: 'business:\n  name: Kiwi Cuts\n  timezone: Pacific/Auckland',
    hours: 'hours:\n  monday: 09:00-17:00\n  tuesday: 09:00-17:00\n  wednesday: 09:00-17:00\n  thursday: 09:00-17:00\n  friday: 09:00-17:00',
    holidays: 'holidays:\n  - date: 02-06\n    name: Waitangi Day',
  }));

  it('uses the local date, a day ahead of UTC', () => {
    // Tuesday 20:00 UTC is Wednesday 09:00 NZDT (UTC+13).
    expect(localDateAt(knowledge, at('2025-01-14T20:00:00Z'))).toBe('2025-01-15');
    expect(isOpenAt(knowledge, at('2025-01-14T19:59:00Z'))).toBe(false);
    expect(isOpenAt(knowledge, at('2025-01-14T20:00:00Z'))).toBe(true);
    // Friday 17:00 NZDT → Monday 09:00 NZDT.
    expect(nextOpening(knowledge, at('2025-01-17T04:00:00Z'))).toEqual(at('2025-01-19T20:00:00Z'));
  });

  it('follows the end of daylight saving (6 April 2025) and local holidays', () => {
    // Friday 4 April 09:00 NZDT (UTC+13), Monday 7 April 09:00 NZST (UTC+12).
    expect(nextOpening(knowledge, at('2025-04-03T19:00:00Z'))).toEqual(at('2025-04-03T20:00:00Z'));
    expect(nextOpening(knowledge, at('2025-04-04T05:00:00Z'))).toEqual(at('2025-04-06T21:00:00Z'));
    // Waitangi Day 2025 is a Thursday: closed, opening Friday 7 February 09:00 NZDT.
    expect(hoursOn(knowledge, '2025-02-06').kind).toBe('holiday');
    expect(nextOpening(knowledge, at('2025-02-05T05:00:00Z'))).toEqual(at('2025-02-06T20:00:00Z'));
  });

  it('returns undefined when it never opens', () => {
    const never = parseKnowledge(minimalYaml({ hours: 'hours:\n  monday: 09:00-10:00', holidays: 'holidays:\n  - date: 01-01\n    until: 12-31' }));
    expect(nextOpening(never, at('2025-01-01T00:00:00Z'))).toBeUndefined();
    expect(describeNextOpening(never, at('2025-01-01T00:00:00Z'))).toBeUndefined();
  });
});
