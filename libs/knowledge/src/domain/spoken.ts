/**
 * How values are said out loud in English: the text the agent speaks is built
 * from these, and the never-invent guard recognises them in replies.
 */

const SMALL = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
] as const;
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;

/** 45 → "forty-five", 120 → "one hundred twenty". Non-integers and negatives come back as digits. */
export function numberToWords(value: number): string {
  if (!Number.isInteger(value) || value < 0) return String(value);
  if (value < 20) return SMALL[value] ?? String(value);
  if (value < 100) {
    const ones = value % 10;
    return `${TENS[Math.floor(value / 10)]}${ones === 0 ? '' : `-${SMALL[ones]}`}`;
  }
  const scales: ReadonlyArray<readonly [number, string]> = [[1_000_000_000, 'billion'], [1_000_000, 'million'], [1_000, 'thousand'], [100, 'hundred']];
  for (const [size, name] of scales) {
    if (value >= size) {
      const rest = value % size;
      return `${numberToWords(Math.floor(value / size))} ${name}${rest === 0 ? '' : ` ${numberToWords(rest)}`}`;
    }
  }
  return String(value);
}

const IRREGULAR_ORDINALS: Readonly<Record<string, string>> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

/** 25 → "twenty-fifth". */
export function ordinalWords(value: number): string {
  const words = numberToWords(value);
  const match = /([a-z]+)$/.exec(words);
  if (!match?.[1]) return words;
  const last = match[1];
  const ordinal = IRREGULAR_ORDINALS[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return words.slice(0, words.length - last.length) + ordinal;
}

/** 25 → "25th". */
export function ordinalSuffix(value: number): string {
  const lastTwo = value % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${value}th`;
  return `${value}${['th', 'st', 'nd', 'rd'][value % 10] ?? 'th'}`;
}

/** Minutes since midnight → "9 am", "1:30 pm", "noon", "midnight". */
export function spokenTime(minutes: number): string {
  const normalized = minutes % (24 * 60);
  if (normalized === 0) return 'midnight';
  if (normalized === 12 * 60) return 'noon';
  const hour = Math.floor(normalized / 60);
  const minute = normalized % 60;
  const hour12 = hour % 12 === 0 ? 12 : hour % 12;
  const clock = minute === 0 ? String(hour12) : `${hour12}:${String(minute).padStart(2, '0')}`;
  return `${clock} ${hour < 12 ? 'am' : 'pm'}`;
}

/** 45 USD → "$45", 45.5 USD → "$45.50", 20 EUR → "€20". */
export function spokenPrice(amount: number, currency: string): string {
  const formatted = new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount);
  return Number.isInteger(amount) ? formatted.replace(/\.00$/, '') : formatted;
}

/** 30 → "30 minutes", 60 → "1 hour", 90 → "90 minutes", 120 → "2 hours". */
export function spokenDuration(minutes: number): string {
  if (minutes % 60 === 0 && minutes > 0) return minutes === 60 ? '1 hour' : `${minutes / 60} hours`;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

export const MONTHS = [
  'january', 'february', 'march', 'april', 'may', 'june',
  'july', 'august', 'september', 'october', 'november', 'december',
] as const;

const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** "2025-12-25" → "Thursday, December 25, 2025"; "12-25" → "December 25". */
export function spokenDate(date: string): string {
  const parts = date.split('-').map(Number);
  if (parts.length === 2) {
    const [month = 1, day = 1] = parts;
    return `${capitalize(MONTHS[month - 1] ?? '')} ${day}`;
  }
  const [year = 1970, month = 1, day = 1] = parts;
  const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(year, month - 1, day)));
  return `${weekday}, ${capitalize(MONTHS[month - 1] ?? '')} ${day}, ${year}`;
}

/** "+15125550100" → "(512) 555-0100" for North American numbers; other numbers as written. */
export function spokenPhone(e164: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : e164;
}

/** "monday, tuesday and friday". */
export function spokenList(items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}
