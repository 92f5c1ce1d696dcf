import { renderMessage, transferTargetFor, type Knowledge } from '@voiceagent/knowledge';
import type { BookingToolResult, ToolCall } from '@voiceagent/llm';
import type { CallCommand } from '../ports/agent-output';
import type { BookingPort } from '../ports/booking';
import { bookingStep } from './booking-flow';
import { checkReply, factsOf } from './guard';

/** What the brain says and does for one decided tool call. */
export interface Reply {
  readonly text: string;
  /** The decision that stands: a rejected answer becomes transfer_to_human. */
  readonly call: ToolCall;
  readonly command?: CallCommand;
  /** The tool result the engine sees next turn. */
  readonly result: string;
  /** Literals the engine invented, when the guard refused its reply. */
  readonly invented?: readonly string[];
}

export interface ReplyContext {
  readonly knowledge: Knowledge;
  readonly booking: BookingPort;
  readonly now: Date;
  readonly callId: string;
  readonly callerNumber: string;
}

const CLARIFY = "Sorry, I didn't quite catch that. Could you say it again?";

/** A transfer: the knowledge's own words, to the target the file names for the reason. */
export function transferReply(knowledge: Knowledge, call: ToolCall & { name: 'transfer_to_human' }, now: Date, lead?: string): Reply {
  const { reason } = call.args;
  const named = call.args.target ? knowledge.transfer.targets[call.args.target] : undefined;
  const target = named ?? transferTargetFor(knowledge, reason);
  const message = renderMessage(knowledge, 'transfer', now);
  return {
    text: lead ? `${lead} ${message}` : message,
    call: { ...call, args: { reason, target: target.id } },
    command: { kind: 'transfer', target: target.address, reason },
    result: JSON.stringify({ status: 'transferring', target: target.id }),
  };
}

/**
 * Executes the engine's tool call. `engineText` is what the engine said
 * itself (cloud engines); when empty the answer is the cited facts' text.
 * Either way the never-invent guard has the last word.
 */
export async function replyTo(call: ToolCall, engineText: string, ctx: ReplyContext): Promise<Reply> {
  const { knowledge, now } = ctx;
  switch (call.name) {
    case 'answer_from_knowledge': {
      const all = factsOf(knowledge);
      const cited = call.args.fact_ids.map((id) => all.find((fact) => fact.id === id)).filter((fact) => fact !== undefined);
      if (cited.length === 0 && !engineText.trim()) return { text: CLARIFY, call, result: JSON.stringify({ status: 'clarify' }) };
      const text = engineText.trim() || cited.map((fact) => fact.text).join(' ');
      const verdict = checkReply(text, { kind: 'facts', facts: cited });
      if (!verdict.ok) {
        const transfer = transferReply(knowledge, { id: call.id, name: 'transfer_to_human', args: { reason: 'ungrounded answer', target: null } }, now);
        return { ...transfer, invented: verdict.invented };
      }
      return { text, call, result: JSON.stringify({ status: 'answered', fact_ids: cited.map((fact) => fact.id) }) };
    }
    case 'book_appointment': {
      let step;
      try {
        step = await bookingStep(call.args, ctx);
      } catch {
        // The booking service is down: a person can still book.
        return transferReply(knowledge, { id: call.id, name: 'transfer_to_human', args: { reason: 'booking unavailable', target: null } }, now, "Sorry, I can't reach our booking system right now.");
      }
      const verdict = checkReply(step.text, { kind: 'booking', phrases: step.grounding });
      if (!verdict.ok) {
        const transfer = transferReply(knowledge, { id: call.id, name: 'transfer_to_human', args: { reason: 'ungrounded booking reply', target: null } }, now);
        return { ...transfer, invented: verdict.invented };
      }
      const result: BookingToolResult = step.result;
      return { text: step.text, call, result: JSON.stringify(result) };
    }
    case 'transfer_to_human': {
      // Transferring because the knowledge had no answer: say so in the file's words first.
      const lead = call.args.reason === 'unanswered question' ? renderMessage(knowledge, 'fallback', now) : undefined;
      return transferReply(knowledge, call, now, lead);
    }
    case 'end_call':
      return {
        text: renderMessage(knowledge, 'goodbye', now),
        call,
        command: { kind: 'hangup', reason: call.args.reason },
        result: JSON.stringify({ status: 'ending' }),
      };
  }
}
