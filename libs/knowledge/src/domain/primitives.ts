/**
 * Parsers for the small values a business owner types by hand: clock times,
 * dates, phone numbers, amounts. Each returns a value or a reason that names
 * what was written and how to write it instead.
 */

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = <T = never>(error: string): Parsed<T> => ({ ok: false, error });

export const MINUTES_PER_DAY = 24 * 60;

const CLOCK = /^(\d{1,2})(?::(\d{2}))?\s*(?:([ap])\.?\s*m\.?)?$/i;

/** Minutes since local midnight for "09:00", "17:30", "9am", "5:30 pm"; "24:00" is the end of the day. */
export function parseClock(text: string): Parsed<number> {
  const match = CLOCK.exec(text.trim());
  const hint = 'write 24-hour times like 09:00 or 17:30, or 9am / 5:30pm';
  if (!match) return fail(`"${text}" is not a time; ${hint}`);
  const hour = Number(match[1]);
  const minute = match[2] === undefined ? 0 : Number(match[2]);
  const meridiem = match[3]?.toLowerCase();
  if (match[2] === undefined && meridiem === undefined) return fail(`"${text}" is ambiguous; ${hint}`);
  if (minute > 59) return fail(`"${text}" has more than 59 minutes`);
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return fail(`"${text}": with am/pm the hour must be 1 to 12`);
    return ok((hour % 12) * 60 + minute + (meridiem === 'p' ? 12 * 60 : 0));
  }
  if (hour > 24 || (hour === 24 && minute > 0)) return fail(`"${text}" is not a time of day (00:00 to 24:00)`);
  return ok(hour * 60 + minute);
}

/** "HH:MM" for minutes since midnight (1440 → "24:00"). */
export function formatClock(minutes: number): string {
  const hour = Math.floor(minutes / 60);
  return `${String(hour).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Minutes since midnight of a normalized "HH:MM". */
export function clockMinutes(clock: string): number {
  const [hour, minute] = clock.split(':').map(Number);
  return (hour ?? 0) * 60 + (minute ?? 0);
}

export interface ClockRange {
  readonly opens: number;
  readonly closes: number;
}

/** "09:00-17:00", "9am - 5pm", "9:00 to 17:30". A range may not cross midnight. */
export function parseClockRange(text: string): Parsed<ClockRange> {
  const parts = text.split(/\s*(?:-|–|—|\bto\b)\s*/i).filter((part) => part !== '');
  if (parts.length !== 2) return fail(`"${text}" is not an opening range; write it like 09:00-17:00`);
  const opens = parseClock(parts[0] ?? '');
  if (!opens.ok) return opens;
  const closes = parseClock(parts[1] ?? '');
  if (!closes.ok) return closes;
  // "6pm-12am" closes at the end of the day, not at its start.
  const closesAt = closes.value === 0 ? MINUTES_PER_DAY : closes.value;
  if (opens.value >= MINUTES_PER_DAY) return fail(`"${text}" opens at the end of the day`);
  if (closesAt <= opens.value) {
    return fail(`"${text}" closes before it opens; hours past midnight go on the next day (e.g. 00:00-02:00)`);
  }
  return ok({ opens: opens.value, closes: closesAt });
}

const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ANNUAL_DATE = /^(\d{2})-(\d{2})$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** "2025-12-25" (that day) or "12-25" (that day every year). Returns the text normalized. */
export function parseDateRuleDate(text: string): Parsed<string> {
  const trimmed = text.trim();
  const full = FULL_DATE.exec(trimmed);
  if (full) {
    return isCalendarDate(Number(full[1]), Number(full[2]), Number(full[3]))
      ? ok(trimmed)
      : fail(`"${text}" is not a real date`);
  }
  const annual = ANNUAL_DATE.exec(trimmed);
  if (annual) {
    // 2000 is a leap year, so 02-29 is accepted as an every-year date.
    return isCalendarDate(2000, Number(annual[1]), Number(annual[2])) ? ok(trimmed) : fail(`"${text}" is not a real date`);
  }
  return fail(`"${text}" is not a date; write YYYY-MM-DD (e.g. 2025-12-25), or MM-DD (e.g. 12-25) for every year`);
}

export const isAnnualDate = (date: string): boolean => date.length === 5;

/** Strips the separators people write in phone numbers; E.164 is "+" then 7 to 15 digits. */
export function parseE164(text: string): Parsed<string> {
  const compact = text.trim().replace(/[\s().-]/g, '');
  if (/^\+[1-9]\d{6,14}$/.test(compact)) return ok(compact);
  return fail(`"${text}" is not an international phone number; write it in E.164 form with the country code, e.g. +15125550100`);
}

/** A money amount as written ("45", "45.5", "1,200.00"); at most two decimals, not negative. */
export function parseAmount(text: string): Parsed<number> {
  const compact = text.trim().replace(/,(?=\d{3}\b)/g, '');
  if (!/^\d+(?:\.\d{1,2})?$/.test(compact)) {
    return fail(`"${text}" is not an amount; write only the number, e.g. 45 or 45.50 (the currency is set separately)`);
  }
  return ok(Number(compact));
}

export function parseWholeNumber(text: string, min: number, max: number): Parsed<number> {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return fail(`"${text}" is not a whole number`);
  const value = Number(trimmed);
  if (value < min || value > max) return fail(`must be between ${min} and ${max} (got ${value})`);
  return ok(value);
}

/** An IANA zone name such as America/New_York, returned in its canonical spelling. */
export function parseTimeZone(text: string): Parsed<string> {
  const trimmed = text.trim();
  try {
    const zone = new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
    return ok(zone);
  } catch {
    return fail(`"${text}" is not a known IANA time zone; use a name like America/New_York or Europe/London`);
  }
}

let currencies: ReadonlySet<string> | undefined;

export function parseCurrency(text: string): Parsed<string> {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  const code = text.trim().toUpperCase();
  return currencies.has(code) ? ok(code) : fail(`"${text}" is not an ISO 4217 currency code such as USD, EUR or GBP`);
}

/** Lower-case letters, digits, "-" and "_": ids are referred to from elsewhere in the file and in logs. */
export function parseId(text: string): Parsed<string> {
  const trimmed = text.trim();
  return /^[a-z0-9][a-z0-9_-]*$/.test(trimmed)
    ? ok(trimmed)
    : fail(`"${text}" is not a valid id; use lower-case letters, digits, "-" or "_" (e.g. teeth-cleaning)`);
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys and ids. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** ` (did you mean "x"?)` when one candidate is close enough to be a likely typo, else ''. */
export function didYouMean(written: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(written.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(written.length / 3)) ? ` (did you mean "${best}"?)` : '';
}
