import { MONTHS, numberToWords, ordinalSuffix, ordinalWords, spokenPrice } from './spoken';

/**
 * Literal values (prices, times, dates, phone numbers, amounts) as facts carry
 * them and as replies state them. Both sides reduce a value to comparison keys
 * ("price:45", "time:09:00", "phone:5125550100"), so the never-invent guard
 * can check that every value a reply states comes from the facts it used.
 */

export type ValueKind = 'price' | 'time' | 'date' | 'phone' | 'number' | 'duration' | 'percent';

export interface FactValue {
  readonly kind: ValueKind;
  /**
   * Canonical value: price amount "45" or "45.5", time "09:00", date
   * "2025-12-25" (or "12-25" every year), phone "+15125550100", duration in
   * minutes "60", number "10", percent "10".
   */
  readonly value: string;
  /** Comparison keys shared with extractLiterals. */
  readonly keys: readonly string[];
  /** Lower-case ways of writing or saying it: "45", "$45", "45 dollars", "forty-five". */
  readonly forms: readonly string[];
}

export interface Literal {
  readonly kind: ValueKind;
  /** As it appears in the text. */
  readonly text: string;
  /** Offset in the text. */
  readonly index: number;
  /** Possible readings ("9:30" is 09:30 or 21:30); the literal is grounded when any is a fact key. */
  readonly keys: readonly string[];
}

const unique = (items: readonly string[]): string[] => [...new Set(items.map((item) => item.toLowerCase()))];
const withUnhyphenated = (forms: readonly string[]): string[] => unique(forms.flatMap((form) => [form, form.replace(/-/g, ' ')]));
const pad2 = (value: number): string => String(value).padStart(2, '0');

export const amountKey = (amount: number): string => String(Number(amount.toFixed(2)));

function currencyWord(currency: string, amount: number): string {
  const singular = amount === 1;
  switch (currency) {
    case 'USD': case 'CAD': case 'AUD': case 'NZD': case 'SGD': case 'HKD':
      return singular ? 'dollar' : 'dollars';
    case 'EUR':
      return singular ? 'euro' : 'euros';
    case 'GBP':
      return singular ? 'pound' : 'pounds';
    default:
      return currency.toLowerCase();
  }
}

export function priceValue(amount: number, currency: string): FactValue {
  const key = amountKey(amount);
  const whole = Math.floor(amount);
  const cents = Math.round((amount - whole) * 100);
  const unit = currencyWord(currency, amount);
  const spoken = cents === 0
    ? [numberToWords(whole), `${numberToWords(whole)} ${unit}`]
    : [`${numberToWords(whole)} ${unit} and ${numberToWords(cents)} cents`, `${numberToWords(whole)} ${numberToWords(cents)}`];
  return {
    kind: 'price',
    value: key,
    keys: [`price:${key}`, `number:${key}`],
    forms: withUnhyphenated([
      key, amount.toFixed(2), spokenPrice(amount, currency), new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount),
      `${key} ${unit}`, `${amount.toFixed(2)} ${currency.toLowerCase()}`, ...spoken,
    ]),
  };
}

/** Minutes since midnight; 24:00 and 00:00 are the same time of day. */
export function timeValue(minutes: number): FactValue {
  const normalized = minutes % (24 * 60);
  const hour = Math.floor(normalized / 60);
  const minute = normalized % 60;
  const hour12 = hour % 12 === 0 ? 12 : hour % 12;
  const meridiem = hour < 12 ? 'am' : 'pm';
  const dotted = `${meridiem[0]}.m.`;
  const clock24 = `${pad2(hour)}:${pad2(minute)}`;
  const hourWords = numberToWords(hour12);
  const forms: string[] = [clock24];
  const keys = [`time:${clock24}`];
  if (minute === 0) {
    keys.push(`number:${hour12}`);
    forms.push(
      String(hour12), `${hour12} ${meridiem}`, `${hour12}${meridiem}`, `${hour12} ${dotted}`, `${hour12}:00`, `${hour12}:00 ${meridiem}`,
      hourWords, `${hourWords} ${meridiem}`, `${hourWords} o'clock`,
    );
  } else {
    const minuteWords = minute < 10 ? `oh ${numberToWords(minute)}` : numberToWords(minute);
    const clock = `${hour12}:${pad2(minute)}`;
    forms.push(clock, `${clock} ${meridiem}`, `${clock}${meridiem}`, `${clock} ${dotted}`, `${hourWords} ${minuteWords}`, `${hourWords} ${minuteWords} ${meridiem}`);
    if (minute === 30) forms.push(`half past ${hourWords}`);
    if (minute === 15) forms.push(`quarter past ${hourWords}`);
    if (minute === 45) forms.push(`quarter to ${numberToWords((hour12 % 12) + 1)}`);
  }
  if (normalized === 12 * 60) forms.push('noon', 'midday');
  if (normalized === 0) forms.push('midnight', '24:00');
  return { kind: 'time', value: clock24, keys, forms: withUnhyphenated(forms) };
}

