import type { ToolCall, ToolDefinition, ToolName } from './tools';

/**
 * The language-model port, in the LiveKit agents style: one streaming call
 * per turn that yields text deltas and the tool call the engine chose.
 * Engines: local (deterministic policy), bedrock, openai-compatible.
 */

export type ChatMessage =
  /** `confidence`: the recognizer's, 0–1, when the words were heard (absent: typed, or unknown). */
  | { readonly role: 'user'; readonly content: string; readonly confidence?: number }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCall?: ToolCall }
  /** The outcome of executing a tool call, as JSON (see BookingToolResult). */
  | { readonly role: 'tool'; readonly toolCallId: string; readonly name: ToolName; readonly content: string };

export interface ChatRequest {
  readonly system: string;
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ToolDefinition[];
  /** The brain always wants exactly one tool per turn. */
  readonly toolChoice: 'required';
  readonly signal?: AbortSignal;
}

export type ChatChunk =
  | { readonly type: 'text'; readonly delta: string }
  | { readonly type: 'tool_call'; readonly call: ToolCall };

export interface LanguageModel {
  /** "local", "bedrock", "openai", "deepgram": recorded in each ToolDecision. */
  readonly engine: string;
  chat(request: ChatRequest): AsyncIterable<ChatChunk>;
  /** Releases pooled connections (cloud engines); the engine is not used afterwards. */
  close?(): void;
}

/** A requested date and time in the business's local wall clock. */
export interface LocalSlot {
  readonly date: string;
  readonly time: string;
}

/**
 * What executing book_appointment produced, fed back to the engine as the
 * tool message so the next turn can continue the booking.
 */
export type BookingToolResult =
  | { readonly status: 'needs'; readonly missing: ReadonlyArray<'service' | 'date' | 'time'>; readonly date?: string }
  | { readonly status: 'confirm'; readonly slot: LocalSlot }
  /** The requested slot is not free; the booking service offered these instead. */
  | { readonly status: 'taken'; readonly requested: LocalSlot; readonly alternatives: readonly LocalSlot[] }
  | { readonly status: 'booked'; readonly appointmentId: string; readonly slot: LocalSlot }
  | { readonly status: 'failed'; readonly reason: string };

/** Drains a chat stream: the text it said and the (last) tool call it made. */
export async function collectChat(stream: AsyncIterable<ChatChunk>): Promise<{ text: string; call: ToolCall | undefined }> {
  let text = '';
  let call: ToolCall | undefined;
  for await (const chunk of stream) {
    if (chunk.type === 'text') text += chunk.delta;
    else call = chunk.call;
  }
  return { text, call };
}
