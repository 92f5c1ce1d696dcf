import * as chrono from 'chrono-node';
import { DateTime } from 'luxon';

/**
 * Dates and times in what a caller said, in the business's timezone:
 * "tomorrow at three", "next tuesday afternoon", "december 1st at 3 pm".
 */

export interface SpokenWhen {
  /** YYYY-MM-DD when the caller named a day. */
  readonly date?: string;
  /** HH:MM when the caller named a time. */
  readonly time?: string;
}

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
};
const MINUTE_WORDS: Readonly<Record<string, string>> = {
  'o five': '05', 'oh five': '05', ten: '10', fifteen: '15', twenty: '20', thirty: '30', 'forty five': '45', forty: '40', fifty: '50',
};
const HOUR = Object.keys(NUMBER_WORDS).join('|');
const MINUTE = Object.keys(MINUTE_WORDS).join('|');

/** Spelled-out clock times as digits, so chrono can read them ("three thirty pm" → "3:30 pm"). */
export function digitizeTimes(text: string): string {
  return text
    .replace(new RegExp(`\\b(${HOUR}) (${MINUTE})\\b`, 'g'), (_, h: string, m: string) => `${NUMBER_WORDS[h]}:${MINUTE_WORDS[m]}`)
    .replace(new RegExp(`\\b(${HOUR}) o'?clock\\b`, 'g'), (_, h: string) => `${NUMBER_WORDS[h]} o'clock`)
    .replace(new RegExp(`\\b(${HOUR})(?= ?(?:am|pm|a m|p m|in the (?:morning|afternoon|evening))\\b)`, 'g'), (h: string) => String(NUMBER_WORDS[h]))
    .replace(new RegExp(`\\b(at|around|about|for|by) (${HOUR})\\b`, 'g'), (_, at: string, h: string) => `${at} ${NUMBER_WORDS[h]}`)
    .replace(/\b(\d{1,2}) (\d{2})\b(?= ?(?:am|pm)?)/g, '$1:$2')
    .replace(/\ba m\b/g, 'am').replace(/\bp m\b/g, 'pm')
    .replace(/\bhalf past (\d{1,2})\b/g, '$1:30');
}

// Nobody books a dental cleaning at 3 in the morning: bare small hours are afternoon.
const AFTERNOON_BELOW = 8;

/** Reads a date and time from caller text relative to `now`, in `timezone`. */
export function parseWhen(text: string, now: Date, timezone: string): SpokenWhen {
  const local = DateTime.fromJSDate(now, { zone: timezone });
  // chrono works in the process timezone: hand it the business's wall clock as if it were local.
  const reference = new Date(local.year, local.month - 1, local.day, local.hour, local.minute);
  const results = chrono.parse(digitizeTimes(text), reference, { forwardDate: true });
  let date: string | undefined;
  let time: string | undefined;
  for (const result of results) {
    const start = result.start;
    const pad = (n: number | null) => String(n ?? 0).padStart(2, '0');
    if (date === undefined && (start.isCertain('day') || start.isCertain('weekday'))) {
      date = `${start.get('year')}-${pad(start.get('month'))}-${pad(start.get('day'))}`;
    }
    if (time === undefined && start.isCertain('hour')) {
      let hour = start.get('hour') ?? 0;
      if (!start.isCertain('meridiem') && hour >= 1 && hour < AFTERNOON_BELOW) hour += 12;
      time = `${pad(hour)}:${pad(start.get('minute'))}`;
    }
  }
  return { ...(date !== undefined ? { date } : {}), ...(time !== undefined ? { time } : {}) };
}
