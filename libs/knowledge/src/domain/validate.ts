import type { z } from 'zod';
import { dateRuleCovers } from './hours';
import type {
  BookingRules, DateRule, Faq, Holiday, Knowledge, Service, SpecialHours, TimeRange, TransferTarget, VipCaller,
} from './model';
import { WEEKDAYS } from './model';
import type { PathProblem, PathSegment } from './problems';
import { clockMinutes, didYouMean, isAnnualDate, parseId } from './primitives';
import type { BookingDraft, ServiceDraft } from './schema';
import {
  bookingSchema, businessSchema, compact, faqSchema, friendlyError, holidaySchema, hoursSchema, id, messagesSchema, minutes,
  serviceSchema, specialHoursSchema, TOP_LEVEL_KEYS, transferShapeSchema, transferTargetSchema, vipCallerSchema,
} from './schema';
import { spokenDuration } from './spoken';

export type ValidationResult =
  | { readonly ok: true; readonly knowledge: Knowledge }
  | { readonly ok: false; readonly problems: readonly PathProblem[] };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Gathers problems; each part of the file is validated on its own so one mistake does not hide the next. */
class Problems {
  readonly list: PathProblem[] = [];

  add(path: readonly PathSegment[], message: string): void {
    this.list.push({ path, message });
  }

  parse<T>(schema: z.ZodType<T>, value: unknown, path: readonly PathSegment[]): T | undefined {
    const result = schema.safeParse(value, { error: friendlyError });
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const segments = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
      this.add([...path, ...segments], issue.message);
    }
    return undefined;
  }

  /** An optional list section, item by item. */
  each<T>(schema: z.ZodType<T>, value: unknown, path: readonly PathSegment[]): Array<{ index: number; raw: unknown; value: T | undefined }> {
    if (value === undefined || value === null || value === '') return [];
    if (!Array.isArray(value)) {
      this.add(path, 'must be a list (one "- item" per line)');
      return [];
    }
    return value.map((raw, index) => ({ index, raw, value: this.parse(schema, raw, [...path, index]) }));
  }
}

/** The ids the items of a raw list declare, with their positions (used for references even when an item is otherwise bad). */
function declaredIds(items: ReadonlyArray<{ index: number; raw: unknown }>, generated?: (index: number) => string): Map<string, number[]> {
  const ids = new Map<string, number[]>();
  for (const { index, raw } of items) {
    const written = isRecord(raw) && typeof raw.id === 'string' && raw.id.trim() !== '' ? raw.id.trim() : undefined;
    const key = written ?? generated?.(index);
    if (key !== undefined) ids.set(key, [...(ids.get(key) ?? []), index]);
  }
  return ids;
}

/** FAQs may leave out their id; they are then numbered by position. */
const generatedFaqId = (index: number): string => `faq-${index + 1}`;

function reportDuplicateIds(problems: Problems, section: string, ids: ReadonlyMap<string, readonly number[]>): void {
  for (const [value, indexes] of ids) {
    const [first, ...rest] = indexes;
    for (const index of rest) problems.add([section, index, 'id'], `duplicate id "${value}" (already used by ${section}[${first}])`);
  }
}

function* datesOf(rule: DateRule): Generator<string> {
  const last = Date.parse(rule.until ?? rule.date);
  for (let day = Date.parse(rule.date); day <= last; day += 86_400_000) yield new Date(day).toISOString().slice(0, 10);
}

function rulesOverlap(a: DateRule, b: DateRule): boolean {
  if (isAnnualDate(a.date) === isAnnualDate(b.date)) return a.date <= (b.until ?? b.date) && b.date <= (a.until ?? a.date);
  const [fixed, annual] = isAnnualDate(a.date) ? [b, a] : [a, b];
  for (const date of datesOf(fixed)) if (dateRuleCovers(annual, date)) return true;
  return false;
}

const describeRule = (rule: DateRule): string => `${rule.date}${rule.until ? `..${rule.until}` : ''}${rule.name ? ` (${rule.name})` : ''}`;
const rangeLength = (range: TimeRange): number => clockMinutes(range.closes) - clockMinutes(range.opens);

/**
 * Validates knowledge data (as read from YAML or JSON). Reports every problem
 * with its path: the shape and values of each part, then the cross-checks
 * (references between parts, hours, booking arithmetic, duplicates).
 */
