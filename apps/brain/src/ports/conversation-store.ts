import type { ChatMessage } from '@voiceagent/llm';

/** What the brain remembers of one call between turns: plain data, so any store (and any instance) can hold it. */
export interface ConversationState {
  readonly callId: string;
  readonly callerNumber: string;
  readonly messages: readonly ChatMessage[];
  /** Caller turns answered so far. */
  readonly turns: number;
}

/**
 * Conversation state by call: in process (one brain), or NATS JetStream KV
 * so that whichever brain instance receives a turn can answer it.
 */
export interface ConversationStore {
  get(callId: string): Promise<ConversationState | undefined>;
  put(state: ConversationState): Promise<void>;
  delete(callId: string): Promise<void>;
}
