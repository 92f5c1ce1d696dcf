import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { parseToolCall, TOOL_NAMES, type ToolName } from '@voiceagent/llm';
import { z } from 'zod';
import type { ConversationState, ConversationStore } from '../ports/conversation-store';

export const DEFAULT_CONVERSATION_BUCKET = 'brain-conversations';
/**
 * How long a conversation is kept after its last write. Every turn rewrites
 * it, so only calls abandoned without a close (a brain that died) expire.
 */
export const DEFAULT_CONVERSATION_TTL_MS = 4 * 60 * 60 * 1000;

export interface NatsKvConversationStoreOptions {
  /** KV bucket name (default "brain-conversations"). */
  readonly bucket?: string;
  /** Time to live of a conversation after its last write (default 4 hours). */
  readonly ttlMs?: number;
  /** JetStream replicas of the bucket: 1, 3 or 5 (default 1). Applies when the bucket is created. */
  readonly replicas?: number;
}

/** A stored conversation that cannot be read back (not JSON, or not the shape the brain wrote). */
export class ConversationStateError extends Error {
  override readonly name = 'ConversationStateError';
}

const toolName = z.string().refine((name): name is ToolName => (TOOL_NAMES as readonly string[]).includes(name), 'is not one of the four tools');

// A tool call is validated by the same schemas that validate an engine's call.
const toolCall = z.object({ id: z.string(), name: z.string(), args: z.unknown() }).transform((call, ctx) => {
  try {
    return parseToolCall(call.name, call.args, call.id);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

const chatMessage = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), content: z.string(), confidence: z.number().min(0).max(1).optional() }),
  z.object({ role: z.literal('assistant'), content: z.string(), toolCall: toolCall.optional() }),
  z.object({ role: z.literal('tool'), toolCallId: z.string(), name: toolName, content: z.string() }),
]);

const conversationState = z.object({
  callId: z.string().min(1),
  callerNumber: z.string(),
  messages: z.array(chatMessage),
  turns: z.number().int().min(0),
});

/**
 * KV keys allow only `[-/_=.a-zA-Z0-9]`, and dots make hierarchy. Call ids of
 * plain letters, digits, "-" and "_" (UUIDs) are used as they are; any other
 * id is base64url-encoded behind a "=", which a plain id never starts with.
 */
export function conversationKey(callId: string): string {
  if (callId === '') throw new ConversationStateError('a conversation needs a call id');
  return /^[-_a-zA-Z0-9]+$/.test(callId) ? callId : `=${Buffer.from(callId, 'utf8').toString('base64url')}`;
}

/**
 * Conversation state in a NATS JetStream KV bucket, so whichever brain
 * instance receives a turn can answer it. One revision per call is kept
 * (history 1); a conversation not written for `ttlMs` expires.
 *
 * `put` overwrites: the port has no read-modify-write, and one brain
 * instance owns a call (queue-group claim) and handles its turns in order.
 */
export class NatsKvConversationStore implements ConversationStore {
  private constructor(
    private readonly kv: KV,
    readonly bucket: string,
  ) {}

  /** Opens the bucket, creating it on first use (other instances bind to the same one). */
  static async open(connection: NatsConnection, options: NatsKvConversationStoreOptions = {}): Promise<NatsKvConversationStore> {
    const bucket = options.bucket ?? DEFAULT_CONVERSATION_BUCKET;
    const kv = await new Kvm(connection).create(bucket, {
      history: 1,
      ttl: options.ttlMs ?? DEFAULT_CONVERSATION_TTL_MS,
      replicas: options.replicas ?? 1,
      description: 'Brain conversation state by call id',
    });
    return new NatsKvConversationStore(kv, bucket);
  }

  async get(callId: string): Promise<ConversationState | undefined> {
    const entry = await this.kv.get(conversationKey(callId));
    // A deleted or purged key reads back as a marker entry, not as null.
    if (!entry || entry.operation !== 'PUT') return undefined;
    return this.decode(callId, entry.string());
  }

  async put(state: ConversationState): Promise<void> {
    await this.kv.put(conversationKey(state.callId), JSON.stringify(state));
  }

  /** Removes the conversation and its history at once (no waiting for the TTL). */
  async delete(callId: string): Promise<void> {
    await this.kv.purge(conversationKey(callId));
  }

  private decode(callId: string, text: string): ConversationState {
    const where = `conversation of call "${callId}" in KV bucket "${this.bucket}"`;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ConversationStateError(`${where} is not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const result = conversationState.safeParse(value);
    if (!result.success) throw new ConversationStateError(`${where} is not valid: ${z.prettifyError(result.error).replace(/\n/g, '; ')}`);
    if (result.data.callId !== callId) throw new ConversationStateError(`${where} belongs to call "${result.data.callId}"`);
    return result.data;
  }
}