export function validateKnowledge(data: unknown, source = 'knowledge'): ValidationResult {
  const problems = new Problems();
  if (!isRecord(data)) {
    problems.add([], data === undefined || data === null || data === '' ? 'the file is empty' : 'must be a mapping of sections (business:, hours:, services:, ...)');
    return { ok: false, problems: problems.list };
  }
  const known: readonly string[] = TOP_LEVEL_KEYS;
  for (const key of Object.keys(data)) {
    if (!known.includes(key)) problems.add([key], `unknown section${didYouMean(key, known)}; expected one of: ${known.join(', ')}`);
  }
  if (data.version !== undefined && String(data.version).trim() !== '1') problems.add(['version'], 'must be 1 (the only format version so far)');

  const business = problems.parse(businessSchema, data.business, ['business']);
  const hours = problems.parse(hoursSchema, data.hours, ['hours']);
  const holidayItems = problems.each(holidaySchema, data.holidays, ['holidays']);
  const specialItems = problems.each(specialHoursSchema, data.special_hours, ['special_hours']);
  const serviceItems = problems.each(serviceSchema, data.services, ['services']);
  const faqItems = problems.each(faqSchema, data.faqs, ['faqs']);
  const vipItems = problems.each(vipCallerSchema, data.vip_callers, ['vip_callers']);
  const messages = problems.parse(messagesSchema, data.messages, ['messages']);
  const bookingDraft = data.booking === undefined || data.booking === '' ? undefined : problems.parse(bookingSchema, data.booking, ['booking']);
  const transfer = validateTransfer(problems, data.transfer);

  const serviceIds = declaredIds(serviceItems);
  reportDuplicateIds(problems, 'services', serviceIds);
  reportDuplicateIds(problems, 'faqs', declaredIds(faqItems, generatedFaqId));
  checkServiceNames(problems, serviceItems);

  const holidays = holidayItems.flatMap((item) => (item.value ? [{ index: item.index, rule: item.value as Holiday }] : []));
  const specials = specialItems.flatMap((item) => (item.value ? [{ index: item.index, rule: item.value as SpecialHours }] : []));
  for (const [position, special] of specials.entries()) {
    for (const holiday of holidays) {
      if (rulesOverlap(special.rule, holiday.rule)) {
        problems.add(['special_hours', special.index, 'date'], `overlaps holidays[${holiday.index}] ${describeRule(holiday.rule)}; a day is either closed or has special hours, remove one`);
      }
    }
    for (const earlier of specials.slice(0, position)) {
      if (rulesOverlap(special.rule, earlier.rule)) {
        problems.add(['special_hours', special.index, 'date'], `overlaps special_hours[${earlier.index}] ${describeRule(earlier.rule)}`);
      }
    }
  }
  if (hours && WEEKDAYS.every((day) => hours[day].length === 0) && specials.every(({ rule }) => rule.hours.length === 0)) {
    problems.add(['hours'], 'the business is never open; give opening hours for at least one day');
  }

  const vipNumbers = new Map<string, number>();
  for (const { index, value } of vipItems) {
    if (!value) continue;
    const first = vipNumbers.get(value.number);
    if (first !== undefined) problems.add(['vip_callers', index, 'number'], `duplicate number ${value.number} (already vip_callers[${first}])`);
    else vipNumbers.set(value.number, index);
    if (value.transferTo !== undefined && transfer.targetIds.size > 0 && !transfer.targetIds.has(value.transferTo)) {
      problems.add(['vip_callers', index, 'transfer_to'], `unknown transfer target "${value.transferTo}"${didYouMean(value.transferTo, [...transfer.targetIds])}`);
    }
  }

  const longestOpening = Math.max(0, ...(hours ? WEEKDAYS.flatMap((day) => hours[day].map(rangeLength)) : []), ...specials.flatMap(({ rule }) => rule.hours.map(rangeLength)));
  const booking = bookingDraft && validateBooking(problems, bookingDraft, serviceItems, serviceIds, hours ? longestOpening : undefined);

  if (problems.list.length > 0 || !business || !hours || !messages || !transfer.rules) return { ok: false, problems: problems.list };

  const currency = business.currency;
  const services: Service[] = serviceItems.map(({ value }) => {
    const draft = value as ServiceDraft;
    return compact({
      id: draft.id,
      name: draft.name,
      description: draft.description,
      price: draft.price === undefined ? undefined : { amount: draft.price, currency: draft.currency ?? currency },
      durationMinutes: draft.duration_minutes,
      aliases: draft.aliases,
      keywords: draft.keywords,
    });
  });
  const faqs: Faq[] = faqItems.map(({ value, index }) => ({ ...(value as Omit<Faq, 'id'>), id: value?.id ?? generatedFaqId(index) }));
  const knowledge: Knowledge = compact({
    source,
    business,
    hours,
    holidays: holidays.map(({ rule }) => rule),
    specialHours: specials.map(({ rule }) => rule),
    services,
    faqs,
    vipCallers: vipItems.map(({ value }) => value as VipCaller),
    transfer: transfer.rules,
    messages,
    booking,
  });
  return { ok: true, knowledge };
}

