import { localDateAt, transferTargetFor, WEEKDAYS, type Knowledge, type KnowledgeSearch, type KnowledgeSource } from '@voiceagent/knowledge';
import { DateTime } from 'luxon';
import type { BookingToolResult, ChatChunk, ChatMessage, ChatRequest, LanguageModel } from '../port';
import type { BookAppointmentArgs, ToolCall } from '../tools';
import { readCues } from './intents';
import { hasPhrase, isOnlyFiller, normalize } from './text';
import { parseWhen } from './when';

/** Words that make a turn a question about something rather than a request. */
const QUESTION = /\b(how|what|when|which|why|where|do you|are you|is it|is there|does)\b/;

export interface LocalEngineOptions {
  readonly knowledge: KnowledgeSource;
  readonly search: KnowledgeSearch;
  readonly now?: () => Date;
  /**
   * Least search confidence to answer from a fact. Below it the engine
   * transfers to a person (with the file's fallback message) rather than
   * offering one: callers on the phone prefer being helped to being asked,
   * and the design allows deferring, never guessing.
   */
  readonly answerThreshold?: number;
  /**
   * Below this recognizer confidence, a turn the knowledge has no answer for
   * was probably misheard, not asked outside the file: the caller is asked to
   * say it again once before being transferred. Calibrated on the local
   * recognizer (misheard questions 0.23–0.46, heard right 0.43–0.64); cloud
   * recognizers score higher, so it rarely fires there.
   */
  readonly clarifyBelowConfidence?: number;
}

export const DEFAULT_ANSWER_THRESHOLD = 0.5;
export const DEFAULT_CLARIFY_BELOW_CONFIDENCE = 0.45;

interface ActiveBooking {
  readonly args: BookAppointmentArgs;
  readonly result: BookingToolResult | undefined;
}

/**
 * The embedded engine: a deterministic policy that reads the caller's turn
 * (intent cues, knowledge search, slot parsing) and chooses exactly one tool.
 * Stateless: what it knows of an ongoing booking comes from its own earlier
 * tool calls and their results in the messages, as it would for an LLM.
 */
export class LocalLanguageModel implements LanguageModel {
  readonly engine = 'local';
  private readonly now: () => Date;
  private readonly threshold: number;
  private readonly clarifyBelow: number;
  private calls = 0;

