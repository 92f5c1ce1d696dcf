import { z } from 'zod';
import type { Business, Faq, Messages, TimeRange, TransferKind, Weekday } from './model';
import { MESSAGE_PLACEHOLDERS } from './model';
import type { ClockRange, Parsed } from './primitives';
import {
  didYouMean, fail, formatClock, isAnnualDate, ok, parseAmount, parseClockRange, parseCurrency, parseDateRuleDate,
  parseE164, parseId, parseTimeZone, parseWholeNumber,
} from './primitives';

/**
 * Zod schemas for each part of the knowledge file, one item at a time. The
 * file is read with YAML's failsafe schema, so every scalar arrives as text
 * exactly as written ("+15125550100" stays a string, "09:00" is not
 * sexagesimal) and is converted here with messages a business owner can act on.
 */

/** Wording for zod's structural issues, used for every parse. */
export const friendlyError: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) return 'is required';
  const shape = Array.isArray(issue.input) ? 'a list' : typeof issue.input === 'object' && issue.input !== null ? 'a mapping' : undefined;
  if (issue.code === 'invalid_type') {
    if (issue.expected === 'object') return `must be a mapping of "key: value" lines${shape ? `, not ${shape}` : ''}`;
    if (issue.expected === 'array') return `must be a list (one "- item" per line)${shape ? `, not ${shape}` : ''}`;
    if (issue.expected === 'string') return `must be text${shape ? `, not ${shape}` : ''}`;
  }
  if (issue.code === 'invalid_union') return `must be a single value${shape ? `, not ${shape}` : ''}`;
  return undefined;
};

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform((value) => String(value).trim());

export const text = scalar.refine((value) => value !== '', 'must not be empty');

/** A scalar converted by one of the primitive parsers. */
export function converted<T>(convert: (text: string) => Parsed<T>) {
  return scalar.transform((value, ctx): T => {
    const result = value === '' ? fail<T>('must not be empty') : convert(value);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.error, input: value });
    return z.NEVER;
  });
}

/** Absent, empty (`key:` with nothing after it) and null all mean "not given". */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === '' || value === null ? undefined : value), schema.optional());
}

/** A list; a single value counts as a list of one, and with `splitCommas` "a, b" as two. */
export function list<T extends z.ZodType>(item: T, { splitCommas = false } = {}) {
  return z.preprocess((value) => {
    if (value === undefined || value === null || value === '') return [];
    if (typeof value === 'string') return splitCommas ? value.split(',').map((part) => part.trim()).filter((part) => part !== '') : [value];
    return value;
  }, z.array(item));
}

