import { z } from 'zod';

/**
 * The brain's four tools, defined once. The zod schemas validate what an
 * engine returns; the JSON Schemas sent to cloud engines are derived from
 * them. Every property is required and objects are closed, as strict tool use
 * (Bedrock, OpenAI `strict: true`) demands: "not known yet" is `null`, never
 * a missing key.
 */

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

export const answerFromKnowledgeArgs = z.strictObject({
  question: z.string().min(1).describe("The caller's question, as understood."),
  fact_ids: z.array(z.string().min(1)).describe('Ids of the knowledge facts the answer is built from; empty when none applies (the agent then asks the caller to rephrase).'),
});

export const bookAppointmentArgs = z.strictObject({
  service: z.string().min(1).nullable().describe('Service id or name from the knowledge file; null until the caller has said it.'),
  date: z.string().regex(ISO_DATE).nullable().describe('Local date YYYY-MM-DD in the business timezone; null until known.'),
  time: z.string().regex(CLOCK).nullable().describe('Local start time HH:MM (24-hour) in the business timezone; null until known.'),
  caller_name: z.string().min(1).nullable().describe("The caller's name if they gave it."),
  confirm: z.boolean().describe('True only after the caller agreed to the read-back of service, date and time.'),
});

export const transferToHumanArgs = z.strictObject({
  reason: z.string().min(1).describe('Why the caller needs a person: "caller asked", "billing", "complaint", "unanswered question".'),
  target: z.string().min(1).nullable().describe("Transfer target id from the knowledge file; null for the reason's default."),
});

export const endCallArgs = z.strictObject({
  reason: z.string().min(1).describe('Why the call ends: "caller said goodbye".'),
});

export const toolArgs = {
  answer_from_knowledge: answerFromKnowledgeArgs,
  book_appointment: bookAppointmentArgs,
  transfer_to_human: transferToHumanArgs,
  end_call: endCallArgs,
} as const;

export type ToolName = keyof typeof toolArgs;
export const TOOL_NAMES = Object.keys(toolArgs) as ToolName[];

export type AnswerFromKnowledgeArgs = z.infer<typeof answerFromKnowledgeArgs>;
export type BookAppointmentArgs = z.infer<typeof bookAppointmentArgs>;
export type TransferToHumanArgs = z.infer<typeof transferToHumanArgs>;
export type EndCallArgs = z.infer<typeof endCallArgs>;
export type ToolArgs = { [N in ToolName]: z.infer<(typeof toolArgs)[N]> };

/** A validated tool call: the name discriminates the arguments. */
export type ToolCall = { [N in ToolName]: { readonly id: string; readonly name: N; readonly args: ToolArgs[N] } }[ToolName];

const DESCRIPTIONS: Record<ToolName, string> = {
  answer_from_knowledge: "Answer the caller's question (hours, services, prices, FAQs) using only facts from the business's knowledge file.",
  book_appointment: 'Collect service, date and time for an appointment, read them back, and book once the caller confirms.',
  transfer_to_human: 'Hand the caller to a person: when they ask for one, or when the knowledge does not answer their question.',
  end_call: 'Say goodbye and hang up when the caller is done.',
};

export interface ToolDefinition {
  readonly name: ToolName;
  readonly description: string;
  /** Strict JSON Schema of the arguments (additionalProperties false, every property required). */
  readonly parameters: Record<string, unknown>;
}

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}

/** The four tools as engines receive them. */
export const TOOLS: readonly ToolDefinition[] = TOOL_NAMES.map((name) => ({ name, description: DESCRIPTIONS[name], parameters: jsonSchemaOf(toolArgs[name]) }));

export class ToolCallError extends Error {
  override readonly name = 'ToolCallError';
}

const isToolName = (name: string): name is ToolName => Object.hasOwn(toolArgs, name);

/** Validates an engine's tool call (arguments as JSON text or parsed); throws ToolCallError. */
export function parseToolCall(name: string, args: unknown, id = ''): ToolCall {
  if (!isToolName(name)) throw new ToolCallError(`unknown tool "${name}"`);
  let value = args;
  if (typeof args === 'string') {
    try {
      value = JSON.parse(args);
    } catch {
      throw new ToolCallError(`${name}: arguments are not JSON`);
    }
  }
  const result = toolArgs[name].safeParse(value);
  if (!result.success) throw new ToolCallError(`${name}: ${z.prettifyError(result.error).replace(/\n/g, '; ')}`);
  return { id, name, args: result.data } as ToolCall;
}
