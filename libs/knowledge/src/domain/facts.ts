import type { DateRule, Knowledge, TimeRange, Weekday } from './model';
import { WEEKDAYS } from './model';
import { clockMinutes } from './primitives';
import { spokenDate, spokenDuration, spokenList, spokenPhone, spokenPrice, spokenTime } from './spoken';
import type { FactValue, Literal } from './values';
import { dateValue, durationValue, extractLiterals, phoneValue, priceValue, timeValue, valueFromLiteral } from './values';

/**
 * The knowledge flattened into facts the agent can retrieve and say. A reply
 * built from some facts may state only the values those facts carry, which is
 * what `ungroundedLiterals` checks.
 */

export type FactKind = 'hours' | 'service' | 'faq' | 'business' | 'holiday' | 'policy';

export interface Fact {
  /** Stable across reloads while the file keeps the same ids: "service:cleaning", "hours:saturday", "faq:parking". */
  readonly id: string;
  readonly kind: FactKind;
  /** Short label: the service name, the FAQ question, "Saturday hours". */
  readonly title: string;
  /** What the agent can say, in plain sentences. */
  readonly text: string;
  /** Other words and phrasings that should find this fact (aliases, alternative questions). */
  readonly keywords: readonly string[];
  /** Every literal value the text states, in normalized forms. */
  readonly values: readonly FactValue[];
}

const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

function withValues(fact: Omit<Fact, 'values'>, explicit: readonly FactValue[], currency = 'USD'): Fact {
  const values: FactValue[] = [];
  const covered = new Set<string>();
  for (const value of explicit) {
    if (value.keys.every((key) => covered.has(key))) continue;
    values.push(value);
    for (const key of value.keys) covered.add(key);
  }
  // Values written inside free text (an FAQ answer's "$25 fee", "24 hours") count too.
  for (const literal of extractLiterals(fact.text)) {
    if (literal.keys.every((key) => covered.has(key))) continue;
    const value = valueFromLiteral(literal, currency);
    if (!value) continue;
    values.push(value);
    for (const key of value.keys) covered.add(key);
  }
  return { ...fact, values };
}

const rangesText = (ranges: readonly TimeRange[]): string =>
  spokenList(ranges.map((range) => `${spokenTime(clockMinutes(range.opens))} to ${spokenTime(clockMinutes(range.closes))}`));

const rangeValues = (ranges: readonly TimeRange[]): FactValue[] =>
  ranges.flatMap((range) => [timeValue(clockMinutes(range.opens)), timeValue(clockMinutes(range.closes))]);

const sameRanges = (a: readonly TimeRange[], b: readonly TimeRange[]): boolean =>
  a.length === b.length && a.every((range, index) => range.opens === b[index]?.opens && range.closes === b[index]?.closes);

/** "Monday to Friday 8 am to 5 pm; Saturday 9 am to 1 pm; closed Sunday". */
function weekSummary(hours: Knowledge['hours']): string {
  const groups: Array<{ days: Weekday[]; ranges: readonly TimeRange[] }> = [];
  for (const day of WEEKDAYS) {
    const last = groups[groups.length - 1];
    if (last && sameRanges(last.ranges, hours[day])) last.days.push(day);
    else groups.push({ days: [day], ranges: hours[day] });
  }
  return groups
    .map(({ days, ranges }) => {
      const first = capitalize(days[0] ?? '');
      const label = days.length === 1 ? first : days.length === 2 ? `${first} and ${capitalize(days[1] ?? '')}` : `${first} to ${capitalize(days[days.length - 1] ?? '')}`;
      return ranges.length === 0 ? `closed ${label}` : `${label} ${rangesText(ranges)}`;
    })
    .join('; ');
}

const HOURS_WORDS = ['hours', 'open', 'opening', 'close', 'closing', 'closed', 'time', 'times'];