/** Two services with the same name or alias could not be told apart by a caller. */
function checkServiceNames(problems: Problems, items: ReadonlyArray<{ index: number; value: ServiceDraft | undefined }>): void {
  const owners = new Map<string, number>();
  for (const { index, value } of items) {
    if (!value) continue;
    const names: Array<readonly [readonly PathSegment[], string]> = [
      [['name'], value.name],
      ...value.aliases.map((alias, position) => [['aliases', position], alias] as const),
    ];
    const own = new Set<string>();
    for (const [path, name] of names) {
      const key = name.toLowerCase();
      const owner = owners.get(key);
      if (owner !== undefined && owner !== index) {
        problems.add(['services', index, ...path], `"${name}" also names services[${owner}]; callers could not tell the two apart`);
      }
      own.add(key);
    }
    for (const key of own) if (!owners.has(key)) owners.set(key, index);
  }
}

interface TransferResult {
  readonly rules?: Knowledge['transfer'];
  /** Target ids as written, for reference checks even when a target is otherwise bad. */
  readonly targetIds: ReadonlySet<string>;
}

function validateTransfer(problems: Problems, raw: unknown): TransferResult {
  const shape = problems.parse(transferShapeSchema, raw, ['transfer']);
  const rawTargets = isRecord(raw) && isRecord(raw.targets) ? raw.targets : {};
  const targetIds = new Set(Object.keys(rawTargets));
  const targets: Record<string, TransferTarget> = {};
  let complete = shape !== undefined;
  for (const [key, value] of Object.entries(rawTargets)) {
    const validId = parseId(key);
    if (!validId.ok) {
      problems.add(['transfer', 'targets', key], validId.error);
      complete = false;
    }
    const target = problems.parse(transferTargetSchema, value, ['transfer', 'targets', key]);
    if (target) targets[key] = { id: key, ...target };
    else complete = false;
  }
  if (isRecord(raw) && isRecord(raw.targets) && targetIds.size === 0) {
    problems.add(['transfer', 'targets'], 'needs at least one target (a front desk line, a manager\'s phone, a Connect queue)');
  }
  const knownTargets = [...targetIds];
  const reference = (path: PathSegment[], value: unknown): string | undefined => {
    const target = problems.parse(id, value, path);
    if (target !== undefined && targetIds.size > 0 && !targetIds.has(target)) {
      problems.add(path, `unknown transfer target "${target}"${didYouMean(target, knownTargets)}; targets are: ${knownTargets.join(', ')}`);
      return undefined;
    }
    return target;
  };
  const defaultTarget = isRecord(raw) && raw.default !== undefined && shape ? reference(['transfer', 'default'], raw.default) : undefined;
  if (shape && defaultTarget === undefined) complete = false;
  const reasons: Record<string, string> = {};
  const rawReasons = isRecord(raw) && isRecord(raw.reasons) ? raw.reasons : {};
  for (const [reason, value] of Object.entries(rawReasons)) {
    const target = reference(['transfer', 'reasons', reason], value);
    if (target === undefined) complete = false;
    else reasons[reason] = target;
  }
  if (!complete || defaultTarget === undefined) return { targetIds };
  return { targetIds, rules: { defaultTarget, targets, reasons } };
}