/** Like z.strictObject, but names each unknown key on its own line with a spelling hint. */
export function strictObject<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape);
  return z.looseObject(shape).superRefine(
    (value, ctx) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
      for (const key of Object.keys(value)) {
        if (known.includes(key)) continue;
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown key${didYouMean(key, known)}; expected one of: ${known.join(', ')}` });
      }
    },
    { when: () => true },
  );
}

/** Drops keys whose value is undefined, so optional fields are absent rather than present-and-undefined. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

export const id = converted(parseId);
export const minutes = (min: number, max: number) => converted((value) => parseWholeNumber(value, min, max));

const parseEmail = (value: string): Parsed<string> =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) ? ok(value) : fail(`"${value}" is not an email address`);

const parseWebsite = (value: string): Parsed<string> =>
  /^(?:https?:\/\/)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?(?:\/\S*)?$/i.test(value)
    ? ok(value)
    : fail(`"${value}" is not a web address; write it like https://www.example.com`);

export const businessSchema = strictObject({
  name: text,
  phone: optional(converted(parseE164)),
  email: optional(converted(parseEmail)),
  address: optional(text),
  website: optional(converted(parseWebsite)),
  timezone: converted(parseTimeZone),
  currency: optional(converted(parseCurrency)),
}).transform((business): Business => compact({
  name: business.name,
  phone: business.phone,
  email: business.email,
  address: business.address,
  website: business.website,
  timezone: business.timezone,
  currency: business.currency ?? 'USD',
}));

/** One day's hours: "closed", a range like 09:00-17:00, or a list of ranges in order. */
export const daySchedule = z.unknown().transform((value, ctx): TimeRange[] => {
  const shape = 'write "closed", a range like 09:00-17:00, or a list of ranges';
  if (value === undefined || value === '' || value === null) {
    ctx.addIssue({ code: 'custom', message: `is required; ${shape}`, input: value });
    return z.NEVER;
  }
  if (typeof value === 'string' && /^closed$/i.test(value.trim())) return [];
  const items: readonly unknown[] = Array.isArray(value) ? value : [value];
  const ranges: TimeRange[] = [];
  let previous: ClockRange | undefined;
  items.forEach((item, index) => {
    const path = Array.isArray(value) ? [index] : [];
    if (typeof item !== 'string') {
      ctx.addIssue({ code: 'custom', path, message: shape, input: item });
      return;
    }
    const parsed = parseClockRange(item);
    if (!parsed.ok) {
      const message = /^closed$/i.test(item.trim()) ? '"closed" cannot be mixed with opening ranges' : parsed.error;
      ctx.addIssue({ code: 'custom', path, message, input: item });
      return;
    }
    const range = parsed.value;
    if (previous && range.opens < previous.opens) {
      ctx.addIssue({ code: 'custom', path, message: `"${item}" is listed after a later range; list the ranges in time order`, input: item });
    } else if (previous && range.opens < previous.closes) {
      ctx.addIssue({ code: 'custom', path, message: `"${item}" overlaps the previous range, which ends at ${formatClock(previous.closes)}`, input: item });
    }
    previous = range;
    ranges.push({ opens: formatClock(range.opens), closes: formatClock(range.closes) });
  });
  return ranges;
});

export const hoursSchema = strictObject({
  monday: daySchedule.optional(),
  tuesday: daySchedule.optional(),
  wednesday: daySchedule.optional(),
  thursday: daySchedule.optional(),
  friday: daySchedule.optional(),
  saturday: daySchedule.optional(),
  sunday: daySchedule.optional(),
}).transform((week): Record<Weekday, TimeRange[]> => ({
  monday: week.monday ?? [],
  tuesday: week.tuesday ?? [],
  wednesday: week.wednesday ?? [],
  thursday: week.thursday ?? [],
  friday: week.friday ?? [],
  saturday: week.saturday ?? [],
  sunday: week.sunday ?? [],
}));

const MAX_SPAN_DAYS = 366;

function checkSpan(rule: { date: string; until?: string | undefined }, ctx: z.RefinementCtx): void {
  if (rule.until === undefined) return;
  if (isAnnualDate(rule.date) !== isAnnualDate(rule.until)) {
    ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be written like date: both YYYY-MM-DD, or both MM-DD for every year' });
  } else if (rule.until < rule.date) {
    const hint = isAnnualDate(rule.date) ? '; an every-year span cannot run over New Year, split it in two' : '';
    ctx.addIssue({ code: 'custom', path: ['until'], message: `is before date (${rule.date})${hint}` });
  } else if (!isAnnualDate(rule.date) && (Date.parse(rule.until) - Date.parse(rule.date)) / 86_400_000 >= MAX_SPAN_DAYS) {
    ctx.addIssue({ code: 'custom', path: ['until'], message: `spans more than ${MAX_SPAN_DAYS} days; change the weekly hours instead` });
  }
}

const dateRuleShape = {
  date: converted(parseDateRuleDate),
  until: optional(converted(parseDateRuleDate)),
  name: optional(text),
};

/** A holiday: a date (or `- 2025-12-25` on its own), optionally a span with `until` and a name. */
export const holidaySchema = z.preprocess(
  (value) => (typeof value === 'string' ? { date: value } : value),
  strictObject(dateRuleShape).superRefine(checkSpan).transform((rule) => compact({ date: rule.date, until: rule.until, name: rule.name })),
);

export const specialHoursSchema = strictObject({ ...dateRuleShape, hours: daySchedule })
  .superRefine(checkSpan)
  .transform((rule) => compact({ date: rule.date, until: rule.until, name: rule.name, hours: rule.hours }));

export const serviceSchema = strictObject({
  id,
  name: text,
  description: optional(text),
  price: optional(converted(parseAmount)),
  currency: optional(converted(parseCurrency)),
  duration_minutes: optional(minutes(1, 24 * 60)),
  aliases: list(text, { splitCommas: true }),
  keywords: list(text, { splitCommas: true }),
}).superRefine((service, ctx) => {
  if (service.currency !== undefined && service.price === undefined) {
    ctx.addIssue({ code: 'custom', path: ['currency'], message: 'is set but price is not' });
  }
});

export type ServiceDraft = z.output<typeof serviceSchema>;

export const faqSchema = strictObject({
  id: optional(id),
  question: text,
  answer: text,
  also_asked: list(text),
  keywords: list(text, { splitCommas: true }),
}).transform((faq): Omit<Faq, 'id'> & { id?: string } => compact({
  id: faq.id,
  question: faq.question,
  answer: faq.answer,
  alsoAsked: faq.also_asked,
  keywords: faq.keywords,
}));

/** A VIP caller: `- "+15125550199"` on its own, or with a name and a transfer target. */
export const vipCallerSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { number: value } : value),
  strictObject({ number: converted(parseE164), name: optional(text), transfer_to: optional(id) })
    .transform((vip) => compact({ number: vip.number, name: vip.name, transferTo: vip.transfer_to })),
);

