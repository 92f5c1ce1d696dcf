import { spokenTime, type Knowledge, type Service } from '@voiceagent/knowledge';
import { normalize, type BookAppointmentArgs, type BookingToolResult, type LocalSlot } from '@voiceagent/llm';
import { DateTime } from 'luxon';
import type { BookingPort, BookingSlot } from '../ports/booking';

/**
 * book_appointment executed: ask for what is missing, check the slot and read
 * it back, book once confirmed, offer alternatives when the slot is taken.
 * Every date and time the reply states comes from the caller's request as the
 * booking service judged it, or from the service's alternatives: those are
 * returned as `grounding` for the never-invent guard.
 */

export interface BookingContext {
  readonly knowledge: Knowledge;
  readonly booking: BookingPort;
  readonly now: Date;
  readonly callId: string;
  readonly callerNumber: string;
}

export interface BookingStep {
  readonly text: string;
  readonly result: BookingToolResult;
  readonly grounding: readonly string[];
}

const MAX_ALTERNATIVES = 2;

export function resolveService(knowledge: Knowledge, name: string | null): Service | undefined {
  if (!name) return undefined;
  const bookable = new Set(knowledge.booking?.services ?? []);
  const wanted = normalize(name);
  return knowledge.services.find(
    (service) => bookable.has(service.id) && (service.id === name || [service.name, service.id, ...service.aliases].some((phrase) => normalize(phrase) === wanted)),
  );
}

const article = (name: string): string => `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name.charAt(0).toLowerCase()}${name.slice(1)}`;

/** "Tuesday, December 2 at 3 pm" in the business's timezone. */
export function spokenWhen(start: Date, zone: string): string {
  const local = DateTime.fromJSDate(start, { zone }).setLocale('en-US');
  return `${local.toFormat('cccc, LLLL d')} at ${spokenTime(local.hour * 60 + local.minute)}`;
}

const localSlot = (start: Date, zone: string): LocalSlot => {
  const local = DateTime.fromJSDate(start, { zone });
  return { date: local.toFormat('yyyy-MM-dd'), time: local.toFormat('HH:mm') };
};

function alternativesText(slots: readonly BookingSlot[], zone: string): string {
  const phrases = slots.map((slot) => spokenWhen(slot.start, zone));
  return phrases.length === 1 ? `I could do ${phrases[0]}. Would that work?` : `I could do ${phrases.join(' or ')}. Would either of those work?`;
}

/** Free slots near the requested start: the same day first, then the following week. */
async function alternativesFor(ctx: BookingContext, service: string, start: Date): Promise<readonly BookingSlot[]> {
  const zone = ctx.knowledge.business.timezone;
  const day = DateTime.fromJSDate(start, { zone }).startOf('day');
  const sameDay = await ctx.booking.availability({ service, from: day.toJSDate(), to: day.plus({ days: 1 }).toJSDate(), limit: 50 });
  if (sameDay.length > 0) {
    return [...sameDay].sort((a, b) => Math.abs(a.start.getTime() - start.getTime()) - Math.abs(b.start.getTime() - start.getTime()))
      .slice(0, MAX_ALTERNATIVES).sort((a, b) => a.start.getTime() - b.start.getTime());
  }
  return ctx.booking.availability({ service, from: day.plus({ days: 1 }).toJSDate(), to: day.plus({ days: 8 }).toJSDate(), limit: MAX_ALTERNATIVES });
}

export async function bookingStep(args: BookAppointmentArgs, ctx: BookingContext): Promise<BookingStep> {
  const { knowledge } = ctx;
  const zone = knowledge.business.timezone;
  const service = resolveService(knowledge, args.service);
  const missing = [...(service ? [] : ['service' as const]), ...(args.date ? [] : ['date' as const]), ...(args.time ? [] : ['time' as const])];
  if (!service) {
    const names = knowledge.services.filter((s) => knowledge.booking?.services.includes(s.id)).map((s) => s.name.toLowerCase());
    const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : (names[0] ?? '');
    return { text: `Sure. Which service would you like to book? We can book ${list}.`, result: { status: 'needs', missing }, grounding: [] };
  }
  if (!args.date || !args.time) {
    const dayText = args.date ? DateTime.fromISO(args.date, { zone }).setLocale('en-US').toFormat('cccc, LLLL d') : undefined;
    const text = !args.date && !args.time
      ? `I can book ${article(service.name)} for you. What day and time would suit you?`
      : !args.date ? 'What day would you like to come in?' : `What time on ${dayText} works for you?`;
    return { text, result: { status: 'needs', missing, ...(args.date ? { date: args.date } : {}) }, grounding: dayText ? [dayText] : [] };
  }
  const start = DateTime.fromISO(`${args.date}T${args.time}`, { zone });
  if (!start.isValid) return { text: 'Sorry, I did not catch the day and time. When would you like to come in?', result: { status: 'needs', missing: ['date', 'time'] }, grounding: [] };
  const startDate = start.toJSDate();
  const when = spokenWhen(startDate, zone);

  const offer = async (lead: string): Promise<BookingStep> => {
    const alternatives = await alternativesFor(ctx, service.id, startDate);
    if (alternatives.length === 0) {
      return { text: `${lead} I don't see anything free in the days after that either. Would another week suit you?`, result: { status: 'taken', requested: localSlot(startDate, zone), alternatives: [] }, grounding: [when] };
    }
    return {
      text: `${lead} ${alternativesText(alternatives, zone)}`,
      result: { status: 'taken', requested: localSlot(startDate, zone), alternatives: alternatives.map((slot) => localSlot(slot.start, zone)) },
      grounding: [when, ...alternatives.map((slot) => spokenWhen(slot.start, zone))],
    };
  };

  if (!args.confirm) {
    const free = await ctx.booking.availability({ service: service.id, from: startDate, to: start.plus({ minutes: 1 }).toJSDate(), limit: 1 });
    if (!free.some((slot) => slot.start.getTime() === startDate.getTime())) return offer(`Sorry, ${when} isn't available.`);
    return {
      text: `So that's ${article(service.name)} on ${when}. Shall I book it?`,
      result: { status: 'confirm', slot: { date: args.date, time: args.time } },
      grounding: [when],
    };
  }
  const outcome = await ctx.booking.book({
    requestId: `${ctx.callId}:${service.id}:${args.date}T${args.time}`,
    service: service.id,
    start: startDate,
    callerNumber: ctx.callerNumber,
    callerName: args.caller_name ?? '',
    callId: ctx.callId,
  });
  if (outcome.status === 'booked') {
    const bookedWhen = spokenWhen(outcome.start, zone);
    return {
      text: `You're all set: ${article(service.name)} on ${bookedWhen}. Is there anything else I can help you with?`,
      result: { status: 'booked', appointmentId: outcome.appointmentId, slot: localSlot(outcome.start, zone) },
      grounding: [bookedWhen],
    };
  }
  if (outcome.status === 'taken') return offer(`Sorry, ${when} was just taken.`);
  return offer(`Sorry, I can't book ${when}.`);
}