/** "2025-12-25" or every-year "12-25". */
export function dateValue(date: string): FactValue {
  const parts = date.split('-').map(Number);
  const [year, month, day] = parts.length === 3 ? parts : [undefined, ...parts];
  const monthName = MONTHS[(month ?? 1) - 1] ?? '';
  const dayNumber = day ?? 1;
  const monthDay = `${pad2(month ?? 1)}-${pad2(dayNumber)}`;
  const forms = [
    date, `${monthName} ${dayNumber}`, `${monthName} ${ordinalSuffix(dayNumber)}`, `${monthName.slice(0, 3)} ${dayNumber}`,
    `${dayNumber} ${monthName}`, `${ordinalSuffix(dayNumber)} of ${monthName}`, `${month}/${dayNumber}`,
    `${monthName} ${ordinalWords(dayNumber)}`, `the ${ordinalSuffix(dayNumber)}`, `the ${ordinalWords(dayNumber)}`,
  ];
  const keys = [`date:${monthDay}`, `day:${dayNumber}`];
  if (year !== undefined) {
    keys.unshift(`date:${date}`);
    forms.push(`${monthName} ${dayNumber}, ${year}`, `${month}/${dayNumber}/${year}`);
  }
  return { kind: 'date', value: date, keys, forms: withUnhyphenated(forms) };
}

/** Keys that match the number however much of the country code a reply includes. */
function phoneKeys(digits: string): string[] {
  const keys = [`phone:${digits}`];
  if (digits.length === 11 && digits.startsWith('1')) keys.push(`phone:${digits.slice(1)}`);
  if (digits.length === 10) keys.push(`phone:1${digits}`);
  return keys;
}

export function phoneValue(e164: string): FactValue {
  const digits = e164.replace(/\D/g, '');
  const forms = [e164, digits];
  const nanp = /^1(\d{3})(\d{3})(\d{4})$/.exec(digits);
  if (nanp) {
    const [, area, exchange, line] = nanp;
    forms.push(`${area}${exchange}${line}`, `${area}-${exchange}-${line}`, `(${area}) ${exchange}-${line}`, `${area} ${exchange} ${line}`, `${area}.${exchange}.${line}`);
  }
  const national = nanp ? digits.slice(1) : digits;
  forms.push([...national].map((digit) => numberToWords(Number(digit))).join(' '));
  return { kind: 'phone', value: e164, keys: phoneKeys(digits), forms: unique(forms) };
}

export function numberValue(value: number): FactValue {
  const key = amountKey(value);
  return { kind: 'number', value: key, keys: [`number:${key}`], forms: withUnhyphenated([key, numberToWords(value)]) };
}

