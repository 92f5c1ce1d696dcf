import { Tool, type ToolDecision } from '@voiceagent/contracts';
import { describeNextOpening, isOpenAt, renderMessage, type Knowledge } from '@voiceagent/knowledge';
import { collectChat, parseToolCall, TOOLS, type ChatMessage, type LanguageModel, type ToolCall } from '@voiceagent/llm';
import type { AgentOutput } from '../ports/agent-output';
import type { BookingPort } from '../ports/booking';
import type { ConversationState, ConversationStore } from '../ports/conversation-store';
import type { EscalationPort } from '../ports/escalation';
import { handoffSummary, handoffTranscript } from './handoff';
import { factsOf } from './guard';
import { replyTo, transferReply, type Reply } from './reply';
import { splitSentences } from './sentences';

export interface DialogueDeps {
  readonly knowledge: () => Knowledge;
  readonly engine: LanguageModel;
  readonly store: ConversationStore;
  readonly booking: BookingPort;
  /** Where transfers are recorded with the transcript; unset: not recorded (the eval). */
  readonly escalation?: EscalationPort;
  readonly now: () => Date;
}

export interface TurnOutcome {
  readonly reply: Reply;
  /** The engine's tool call was unusable (error, none, invalid) and the brain transferred instead. */
  readonly engineFailed: boolean;
  /** A transfer's hand-off record (its id), being stored while the transfer message plays. */
  readonly handoff?: Promise<string>;
}

// Long calls keep the recent context only; a booking never spans this many messages.
const MAX_MESSAGES = 40;

const TOOL_ENUM: Record<ToolCall['name'], Tool> = {
  answer_from_knowledge: Tool.TOOL_ANSWER_FROM_KNOWLEDGE,
  book_appointment: Tool.TOOL_BOOK_APPOINTMENT,
  transfer_to_human: Tool.TOOL_TRANSFER_TO_HUMAN,
  end_call: Tool.TOOL_END_CALL,
};

export function toDecision(call: ToolCall, engine: string): ToolDecision {
  return { tool: TOOL_ENUM[call.name], argumentsJson: JSON.stringify(call.args), engine };
}

/** The system prompt cloud engines get: the rules and every fact they may use. */
export function systemPrompt(knowledge: Knowledge, now: Date): string {
  const factLines = factsOf(knowledge).map((fact) => `- [${fact.id}] ${fact.text}`).join('\n');
  return [
    `You answer the phone for ${knowledge.business.name}. It is now ${now.toISOString()} (business timezone ${knowledge.business.timezone}).`,
    'Call exactly one tool per turn. Answer only from the facts below and cite their ids; never state a price, time, date, phone number or amount that is not in them.',
    'If the facts do not answer the question, transfer to a human. Read a booking back and book only after the caller confirms.',
    `Facts:\n${factLines}`,
  ].join('\n');
}

/**
 * One call's dialogue: greets, and for each caller turn asks the engine for a
 * tool, executes it under the never-invent guard, speaks the reply sentence by
 * sentence and issues the call command. State lives in the store between turns.
 */
export class Dialogue {
  constructor(
    private readonly callId: string,
    private readonly callerNumber: string,
    private readonly output: AgentOutput,
    private readonly deps: DialogueDeps,
  ) {}

  /** The greeting, or the closed message when the knowledge says the business is closed now. */
  async greet(): Promise<void> {
    const knowledge = this.deps.knowledge();
    const now = this.deps.now();
    const open = isOpenAt(knowledge, now);
    const text = renderMessage(knowledge, open ? 'greeting' : 'closed', now);
    // The closed message names the next opening, so its cache key must change with it.
    const cacheKey = open ? 'greeting' : `closed:${describeNextOpening(knowledge, now) ?? ''}`;
    this.speak('', text, undefined, cacheKey);
    await this.deps.store.put({ callId: this.callId, callerNumber: this.callerNumber, messages: [{ role: 'assistant', content: text }], turns: 0 });
  }

  /**
   * Answers one caller turn. `confidence`: the recognizer's (0 or absent:
   * unknown); `firstSentence` runs right after the first sentence is out (the
   * latency mark).
   */
  async hear(turnId: string, text: string, heard: { confidence?: number; firstSentence?: (call: ToolCall) => void } = {}): Promise<TurnOutcome> {
    const { confidence, firstSentence } = heard;
    const knowledge = this.deps.knowledge();
    const now = this.deps.now();
    const state: ConversationState = (await this.deps.store.get(this.callId)) ?? { callId: this.callId, callerNumber: this.callerNumber, messages: [], turns: 0 };
    const messages: ChatMessage[] = [...state.messages, { role: 'user', content: text, ...(confidence ? { confidence } : {}) }];

    let call: ToolCall | undefined;
    let engineText = '';
    try {
      const chat = await collectChat(this.deps.engine.chat({ system: systemPrompt(knowledge, now), messages, tools: TOOLS, toolChoice: 'required' }));
      engineText = chat.text;
      // Re-validate whatever the engine produced: adapters parse, but the schema is the contract.
      call = chat.call ? parseToolCall(chat.call.name, chat.call.args, chat.call.id) : undefined;
    } catch {
      call = undefined;
    }
    const engineFailed = call === undefined;
    const ctx = { knowledge, booking: this.deps.booking, now, callId: this.callId, callerNumber: this.callerNumber };
    const reply = call
      ? await replyTo(call, engineText, ctx)
      : transferReply(knowledge, { id: `fallback-${turnId}`, name: 'transfer_to_human', args: { reason: 'engine failed', target: null } }, now);

    const decision = toDecision(reply.call, this.deps.engine.engine);
    const command = reply.command;
    // Hang up or transfer only once the goodbye or the transfer message was heard;
    // watching starts before it is said so no playout event is missed.
    const played = command ? this.output.playedOut(reply.text) : undefined;
    this.speak(turnId, reply.text, decision, undefined, () => firstSentence?.(reply.call));

    const next: ChatMessage[] = [
      ...messages,
      { role: 'assistant', content: reply.text, toolCall: reply.call },
      { role: 'tool', toolCallId: reply.call.id, name: reply.call.name, content: reply.result },
    ];
    const handoff = command?.kind === 'transfer' ? this.recordHandoff(reply.call, next) : undefined;
    // The person should find the hand-off when they pick up, but a failed record must not strand the caller.
    if (command && played) void Promise.all([played, handoff?.catch(() => undefined)]).then(() => this.output.command(command));
    await this.deps.store.put({ ...state, messages: next.slice(-MAX_MESSAGES), turns: state.turns + 1 });
    return { reply, engineFailed, ...(handoff ? { handoff } : {}) };
  }

  private recordHandoff(call: ToolCall, messages: readonly ChatMessage[]): Promise<string> | undefined {
    if (!this.deps.escalation || call.name !== 'transfer_to_human') return undefined;
    const transcript = handoffTranscript(messages);
    return this.deps.escalation.handoff({
      callId: this.callId,
      callerNumber: this.callerNumber,
      reason: call.args.reason,
      targetId: call.args.target ?? '',
      summary: handoffSummary(call.args.reason, transcript),
      transcript,
    });
  }

  private speak(turnId: string, text: string, decision: ToolDecision | undefined, cacheKey?: string, afterFirst?: () => void): void {
    const sentences = splitSentences(text);
    sentences.forEach((sentence, index) => {
      this.output.say({
        turnId, sentenceIndex: index, text: sentence, final: index === sentences.length - 1,
        ...(decision ? { decision } : {}), ...(cacheKey ? { cacheKey } : {}),
      });
      if (index === 0) afterFirst?.();
    });
  }
}