const durationSchema = minutes(1, 24 * 60);

/** The value if it parses, without reporting (its problem is reported where it is parsed in full). */
function quietly<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

function validateBooking(
  problems: Problems,
  draft: BookingDraft,
  serviceItems: ReadonlyArray<{ index: number; raw: unknown; value: ServiceDraft | undefined }>,
  serviceIds: ReadonlyMap<string, readonly number[]>,
  longestOpening: number | undefined,
): BookingRules | undefined {
  const slot = draft.slot_minutes;
  const everything = draft.services.length === 1 && draft.services[0] === 'all';
  const bookable = everything ? [...serviceIds.keys()] : draft.services;
  const knownIds = [...serviceIds.keys()];
  if (bookable.length === 0) {
    problems.add(['booking', 'services'], 'lists no services; list the service ids that can be booked, or remove the booking section');
  }
  if (!everything) {
    draft.services.forEach((serviceId, position) => {
      if (!serviceIds.has(serviceId)) problems.add(['booking', 'services', position], `unknown service "${serviceId}"${didYouMean(serviceId, knownIds)}`);
    });
  }
  if (draft.capacity_per_slot !== undefined && draft.resources !== undefined) {
    problems.add(['booking', 'capacity_per_slot'], 'set either capacity_per_slot or resources, not both (with resources, each resource takes one appointment at a time)');
  }
  const buffer = draft.buffer_minutes ?? 0;
  if (buffer % slot !== 0) {
    problems.add(['booking', 'buffer_minutes'], `${buffer} is not a whole number of ${slot}-minute slots; appointments start on slot boundaries, so use ${Math.ceil(buffer / slot) * slot} or change slot_minutes`);
  }
  for (const { index, value, raw } of serviceItems) {
    // A service with some other mistake still gets its duration checked.
    const serviceId = value?.id ?? (isRecord(raw) && typeof raw.id === 'string' ? raw.id.trim() : undefined);
    if (serviceId === undefined || !bookable.includes(serviceId)) continue;
    const duration = value ? value.duration_minutes : quietly(durationSchema, isRecord(raw) ? raw.duration_minutes : undefined);
    if (duration === undefined) {
      if (!value) continue;
      problems.add(['services', index, 'duration_minutes'], 'is required for a service that can be booked (listed in booking.services)');
      continue;
    }
    if (duration % slot !== 0) {
      const shorter = Math.floor(duration / slot) * slot;
      const longer = Math.ceil(duration / slot) * slot;
      problems.add(
        ['services', index, 'duration_minutes'],
        `${duration} minutes is not a whole number of ${slot}-minute booking slots (booking.slot_minutes); appointments start on slot boundaries, so the rest of the last slot could never be booked. Use ${shorter > 0 ? `${shorter} or ` : ''}${longer}, or change slot_minutes`,
      );
    }
    if (longestOpening !== undefined && longestOpening > 0 && duration > longestOpening) {
      problems.add(['services', index, 'duration_minutes'], `${spokenDuration(duration)} is longer than the longest opening period (${spokenDuration(longestOpening)}), so it could never be booked`);
    }
  }
  const resourceIds = new Map<string, number>();
  (draft.resources ?? []).forEach((resource, index) => {
    const first = resourceIds.get(resource.id);
    if (first !== undefined) problems.add(['booking', 'resources', index, 'id'], `duplicate id "${resource.id}" (already booking.resources[${first}])`);
    else resourceIds.set(resource.id, index);
    resource.services?.forEach((serviceId, position) => {
      if (!bookable.includes(serviceId)) {
        const reason = serviceIds.has(serviceId) ? 'is not bookable (not in booking.services)' : `is not a service${didYouMean(serviceId, knownIds)}`;
        problems.add(['booking', 'resources', index, 'services', position], `"${serviceId}" ${reason}`);
      }
    });
  });
  const resources = draft.resources ?? [];
  return {
    slotMinutes: slot,
    minNoticeMinutes: draft.min_notice_minutes ?? 0,
    maxDaysAhead: draft.max_days_ahead ?? 90,
    capacityPerSlot: resources.length > 0 ? resources.length : (draft.capacity_per_slot ?? 1),
    resources,
    bufferMinutes: buffer,
    services: bookable,
  };
}

