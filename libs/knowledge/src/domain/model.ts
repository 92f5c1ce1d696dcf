/**
 * The validated knowledge file: everything the agent may say about the
 * business, plus the routing and booking rules that go with it. Produced only
 * by parseKnowledge/validateKnowledge, so every cross-reference in it holds.
 */

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Local wall-clock times "HH:MM" in the business timezone; `closes` may be "24:00". */
export interface TimeRange {
  readonly opens: string;
  readonly closes: string;
}

export interface Business {
  readonly name: string;
  /** E.164. */
  readonly phone?: string;
  readonly email?: string;
  readonly address?: string;
  readonly website?: string;
  /** Canonical IANA zone name. */
  readonly timezone: string;
  /** ISO 4217 code; the default for service prices. */
  readonly currency: string;
}

/** A day or span of days: "YYYY-MM-DD" for one date, "MM-DD" for that date every year. */
export interface DateRule {
  readonly date: string;
  /** Last day of the span, inclusive, in the same form as `date`. */
  readonly until?: string;
  readonly name?: string;
}

/** Closed all day. */
export type Holiday = DateRule;

/** Hours that replace the weekly hours on these dates; empty means closed. */
export interface SpecialHours extends DateRule {
  readonly hours: readonly TimeRange[];
}

export interface Price {
  readonly amount: number;
  readonly currency: string;
}

export interface Service {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly price?: Price;
  readonly durationMinutes?: number;
  /** Other names callers use for it. */
  readonly aliases: readonly string[];
  readonly keywords: readonly string[];
}

export interface Faq {
  readonly id: string;
  readonly question: string;
  readonly answer: string;
  /** Other ways callers ask the same question. */
  readonly alsoAsked: readonly string[];
  readonly keywords: readonly string[];
}

export interface VipCaller {
  /** E.164. */
  readonly number: string;
  readonly name?: string;
  /** Transfer target id; the default target when absent. */
  readonly transferTo?: string;
}

export type TransferKind = 'sip' | 'phone' | 'connect_queue';

export interface TransferTarget {
  readonly id: string;
  /** How the agent names it to the caller ("our front desk"). */
  readonly name?: string;
  readonly kind: TransferKind;
  /** SIP URI, E.164 number, or Amazon Connect queue ARN or name. */
  readonly address: string;
}

export interface TransferRules {
  readonly defaultTarget: string;
  readonly targets: Readonly<Record<string, TransferTarget>>;
  /** Reason (e.g. "billing", "complaint") → target id. */
  readonly reasons: Readonly<Record<string, string>>;
}

export const MESSAGE_KEYS = ['greeting', 'closed', 'voicemail', 'transfer', 'goodbye', 'fallback'] as const;
export type MessageKey = (typeof MESSAGE_KEYS)[number];
export type Messages = Readonly<Record<MessageKey, string>>;

/** Placeholders a message may contain; filled by renderMessage. */
export const MESSAGE_PLACEHOLDERS = ['business', 'next_opening'] as const;

export interface BookingResource {
  readonly id: string;
  readonly name: string;
  /** Service ids this resource can take; all bookable services when absent. */
  readonly services?: readonly string[];
}

export interface BookingRules {
  /** Appointments start on multiples of this many minutes after the hour. */
  readonly slotMinutes: number;
  /** How soon before its start an appointment can still be booked. */
  readonly minNoticeMinutes: number;
  /** How many days ahead bookings are accepted. */
  readonly maxDaysAhead: number;
  /** Appointments that may overlap at any moment (chairs, rooms, staff). */
  readonly capacityPerSlot: number;
  readonly resources: readonly BookingResource[];
  /** Kept free after each appointment. */
  readonly bufferMinutes: number;
  /** Ids of the services that can be booked by phone. */
  readonly services: readonly string[];
}

export interface Knowledge {
  /** Where it came from (file path or a caller-given label), for logs and errors. */
  readonly source: string;
  readonly business: Business;
  readonly hours: Readonly<Record<Weekday, readonly TimeRange[]>>;
  readonly holidays: readonly Holiday[];
  readonly specialHours: readonly SpecialHours[];
  readonly services: readonly Service[];
  readonly faqs: readonly Faq[];
  readonly vipCallers: readonly VipCaller[];
  readonly transfer: TransferRules;
  readonly messages: Messages;
  /** Absent when appointments cannot be booked by phone. */
  readonly booking?: BookingRules;
}