export function durationValue(minutes: number): FactValue {
  const keys = [`duration:${minutes}`, `number:${minutes}`];
  const forms = [String(minutes), `${minutes} minutes`, `${numberToWords(minutes)} minutes`, `${minutes} min`];
  // "24 hours" and "1 day" are the same notice period; both are said.
  if (minutes % 60 === 0 && minutes <= 72 * 60) {
    const hours = minutes / 60;
    keys.push(`number:${hours}`);
    forms.push(String(hours), `${hours} ${hours === 1 ? 'hour' : 'hours'}`, `${numberToWords(hours)} ${hours === 1 ? 'hour' : 'hours'}`);
    if (hours === 1) forms.push('an hour');
  }
  if (minutes % (24 * 60) === 0) {
    const days = minutes / (24 * 60);
    keys.push(`number:${days}`);
    forms.push(String(days), `${days} ${days === 1 ? 'day' : 'days'}`, `${numberToWords(days)} ${days === 1 ? 'day' : 'days'}`);
    if (days % 7 === 0) forms.push(`${days / 7} ${days === 7 ? 'week' : 'weeks'}`, `${numberToWords(days / 7)} ${days === 7 ? 'week' : 'weeks'}`);
  }
  if (minutes === 30) forms.push('half an hour', 'half hour');
  if (minutes === 90) forms.push('an hour and a half', 'hour and a half');
  return { kind: 'duration', value: String(minutes), keys, forms: withUnhyphenated(forms) };
}

export function percentValue(value: number): FactValue {
  const key = amountKey(value);
  return {
    kind: 'percent',
    value: key,
    keys: [`percent:${key}`, `number:${key}`],
    forms: withUnhyphenated([`${key}%`, `${key} percent`, `${numberToWords(value)} percent`, key]),
  };
}

/** The fact value a literal found in fact text stands for (its first reading), keeping every reading's key. */
export function valueFromLiteral(literal: Literal, currency = 'USD'): FactValue | undefined {
  const first = literal.keys[0];
  if (first === undefined) return undefined;
  const separator = first.indexOf(':');
  const kind = first.slice(0, separator);
  const raw = first.slice(separator + 1);
  let value: FactValue;
  switch (kind) {
    case 'price': value = priceValue(Number(raw), currency); break;
    case 'time': value = timeValue(Number(raw.slice(0, 2)) * 60 + Number(raw.slice(3))); break;
    case 'date': value = dateValue(raw); break;
    case 'phone': value = phoneValue(`+${raw}`); break;
    case 'duration': value = durationValue(Number(raw)); break;
    case 'percent': value = percentValue(Number(raw)); break;
    case 'number': value = numberValue(Number(raw)); break;
    case 'day': value = { kind: 'number', value: raw, keys: [`day:${raw}`, `number:${raw}`], forms: [raw, ordinalSuffix(Number(raw))] }; break;
    default: return undefined;
  }
  return { ...value, keys: [...new Set([...value.keys, ...literal.keys])], forms: unique([...value.forms, literal.text]) };
}

// ---------------------------------------------------------------------------
// Extraction: written or spoken values in free text.

const MONTH_BY_NAME: ReadonlyMap<string, number> = new Map(
  MONTHS.flatMap((month, index) => [[month, index + 1], [month.slice(0, 3), index + 1], ...(month === 'september' ? [['sept', 9] as const] : [])]),
);