  constructor(private readonly options: LocalEngineOptions) {
    this.now = options.now ?? (() => new Date());
    this.threshold = options.answerThreshold ?? DEFAULT_ANSWER_THRESHOLD;
    this.clarifyBelow = options.clarifyBelowConfidence ?? DEFAULT_CLARIFY_BELOW_CONFIDENCE;
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatChunk> {
    yield { type: 'tool_call', call: await this.decide(request.messages) };
  }

  /** The tool for the last caller message. */
  async decide(messages: readonly ChatMessage[]): Promise<ToolCall> {
    const knowledge = this.options.knowledge.current();
    const last = [...messages].reverse().find((message) => message.role === 'user');
    const raw = last?.content ?? '';
    const text = normalize(raw);
    const cues = readCues(text);
    const id = `local-${++this.calls}`;
    const transfer = (reason: string): ToolCall => ({
      id, name: 'transfer_to_human', args: { reason, target: transferTargetFor(knowledge, reason === 'caller asked' ? undefined : reason).id },
    });
    const book = (args: BookAppointmentArgs): ToolCall => ({ id, name: 'book_appointment', args });

    if (cues.transfer > 0) return transfer(cues.transferReason);

    const active = activeBooking(messages);
    if (active) {
      const slots = this.slots(text, knowledge);
      const merged: BookAppointmentArgs = { ...active.args, ...slots, confirm: false };
      const changed = Object.keys(slots).length > 0;
      const status = active.result?.status;
      if (status === 'confirm' && cues.yes && !changed) return book({ ...active.args, confirm: true });
      if (status === 'taken' && cues.yes && !changed && active.result?.status === 'taken' && active.result.alternatives[0]) {
        const [first] = active.result.alternatives;
        return book({ ...active.args, date: first.date, time: first.time, confirm: false });
      }
      if (changed) return book(merged);
      if (cues.end > 0) return { id, name: 'end_call', args: { reason: 'caller said goodbye' } };
      // "No" to the read-back without saying what to change: ask for the day and time again.
      if (cues.no && status === 'confirm') return book({ ...active.args, date: null, time: null, confirm: false });
      if (cues.book > 0 || status === 'needs') return book(merged);
    }

    if (cues.end > 0 && cues.book === 0) return { id, name: 'end_call', args: { reason: 'caller said goodbye' } };
    if (cues.book > 0 && cues.bookFaq === 0) {
      return book({ service: null, date: null, time: null, caller_name: null, ...this.slots(text, knowledge), confirm: false });
    }
    // "I would like to buck a cleaning for next monday at nine": a service with a day and a time, not asked about,
    // is a request to book even when the recognizer garbled the verb.
    const stated = this.slots(text, knowledge);
    if (stated.service && stated.date && stated.time && cues.bookFaq === 0 && !QUESTION.test(text)) {
      return book({ service: null, date: null, time: null, caller_name: null, ...stated, confirm: false });
    }
    if (!text || isOnlyFiller(text)) return { id, name: 'answer_from_knowledge', args: { question: raw.trim() || 'unclear', fact_ids: [] } };

    const hoursQuestion = HOURS_CUES.some((cue) => hasPhrase(text, cue));
    const day = hoursQuestion ? this.dayAsked(text, knowledge) : undefined;
    // "How late are you open on Wednesday": the day's hours, whatever else the caller's words match.
    if (day && !/\b(christmas|thanksgiving|new year|holiday|eve)\b/.test(text)) {
      return { id, name: 'answer_from_knowledge', args: { question: text, fact_ids: [`hours:${day}`] } };
    }
    const hits = await this.options.search.search(text, { limit: 3 });
    const best = hits[0];
    if (!best || best.score < this.threshold) {
      const unsure = last?.confidence !== undefined && last.confidence > 0 && last.confidence < this.clarifyBelow;
      if (unsure && !askedToRepeat(messages)) return { id, name: 'answer_from_knowledge', args: { question: raw.trim(), fact_ids: [] } };
      return transfer('unanswered question');
    }
    // A price or detail of one service is an answer only if the caller named that service: "how much are braces" is not about whitening.
    if (best.fact.kind === 'service' && best.fact.id !== 'service:list' && !mentionsService(text, knowledge, best.fact.id.slice('service:'.length))) {
      return transfer('unanswered question');
    }
    return { id, name: 'answer_from_knowledge', args: { question: text, fact_ids: [best.fact.id] } };
  }

  /** The weekday an hours question is about: named, or today/tomorrow/now in the business's timezone. */
  private dayAsked(text: string, knowledge: Knowledge): string | undefined {
    const named = WEEKDAYS.find((day) => hasPhrase(text, day) || hasPhrase(text, `${day}s`));
    if (named) return named;
    const today = localDateAt(knowledge, this.now());
    const weekday = (offset: number) => WEEKDAYS[DateTime.fromISO(today).plus({ days: offset }).weekday - 1];
    if (/\b(tomorrow)\b/.test(text)) return weekday(1);
    if (/\b(today|tonight|now)\b/.test(text)) return weekday(0);
    return undefined;
  }

  /** The booking details a turn states: service, date, time, name. */
  private slots(text: string, knowledge: Knowledge): Partial<BookAppointmentArgs> {
    const out: { -readonly [K in keyof BookAppointmentArgs]?: BookAppointmentArgs[K] } = {};
    const service = findService(text, knowledge);
    if (service) out.service = service;
    const when = parseWhen(text, this.now(), knowledge.business.timezone);
    if (when.date) out.date = when.date;
    if (when.time) out.time = when.time;
    const name = /\b(?:my name is|this is|name's|it's for|under the name|under) ([a-z]+(?: [a-z]+)?)$/.exec(text)?.[1];
    if (name && !/\b(today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/.test(name)) out.caller_name = name.replace(/\b\w/g, (c) => c.toUpperCase());
    return out;
  }
}

const HOURS_CUES = ['open', 'opened', 'close', 'closed', 'closing', 'hours', 'late', 'early', 'what time'];

// Words many service names share; naming one of them does not name the service.
const GENERIC = new Set(['teeth', 'tooth', 'visit', 'new', 'patient', 'dental', 'care', 'appointment', 'service', 'and', 'the', 'a', 'of', 'with']);

/** One edit apart at most (recognition errors: "filing" for "filling"). */
function near(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.min(a.length, b.length) < 5 || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.slice(i + 1) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i) || a.slice(i) === b.slice(i + 1);
}

/** Whether the caller's words name this service: its name, id, aliases or keywords, allowing one recognition error. */
export function mentionsService(text: string, knowledge: Knowledge, serviceId: string): boolean {
  const service = knowledge.services.find((s) => s.id === serviceId);
  if (!service) return false;
  const words = new Set(text.split(' ').map((word) => word.replace(/'s$/, '').replace(/s$/, '')));
  const names = [service.name, service.id, ...service.aliases, ...service.keywords].flatMap((phrase) => normalize(phrase).split(' '));
  return names.some((name) => {
    const stem = name.replace(/'s$/, '').replace(/s$/, '');
    return !GENERIC.has(stem) && [...words].some((word) => near(word, stem));
  });
}

/** The bookable service a caller names, by its name, id or an alias; longest match wins. */
export function findService(text: string, knowledge: Knowledge): string | undefined {
  const bookable = new Set(knowledge.booking?.services ?? []);
  let found: { id: string; length: number } | undefined;
  for (const service of knowledge.services) {
    if (!bookable.has(service.id)) continue;
    for (const phrase of [service.name, service.id.replace(/-/g, ' '), ...service.aliases]) {
      const words = normalize(phrase);
      const singular = words.replace(/s$/, '');
      const hit = hasPhrase(text, words) ? words : hasPhrase(text, singular) ? singular : undefined;
      if (hit && (!found || hit.length > found.length)) found = { id: service.id, length: hit.length };
    }
  }
  return found?.id;
}

/** The booking the engine is in the middle of: its last tool call was book_appointment and it did not end. */
/** The reply to the caller's previous turn asked them to say it again (an answer citing no fact). */
function askedToRepeat(messages: readonly ChatMessage[]): boolean {
  const previous = messages.slice(0, -1).findLast((message) => message.role === 'assistant' && message.toolCall);
  return previous?.role === 'assistant' && previous.toolCall?.name === 'answer_from_knowledge' && previous.toolCall.args.fact_ids.length === 0;
}

function activeBooking(messages: readonly ChatMessage[]): ActiveBooking | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role !== 'assistant' || !message.toolCall) continue;
    const call = message.toolCall;
    if (call.name !== 'book_appointment') return undefined;
    const resultMessage = messages.slice(i + 1).find((m) => m.role === 'tool' && m.toolCallId === call.id);
    let result: BookingToolResult | undefined;
    if (resultMessage?.role === 'tool') {
      try {
        result = JSON.parse(resultMessage.content) as BookingToolResult;
      } catch {
        result = undefined;
      }
    }
    if (result?.status === 'booked' || result?.status === 'failed') return undefined;
    return { args: call.args, result };
  }
  return undefined;
}