const parseSipUri = (value: string): Parsed<string> =>
  /^sips?:(?:[^@\s;]+@)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:;\S*)?$/.test(value)
    ? ok(value)
    : fail(`"${value}" is not a SIP URI; write it like sip:frontdesk@pbx.example.com`);

const CONNECT_QUEUE_ARN = /^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/[0-9a-f-]{36}\/queue\/[0-9a-f-]{36}$/;

/** An Amazon Connect queue ARN, or a queue name (the contact flow resolves names). */
const parseConnectQueue = (value: string): Parsed<string> => {
  if (value.startsWith('arn:')) {
    return CONNECT_QUEUE_ARN.test(value)
      ? ok(value)
      : fail(`"${value}" is not an Amazon Connect queue ARN (arn:aws:connect:REGION:ACCOUNT:instance/INSTANCE-ID/queue/QUEUE-ID)`);
  }
  return value.length <= 127 ? ok(value) : fail('a Connect queue name has at most 127 characters');
};

const TRANSFER_KINDS: readonly TransferKind[] = ['sip', 'phone', 'connect_queue'];

export const transferTargetSchema = strictObject({
  name: optional(text),
  sip: optional(converted(parseSipUri)),
  phone: optional(converted(parseE164)),
  connect_queue: optional(converted(parseConnectQueue)),
}).transform((target, ctx) => {
  const given = TRANSFER_KINDS.filter((kind) => target[kind] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `needs exactly one of sip, phone or connect_queue${given.length > 1 ? ` (has ${given.join(' and ')})` : ''}`, input: target });
    return z.NEVER;
  }
  const kind = given[0] ?? 'sip';
  return compact({ name: target.name, kind, address: target[kind] ?? '' });
});

export const transferShapeSchema = strictObject({
  default: id,
  targets: z.record(z.string(), z.unknown()),
  reasons: optional(z.record(z.string(), z.unknown())),
});

const PLACEHOLDER = /\{([^{}]*)\}/g;
const placeholders: readonly string[] = MESSAGE_PLACEHOLDERS;

const message = text.superRefine((value, ctx) => {
  for (const match of value.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!placeholders.includes(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder {${name}}${didYouMean(name, placeholders)}; available: ${placeholders.map((p) => `{${p}}`).join(', ')}`,
      });
    }
  }
});

export const messagesSchema = strictObject({
  greeting: message,
  closed: message,
  voicemail: message,
  transfer: message,
  goodbye: message,
  fallback: message,
}).transform((messages): Messages => ({
  greeting: messages.greeting,
  closed: messages.closed,
  voicemail: messages.voicemail,
  transfer: messages.transfer,
  goodbye: messages.goodbye,
  fallback: messages.fallback,
}));

const SLOT_SIZES = [5, 10, 15, 20, 30, 60];

const resourceSchema = strictObject({ id, name: text, services: optional(list(id, { splitCommas: true })) })
  .transform((resource) => compact({ id: resource.id, name: resource.name, services: resource.services }));

export const bookingSchema = strictObject({
  slot_minutes: converted<number>((value) => {
    const parsed = parseWholeNumber(value, 1, 60);
    return parsed.ok && SLOT_SIZES.includes(parsed.value) ? parsed : fail(`must be one of ${SLOT_SIZES.join(', ')} (minutes that divide an hour evenly)`);
  }),
  min_notice_minutes: optional(minutes(0, 60 * 24 * 60)),
  max_days_ahead: optional(minutes(1, 730)),
  capacity_per_slot: optional(minutes(1, 1000)),
  resources: optional(z.array(resourceSchema)),
  buffer_minutes: optional(minutes(0, 240)),
  services: list(id, { splitCommas: true }),
});

export type BookingDraft = z.output<typeof bookingSchema>;

export const TOP_LEVEL_KEYS = [
  'version', 'business', 'hours', 'holidays', 'special_hours', 'services', 'faqs', 'vip_callers', 'transfer', 'messages', 'booking',
] as const;