const WORD_VALUES: ReadonlyMap<string, number> = new Map([
  ...['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen',
    'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'].map((word, value) => [word, value] as const),
  ...['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'].map((word, index) => [word, (index + 2) * 10] as const),
]);
const SCALE_VALUES: ReadonlyMap<string, number> = new Map([['hundred', 100], ['thousand', 1000], ['million', 1_000_000]]);
const ORDINAL_VALUES: ReadonlyMap<string, number> = new Map(
  Array.from({ length: 31 }, (_, index) => [ordinalWords(index + 1), index + 1] as const).filter(([word]) => !word.includes('-')),
);
/** Words after a lone "one" that make it a quantity rather than a pronoun ("one of our staff"). */
const QUANTITY_FOLLOWERS = /^(?:minutes?|hours?|days?|weeks?|months?|years?|dollars?|bucks|cents?|percent|am|pm|a|p|o'clock|hundred|thousand)$/;

interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

interface Word {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Parses one run of number words into digit strings: "nine thirty" → ["9", "30"], "one hundred twenty" → ["120"]. */
function parseNumberRun(words: readonly string[]): { numbers: string[]; ordinal: boolean } {
  const numbers: string[] = [];
  let total = 0;
  let current = 0;
  let last: 'none' | 'unit' | 'teen' | 'tens' | 'hundred' | 'scale' = 'none';
  let ordinal = false;
  const flush = (): void => {
    if (last !== 'none') numbers.push(String(total + current));
    total = 0;
    current = 0;
    last = 'none';
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const ordinalValue = ORDINAL_VALUES.get(word);
    if (ordinalValue !== undefined) {
      if (!(ordinalValue < 10 && last === 'tens') && last !== 'hundred' && last !== 'scale') flush();
      current += ordinalValue;
      last = 'unit';
      ordinal = true;
      break;
    }
    if (word === 'oh') {
      flush();
      const next = WORD_VALUES.get(words[i + 1] ?? '');
      if (next !== undefined && next < 10) {
        numbers.push(`0${next}`);
        i++;
      }
      continue;
    }
    if (word === 'and') continue;
    const scale = SCALE_VALUES.get(word);
    if (scale === 100) {
      current = (current === 0 ? 1 : current) * 100;
      last = 'hundred';
      continue;
    }
    if (scale !== undefined) {
      total += (current === 0 ? 1 : current) * scale;
      current = 0;
      last = 'scale';
      continue;
    }
    const value = WORD_VALUES.get(word) ?? 0;
    const kind = value < 10 ? 'unit' : value < 20 ? 'teen' : 'tens';
    const joins = last === 'none' || last === 'hundred' || last === 'scale' || (last === 'tens' && kind === 'unit');
    if (!joins) flush();
    current += value;
    last = kind;
  }
  flush();
  return { numbers, ordinal };
}

const isNumberWord = (word: string): boolean => WORD_VALUES.has(word) || SCALE_VALUES.has(word) || ORDINAL_VALUES.has(word) || word === 'oh';
const DIGIT_WORDS = new Set(['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);

/** Rewrites spoken numbers as digits ("forty-five dollars" → "45 dollars"), keeping a map back to the original offsets. */
function digitize(text: string): { text: string; originStart: number[]; originEnd: number[] } {
  const lower = text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
  const replacements: Replacement[] = [];
  const phrases: ReadonlyArray<readonly [RegExp, string]> = [
    [/\b(?:an?\s+)?hour and a half\b/g, '90 minutes'],
    [/\bhalf (?:an )?hour\b/g, '30 minutes'],
    [/\ban hour\b/g, '1 hour'],
  ];
  for (const [pattern, replacement] of phrases) {
    for (const match of lower.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (!replacements.some((r) => start < r.end && end > r.start)) replacements.push({ start, end, text: replacement });
    }
  }
  const words: Word[] = [...lower.matchAll(/[a-z]+(?:'[a-z]+)?/g)]
    .map((match) => ({ text: match[0], start: match.index, end: match.index + match[0].length }))
    .filter((word) => !replacements.some((r) => word.start < r.end && word.end > r.start));
  for (let i = 0; i < words.length; ) {
    const first = words[i];
    if (!first || !isNumberWord(first.text) || first.text === 'oh') {
      i++;
      continue;
    }
    // A run: number words separated only by spaces or hyphens ("and" only after hundred/thousand).
    let j = i + 1;
    while (j < words.length) {
      const previous = words[j - 1];
      const word = words[j];
      if (!previous || !word || !/^[\s-]*$/.test(lower.slice(previous.end, word.start))) break;
      if (word.text === 'and') {
        const next = words[j + 1];
        if (!SCALE_VALUES.has(previous.text) || !next || !WORD_VALUES.has(next.text)) break;
      } else if (!isNumberWord(word.text)) break;
      j++;
    }
    const run = words.slice(i, j);
    const runWords = run.map((word) => word.text);
    const start = first.start;
    const end = run[run.length - 1]?.end ?? first.end;
    const previousWord = words[i - 1]?.text ?? '';
    const nextWord = words[j]?.text ?? '';
    i = j;
    if (runWords.length >= 7 && runWords.every((word) => DIGIT_WORDS.has(word))) {
      replacements.push({ start, end, text: runWords.map((word) => String(WORD_VALUES.get(word) ?? 0)).join('') });
      continue;
    }
    if (runWords.length === 1 && runWords[0] === 'one' && !QUANTITY_FOLLOWERS.test(nextWord)) continue;
    const { numbers, ordinal } = parseNumberRun(runWords);
    if (numbers.length === 0) continue;
    if (ordinal) {
      const day = Number(numbers[numbers.length - 1]);
      // "first", "second", "third" on their own are rarely dates ("just a second").
      if (!MONTH_BY_NAME.has(previousWord) && day < 4) continue;
      numbers[numbers.length - 1] = ordinalSuffix(day);
    }
    replacements.push({ start, end, text: numbers.join(' ') });
  }
  replacements.sort((a, b) => a.start - b.start);
  let output = '';
  const originStart: number[] = [];
  const originEnd: number[] = [];
  let cursor = 0;
  const copy = (from: number, to: number): void => {
    for (let k = from; k < to; k++) {
      output += lower[k];
      originStart.push(k);
      originEnd.push(k + 1);
    }
  };
  for (const replacement of replacements) {
    copy(cursor, replacement.start);
    for (const char of replacement.text) {
      output += char;
      originStart.push(replacement.start);
      originEnd.push(replacement.end);
    }
    cursor = replacement.end;
  }
  copy(cursor, lower.length);
  return { text: output, originStart, originEnd };
}

type Reading = { readonly kind: ValueKind; readonly keys: readonly string[] } | undefined;

const clockKey = (hour: number, minute: number): string => `time:${pad2(hour % 24)}:${pad2(minute)}`;

function timeReading(hourText: string, minute: number, meridiem: string | undefined): Reading {
  const hour = Number(hourText);
  if (minute > 59) return undefined;
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    return { kind: 'time', keys: [clockKey((hour % 12) + (meridiem === 'p' ? 12 : 0), minute)] };
  }
  if (hour > 24) return undefined;
  // "09:00" and "17:00" are 24-hour; "9:30" could be morning or evening.
  if (hour === 0 || hour > 12 || hourText.startsWith('0')) return { kind: 'time', keys: [clockKey(hour, minute)] };
  return { kind: 'time', keys: [clockKey(hour % 12, minute), clockKey((hour % 12) + 12, minute)] };
}

function dateReading(month: number | undefined, day: number, yearText: string | undefined): Reading {
  if (month === undefined || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const monthDay = `${pad2(month)}-${pad2(day)}`;
  if (yearText === undefined) return { kind: 'date', keys: [`date:${monthDay}`] };
  const year = yearText.length === 2 ? `20${yearText}` : yearText;
  return { kind: 'date', keys: [`date:${year}-${monthDay}`] };
}

const priceReading = (amount: number): Reading => ({ kind: 'price', keys: [`price:${amountKey(amount)}`] });
const durationReading = (minutes: number): Reading => ({ kind: 'duration', keys: [`duration:${amountKey(minutes)}`] });
const plainAmount = (text: string): number => Number(text.replace(/,/g, ''));

/** Patterns tried in order; each match is blanked so later patterns do not read it again. */
const PATTERNS: ReadonlyArray<readonly [RegExp, (match: RegExpExecArray) => Reading]> = [
  [/\b(\d{4})-(\d{2})-(\d{2})\b/g, (m) => dateReading(Number(m[2]), Number(m[3]), m[1])],
  [/(?<![\w$.,])\+?\(?\d[\d\s().-]{5,18}\d(?![\w,])/g, (m) => {
    const digits = m[0].replace(/\D/g, '');
    return digits.length >= 7 && digits.length <= 15 ? { kind: 'phone', keys: phoneKeys(digits) } : undefined;
  }],
  [/\b(\d+)\s*(?:hours?|hrs?)\s*(?:and\s*)?(\d+)\s*(?:minutes?|mins?)\b/g, (m) => durationReading(Number(m[1]) * 60 + Number(m[2]))],
  [/\b(\d{1,2}):(\d{2})(?:\s*([ap])\.?\s?m\b\.?)?/g, (m) => timeReading(m[1] ?? '', Number(m[2]), m[3])],
  [/\b(\d{1,2}) (\d{2})\s*([ap])\.?\s?m\b\.?/g, (m) => timeReading(m[1] ?? '', Number(m[2]), m[3])],
  [/\b(\d{1,2})\s*([ap])\.?\s?m\b\.?/g, (m) => timeReading(m[1] ?? '', 0, m[2])],
  [/\b(\d{1,2})\s*o'?\s?clock\b/g, (m) => timeReading(m[1] ?? '', 0, undefined)],
  [/\b(?:noon|midday)\b/g, () => ({ kind: 'time', keys: [clockKey(12, 0)] })],
  [/\bmidnight\b/g, () => ({ kind: 'time', keys: [clockKey(0, 0)] })],
  [/\b(?:at|from|until|till|til|by|before|after)\s+(\d{1,2}) (\d{2})\b/g, (m) => timeReading(m[1] ?? '', Number(m[2]), undefined)],
  [/\b(\d[\d,]*)\s*dollars?\s*(?:and\s*)?(\d{1,2})\s*cents?\b/g, (m) => priceReading(plainAmount(m[1] ?? '') + Number(m[2]) / 100)],
  [/[$€£]\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?/g, (m) => priceReading(plainAmount(`${m[1]}.${m[2] ?? '0'}`))],
  [/\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s*(?:dollars?|bucks|usd|euros?|eur|pounds?|gbp)\b/g, (m) => priceReading(plainAmount(`${m[1]}.${m[2] ?? '0'}`))],
  [/\b(\d{1,2})\s*cents?\b/g, (m) => priceReading(Number(m[1]) / 100)],
  [/\b([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?/g, (m) => (MONTH_BY_NAME.has(m[1] ?? '') ? dateReading(MONTH_BY_NAME.get(m[1] ?? ''), Number(m[2]), m[3]) : undefined)],
  [/\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]+)\b(?:,?\s+(\d{4})\b)?/g, (m) => (MONTH_BY_NAME.has(m[2] ?? '') ? dateReading(MONTH_BY_NAME.get(m[2] ?? ''), Number(m[1]), m[3]) : undefined)],
  [/\b(\d{1,2})\/(\d{1,2})(?:\/(\d{4}|\d{2}))?\b/g, (m) => dateReading(Number(m[1]), Number(m[2]), m[3])],
  [/\b(\d{1,2})(?:st|nd|rd|th)\b/g, (m) => ({ kind: 'number', keys: [`day:${Number(m[1])}`] })],
  [/\b(\d+(?:\.\d+)?)\s*(?:(%)|(percent)\b|(minutes?|mins?)\b|(hours?|hrs?)\b|(days?)\b|(weeks?)\b)/g, (m) => {
    const amount = Number(m[1]);
    if (m[2] !== undefined || m[3] !== undefined) return { kind: 'percent', keys: [`percent:${amountKey(amount)}`] };
    const perUnit = m[4] !== undefined ? 1 : m[5] !== undefined ? 60 : m[6] !== undefined ? 24 * 60 : 7 * 24 * 60;
    return durationReading(amount * perUnit);
  }],
  [/\b\d{1,3}(?:,\d{3})+(?:\.\d+)?\b|\b\d+(?:\.\d+)?\b/g, (m) => ({ kind: 'number', keys: [`number:${amountKey(plainAmount(m[0]))}`] })],
];

/**
 * Every price, time, date, phone number, duration, percentage and number
 * stated in the text, written ("$45", "9:30am", "12/25") or spelled out
 * ("forty-five dollars", "nine thirty", "December twenty-fifth").
 */
export function extractLiterals(text: string): Literal[] {
  const digitized = digitize(text);
  let work = digitized.text;
  const found: Array<{ start: number; end: number; kind: ValueKind; keys: readonly string[] }> = [];
  for (const [pattern, read] of PATTERNS) {
    const spans: Array<readonly [number, number]> = [];
    for (const match of work.matchAll(pattern)) {
      const reading = read(match);
      if (!reading) continue;
      const start = match.index;
      const end = start + match[0].trimEnd().length;
      found.push({ start, end, kind: reading.kind, keys: reading.keys });
      spans.push([start, end]);
    }
    for (const [start, end] of spans) work = work.slice(0, start) + ' '.repeat(end - start) + work.slice(end);
  }
  return found
    .sort((a, b) => a.start - b.start)
    .map(({ start, end, kind, keys }) => {
      const from = digitized.originStart[start] ?? 0;
      const to = digitized.originEnd[end - 1] ?? text.length;
      return { kind, text: text.slice(from, to).trim(), index: from, keys };
    });
}
