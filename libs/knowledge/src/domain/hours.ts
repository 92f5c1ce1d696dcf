import { DateTime } from 'luxon';
import type { DateRule, Knowledge, TimeRange, Weekday } from './model';
import { WEEKDAYS } from './model';
import { clockMinutes, MINUTES_PER_DAY } from './primitives';
import { spokenTime } from './spoken';

/**
 * Opening hours in the business's own timezone. Local wall-clock times are
 * turned into instants by luxon, so days that are 23 or 25 hours long (DST
 * changes) and zones far from UTC come out right.
 */

export interface DayHours {
  /** Local date, YYYY-MM-DD. */
  readonly date: string;
  readonly weekday: Weekday;
  /** Empty when closed all day. */
  readonly ranges: readonly TimeRange[];
  /** Which rule decided: the weekly hours, a holiday, or special hours for that date. */
  readonly kind: 'regular' | 'holiday' | 'special';
  /** The holiday's or special day's name, when it has one. */
  readonly name?: string;
}

export interface OpeningPeriod {
  readonly start: Date;
  readonly end: Date;
  /** Local date (YYYY-MM-DD) on which the period starts. */
  readonly date: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether a date rule (one date, a span, or the same days every year) covers a local date. */
export function dateRuleCovers(rule: DateRule, localDate: string): boolean {
  const until = rule.until ?? rule.date;
  const point = rule.date.length === 5 ? localDate.slice(5) : localDate;
  return point >= rule.date && point <= until;
}

function weekdayOf(localDate: string): Weekday {
  const weekday = DateTime.fromISO(localDate, { zone: 'UTC' }).weekday;
  return WEEKDAYS[weekday - 1] ?? 'monday';
}

/** The local date (YYYY-MM-DD) at an instant, in the business timezone. */
export function localDateAt(knowledge: Knowledge, instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: knowledge.business.timezone }).toISODate() ?? '';
}

/** The hours that apply on a local date (YYYY-MM-DD): special hours, else holiday, else the weekly hours. */
export function hoursOn(knowledge: Knowledge, localDate: string): DayHours {
  if (!ISO_DATE.test(localDate) || !DateTime.fromISO(localDate).isValid) {
    throw new RangeError(`hoursOn: "${localDate}" is not a YYYY-MM-DD date`);
  }
  const weekday = weekdayOf(localDate);
  const special = knowledge.specialHours.find((rule) => dateRuleCovers(rule, localDate));
  if (special) return named({ date: localDate, weekday, ranges: special.hours, kind: 'special' }, special.name);
  const holiday = knowledge.holidays.find((rule) => dateRuleCovers(rule, localDate));
  if (holiday) return named({ date: localDate, weekday, ranges: [], kind: 'holiday' }, holiday.name);
  return { date: localDate, weekday, ranges: knowledge.hours[weekday], kind: 'regular' };
}

const named = (day: DayHours, name: string | undefined): DayHours => (name === undefined ? day : { ...day, name });

/** The instant a local wall-clock time happens; a time skipped by a DST change moves forward by the gap. */
function instantOf(day: DateTime, clock: string): DateTime {
  const minutes = clockMinutes(clock);
  if (minutes >= MINUTES_PER_DAY) return day.plus({ days: 1 }).startOf('day');
  return DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(minutes / 60), minute: minutes % 60 },
    { zone: day.zone },
  );
}

/** Opening periods from the local day before `from` onwards, in order, with back-to-back periods merged. */
function* periodsFrom(knowledge: Knowledge, from: Date, maxDays: number): Generator<OpeningPeriod> {
  let day = DateTime.fromJSDate(from, { zone: knowledge.business.timezone }).startOf('day').minus({ days: 1 });
  let pending: OpeningPeriod | undefined;
  for (let i = 0; i <= maxDays + 1; i++, day = day.plus({ days: 1 })) {
    const date = day.toISODate() ?? '';
    for (const range of hoursOn(knowledge, date).ranges) {
      const start = instantOf(day, range.opens).toJSDate();
      const end = instantOf(day, range.closes).toJSDate();
      if (end <= start) continue;
      if (pending && pending.end.getTime() === start.getTime()) {
        pending = { ...pending, end };
        continue;
      }
      if (pending) yield pending;
      pending = { start, end, date };
    }
  }
  if (pending) yield pending;
}

/** Opening periods that overlap [from, to), in order (a period open over midnight into the next day is one period). */
export function openingPeriods(knowledge: Knowledge, from: Date, to: Date): OpeningPeriod[] {
  const days = Math.ceil((to.getTime() - from.getTime()) / 86_400_000) + 1;
  const periods: OpeningPeriod[] = [];
  for (const period of periodsFrom(knowledge, from, Math.max(days, 1))) {
    if (period.start >= to) break;
    if (period.end > from) periods.push(period);
  }
  return periods;
}

/**
 * The opening period the instant falls in, if open. Periods are followed a
 * week ahead, so a business open around the clock reports a week from now as its end.
 */
export function openPeriodAt(knowledge: Knowledge, instant: Date): OpeningPeriod | undefined {
  for (const period of periodsFrom(knowledge, instant, 8)) {
    if (period.start > instant) return undefined;
    if (period.end > instant) return period;
  }
  return undefined;
}

export function isOpenAt(knowledge: Knowledge, instant: Date): boolean {
  return openPeriodAt(knowledge, instant) !== undefined;
}

/**
 * The first instant at or after `instant` when the business is open: the
 * instant itself when open now, undefined when it never opens within
 * `withinDays` (default a year and a day, so an every-year closure cannot hide it).
 */
export function nextOpening(knowledge: Knowledge, instant: Date, withinDays = 367): Date | undefined {
  for (const period of periodsFrom(knowledge, instant, withinDays)) {
    if (period.end <= instant) continue;
    return period.start > instant ? period.start : instant;
  }
  return undefined;
}

/** When the opening period containing `instant` ends (undefined when closed). */
export function nextClosing(knowledge: Knowledge, instant: Date): Date | undefined {
  return openPeriodAt(knowledge, instant)?.end;
}

const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * When the business next opens, as the agent would say it relative to
 * `instant`: "now", "today at 1 pm", "tomorrow at 9 am", "on Monday at 8 am",
 * "on Friday, December 26 at 8 am". Undefined when it does not open within a year.
 */
export function describeNextOpening(knowledge: Knowledge, instant: Date): string | undefined {
  const opening = nextOpening(knowledge, instant);
  if (!opening) return undefined;
  if (opening.getTime() === instant.getTime()) return 'now';
  const zone = knowledge.business.timezone;
  const now = DateTime.fromJSDate(instant, { zone });
  const then = DateTime.fromJSDate(opening, { zone });
  const days = Math.round(then.startOf('day').diff(now.startOf('day'), 'days').days);
  const time = spokenTime(then.hour * 60 + then.minute);
  const weekday = capitalize(WEEKDAYS[then.weekday - 1] ?? '');
  if (days === 0) return `today at ${time}`;
  if (days === 1) return `tomorrow at ${time}`;
  if (days < 7) return `on ${weekday} at ${time}`;
  return `on ${weekday}, ${then.setLocale('en-US').toFormat('MMMM d')} at ${time}`;
}