function hoursFacts(knowledge: Knowledge): Fact[] {
  const { hours } = knowledge;
  const week = withValues(
    { id: 'hours:week', kind: 'hours', title: 'Opening hours', text: `Our opening hours: ${weekSummary(hours)}.`, keywords: [...HOURS_WORDS, 'week', 'days', 'schedule'] },
    WEEKDAYS.flatMap((day) => rangeValues(hours[day])),
  );
  const days = WEEKDAYS.map((day) => {
    const ranges = hours[day];
    const text = ranges.length === 0 ? `We're closed on ${capitalize(day)}s.` : `On ${capitalize(day)}s we're open from ${rangesText(ranges)}.`;
    const weekend = day === 'saturday' || day === 'sunday' ? ['weekend'] : ['weekday'];
    return withValues(
      { id: `hours:${day}`, kind: 'hours', title: `${capitalize(day)} hours`, text, keywords: [day, `${day}s`, ...weekend, ...HOURS_WORDS] },
      rangeValues(ranges),
    );
  });
  return [week, ...days];
}

function spanText(rule: DateRule): string {
  if (rule.date.length === 5) {
    return rule.until ? `every year from ${spokenDate(rule.date)} to ${spokenDate(rule.until)}` : `every year on ${spokenDate(rule.date)}`;
  }
  return rule.until ? `from ${spokenDate(rule.date)} to ${spokenDate(rule.until)}` : `on ${spokenDate(rule.date)}`;
}

const ruleValues = (rule: DateRule): FactValue[] => [dateValue(rule.date), ...(rule.until ? [dateValue(rule.until)] : [])];
const nameWords = (name: string | undefined): string[] => (name === undefined ? [] : [name]);

function holidayFacts(knowledge: Knowledge): Fact[] {
  const closed = knowledge.holidays.map((rule) => withValues(
    {
      id: `holiday:${rule.date}`,
      kind: 'holiday',
      title: rule.name ?? 'Closed',
      text: `We're closed ${spanText(rule)}${rule.name ? ` for ${rule.name}` : ''}.`,
      keywords: [...nameWords(rule.name), 'holiday', 'holidays', 'closed', 'open', 'vacation'],
    },
    ruleValues(rule),
  ));
  const special = knowledge.specialHours.map((rule) => withValues(
    {
      id: `special:${rule.date}`,
      kind: 'holiday',
      title: rule.name ?? 'Special hours',
      text: rule.hours.length === 0
        ? `We're closed ${spanText(rule)}${rule.name ? ` for ${rule.name}` : ''}.`
        : `${capitalize(spanText(rule))}${rule.name ? ` (${rule.name})` : ''} we're open ${rangesText(rule.hours)}.`,
      keywords: [...nameWords(rule.name), 'holiday', 'holidays', 'special hours', 'open', 'hours', 'closed'],
    },
    [...ruleValues(rule), ...rangeValues(rule.hours)],
  ));
  return [...closed, ...special];
}

function serviceFacts(knowledge: Knowledge): Fact[] {
  const bookable = new Set(knowledge.booking?.services ?? []);
  const services = knowledge.services.map((service) => {
    const sentences = [service.description ? `${service.name}: ${service.description.replace(/\s*$/, '')}` : service.name];
    const values: FactValue[] = [];
    const keywords = [...service.aliases, ...service.keywords, 'service'];
    if (service.price) {
      sentences.push(service.price.amount === 0 ? 'It is free of charge.' : `It costs ${spokenPrice(service.price.amount, service.price.currency)}.`);
      values.push(priceValue(service.price.amount, service.price.currency));
      keywords.push('price', 'cost', 'how much', 'fee', 'charge');
    }
    if (service.durationMinutes !== undefined) {
      sentences.push(`It takes about ${spokenDuration(service.durationMinutes)}.`);
      values.push(durationValue(service.durationMinutes));
      keywords.push('how long', 'duration', 'takes');
    }
    if (bookable.has(service.id)) {
      sentences.push('You can book it over the phone.');
      keywords.push('book', 'appointment', 'schedule');
    }
    const text = sentences.map((sentence) => (/[.!?]$/.test(sentence) ? sentence : `${sentence}.`)).join(' ');
    return withValues({ id: `service:${service.id}`, kind: 'service', title: service.name, text, keywords }, values, knowledge.business.currency);
  });
  if (knowledge.services.length === 0) return services;
  const overview = withValues(
    {
      id: 'service:list',
      kind: 'service',
      title: 'Services we offer',
      text: `We offer ${spokenList(knowledge.services.map((service) => service.name))}.`,
      keywords: ['services', 'offer', 'treatments', 'provide', 'menu', 'options'],
    },
    [],
  );
  return [overview, ...services];
}

function businessFacts(knowledge: Knowledge): Fact[] {
  const { business } = knowledge;
  const result: Fact[] = [
    withValues({ id: 'business:name', kind: 'business', title: 'Business name', text: `This is ${business.name}.`, keywords: ['name', 'business', 'company', 'who'] }, []),
  ];
  if (business.address) {
    result.push(withValues({
      id: 'business:address', kind: 'business', title: 'Address', text: `We're at ${business.address}.`,
      keywords: ['address', 'location', 'located', 'directions', 'find', 'street', 'where'],
    }, []));
  }
  if (business.phone) {
    result.push(withValues({
      id: 'business:phone', kind: 'business', title: 'Phone number', text: `Our phone number is ${spokenPhone(business.phone)}.`,
      keywords: ['phone', 'number', 'call', 'contact', 'telephone'],
    }, [phoneValue(business.phone)]));
  }
  if (business.website) {
    result.push(withValues({
      id: 'business:website', kind: 'business', title: 'Website', text: `Our website is ${business.website}.`,
      keywords: ['website', 'web', 'online', 'internet', 'site'],
    }, []));
  }
  if (business.email) {
    result.push(withValues({
      id: 'business:email', kind: 'business', title: 'Email', text: `You can email us at ${business.email}.`,
      keywords: ['email', 'mail', 'contact', 'write'],
    }, []));
  }
  return result;
}

function policyFacts(knowledge: Knowledge): Fact[] {
  const booking = knowledge.booking;
  if (!booking) return [];
  const names = knowledge.services.filter((service) => booking.services.includes(service.id)).map((service) => service.name);
  const notice = booking.minNoticeMinutes > 0 ? ` and at least ${spokenDuration(booking.minNoticeMinutes)} in advance` : '';
  const text = `You can book ${spokenList(names)} over the phone, up to ${booking.maxDaysAhead} days ahead${notice}.`;
  const values = [durationValue(booking.maxDaysAhead * 24 * 60), ...(booking.minNoticeMinutes > 0 ? [durationValue(booking.minNoticeMinutes)] : [])];
  return [withValues(
    {
      id: 'policy:booking', kind: 'policy', title: 'Booking appointments', text,
      keywords: ['book', 'booking', 'appointment', 'schedule', 'reserve', 'advance', 'ahead', 'notice'],
    },
    values,
  )];
}

function faqFacts(knowledge: Knowledge): Fact[] {
  return knowledge.faqs.map((faq) => withValues(
    { id: `faq:${faq.id}`, kind: 'faq', title: faq.question, text: faq.answer, keywords: [...faq.alsoAsked, ...faq.keywords] },
    [],
    knowledge.business.currency,
  ));
}

/** Every fact in the knowledge: business details, hours, holidays, services, FAQs and booking policy. */
export function facts(knowledge: Knowledge): Fact[] {
  return [
    ...businessFacts(knowledge),
    ...hoursFacts(knowledge),
    ...holidayFacts(knowledge),
    ...serviceFacts(knowledge),
    ...faqFacts(knowledge),
    ...policyFacts(knowledge),
  ];
}

/** The comparison keys of every value the facts carry. */
export function groundingKeys(factList: readonly Fact[]): Set<string> {
  return new Set(factList.flatMap((fact) => fact.values.flatMap((value) => value.keys)));
}

/**
 * The literals in a reply that none of the facts carries: the never-invent
 * guard refuses a reply for which this is not empty.
 */
export function ungroundedLiterals(reply: string, grounding: readonly Fact[] | ReadonlySet<string>): Literal[] {
  const keys = grounding instanceof Set ? grounding : groundingKeys(grounding as readonly Fact[]);
  return extractLiterals(reply).filter((literal) => !literal.keys.some((key) => keys.has(key)));
}
