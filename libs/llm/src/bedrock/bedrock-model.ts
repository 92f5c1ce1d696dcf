import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  type ContentBlock,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
  type Message,
  type ToolInputSchema,
  type ToolResultContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { strictParameters } from '../openai/openai-model';
import type { ChatChunk, ChatMessage, ChatRequest, LanguageModel } from '../port';
import { parseToolCall, type ToolCall } from '../tools';

/**
 * The brain's engine on Amazon Bedrock: one ConverseStream call per turn,
 * the four tools sent as strict tool specs with `toolChoice: any`, exactly
 * one tool call expected back.
 */

export const DEFAULT_BEDROCK_MODEL_ID = 'global.anthropic.claude-haiku-4-5-20251001-v1:0';

export interface BedrockOptions {
  /** e.g. us-east-1. */
  readonly region: string;
  /** Model id or inference profile. Default: Claude Haiku 4.5 (global profile). */
  readonly modelId?: string;
  /** Another endpoint than the region's (a VPC endpoint; the local test server). */
  readonly endpoint?: string;
  /** Default: the standard AWS credential chain (environment, profile, IAM role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Room for one tool call and a sentence. Default 512. */
  readonly maxTokens?: number;
  /** Whole-turn budget, request to last event. Default 15 s: a caller is waiting. */
  readonly timeoutMs?: number;
  /** Attempts to start the stream (a started stream is never retried). Default 2: one quick retry beats a transfer. */
  readonly maxAttempts?: number;
  /** Told about recoverable oddities, such as extra tool calls that were ignored. */
  readonly onWarning?: (message: string, detail: Record<string, unknown>) => void;
}

export type BedrockErrorKind =
  /** ThrottlingException, ServiceQuotaExceededException. */
  | 'throttled'
  /** ServiceUnavailableException, ModelNotReadyException. */
  | 'unavailable'
  /** InternalServerException. */
  | 'internal'
  /** The model itself failed: ModelStreamErrorException, ModelErrorException, ModelTimeoutException. */
  | 'model'
  /** Our request or setup is wrong (ValidationException, AccessDeniedException, ResourceNotFoundException, ...): retrying will not help. */
  | 'rejected'
  | 'credentials'
  | 'network'
  | 'timeout'
  /** The event stream broke the protocol or ended early. */
  | 'stream'
  /** The answer stopped for another reason than a tool call: max_tokens, malformed_tool_use, guardrail_intervened, ... */
  | 'stopped'
  | 'no_tool_call';

const RETRYABLE: ReadonlySet<BedrockErrorKind> = new Set(['throttled', 'unavailable', 'internal', 'model', 'network', 'timeout']);

/** Every failure of this engine; the brain turns any of them into a transfer. */
export class BedrockError extends Error {
  override readonly name = 'BedrockError';
  /** The AWS exception name, e.g. ThrottlingException. */
  readonly awsError?: string;
  readonly status?: number;
  readonly stopReason?: string;

  constructor(readonly kind: BedrockErrorKind, message: string, details: { awsError?: string; status?: number; stopReason?: string } = {}, options?: ErrorOptions) {
    super(message, options);
    if (details.awsError !== undefined) this.awsError = details.awsError;
    if (details.status !== undefined) this.status = details.status;
    if (details.stopReason !== undefined) this.stopReason = details.stopReason;
  }

  /** May succeed later; the brain does not retry inside a turn (latency), callers may. */
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

const DEFAULT_MAX_TOKENS = 512;
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_ATTEMPTS = 2;

/** Bedrock wants the conversation to open with the caller; the brain's history opens with its greeting. */
export const CALL_STARTED = '(The call has started.)';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** toolUseId must match [a-zA-Z0-9_-]{1,64}; the brain's ids (local-3, fallback-<turn>) mostly do already. */
const toolUseId = (id: string): string => id.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'call';

type Json = NonNullable<ToolInputSchema.JsonMember['json']>;

/** Bedrock rejects blank text blocks. */
const textBlocks = (text: string): ContentBlock[] => (text.trim() ? [{ text }] : []);

function resultContent(content: string): ToolResultContentBlock {
  try {
    const parsed: unknown = JSON.parse(content);
    if (isRecord(parsed)) return { json: parsed as Json };
  } catch {
    // Not JSON: sent as text.
  }
  return content.trim() ? { text: content } : { json: {} };
}

/**
 * Maps the port's history onto Converse messages: tool calls become toolUse
 * blocks, tool results a user message of toolResult blocks, and consecutive
 * messages of one role merge, as Bedrock requires user and assistant to
 * alternate starting with the user.
 */
export function toBedrockMessages(messages: readonly ChatMessage[]): Message[] {
  // Bedrock rejects a toolUse without its toolResult in the next message and a
  // toolResult without its toolUse (the brain trims long calls from the front).
  const answered = new Set(messages.flatMap((message) => (message.role === 'tool' ? [message.toolCallId] : [])));
  const announced = new Set<string>();
  const wire: Message[] = [];
  const push = (role: 'user' | 'assistant', content: ContentBlock[]): void => {
    if (!content.length) return;
    const last = wire.at(-1);
    if (last?.role === role) last.content = [...(last.content ?? []), ...content];
    else wire.push({ role, content });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        push('user', textBlocks(message.content));
        break;
      case 'assistant': {
        const call = message.toolCall;
        const toolUse: ContentBlock[] = [];
        if (call && answered.has(call.id)) {
          announced.add(call.id);
          toolUse.push({ toolUse: { toolUseId: toolUseId(call.id), name: call.name, input: call.args } });
        }
        push('assistant', [...textBlocks(message.content), ...toolUse]);
        break;
      }
      case 'tool':
        if (announced.has(message.toolCallId)) push('user', [{ toolResult: { toolUseId: toolUseId(message.toolCallId), content: [resultContent(message.content)] } }]);
        break;
    }
  }
  if (wire[0]?.role === 'assistant') wire.unshift({ role: 'user', content: [{ text: CALL_STARTED }] });
  return wire;
}

/** The ConverseStream input: strict tool specs from the shared definitions, a tool required, deterministic sampling. */
export function toConverseInput(modelId: string, request: ChatRequest, maxTokens = DEFAULT_MAX_TOKENS): ConverseStreamCommandInput {
  return {
    modelId,
    system: [{ text: request.system }],
    messages: toBedrockMessages(request.messages),
    toolConfig: {
      tools: request.tools.map((tool) => ({
        // Strict tool use shares OpenAI's schema subset (no string lengths); parseToolCall still checks them.
        toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: strictParameters(tool.parameters) as Json }, strict: true },
      })),
      // The port's only choice, "required": the model must call a tool.
      toolChoice: { any: {} },
    },
    inferenceConfig: { maxTokens, temperature: 0 },
  };
}

const STOP_MESSAGES: Record<string, string> = {
  max_tokens: 'the answer was cut off at the token limit',
  malformed_tool_use: 'the model produced a malformed tool call',
  malformed_model_output: 'the model produced malformed output',
  guardrail_intervened: 'a guardrail withheld the answer',
  content_filtered: 'a content filter withheld the answer',
  model_context_window_exceeded: "the conversation exceeded the model's context window",
};

/** Maps an SDK or stream exception onto a BedrockError by its AWS name. */
export function toBedrockError(err: unknown): BedrockError {
  if (err instanceof BedrockError) return err;
  const record = isRecord(err) ? err : {};
  const rawName = typeof record['name'] === 'string' ? record['name'] : 'Error';
  // Unmodelled stream exceptions keep their wire name (throttlingException).
  const name = rawName.charAt(0).toUpperCase() + rawName.slice(1);
  // ModelStreamErrorException carries what the model itself answered.
  const said = [record['originalStatusCode'], record['originalMessage']].filter((part) => part !== undefined).join(' ');
  const original = said ? `; the model said ${said}` : '';
  const message = (err instanceof Error ? err.message : String(err)) + original;
  const metadata = isRecord(record['$metadata']) ? record['$metadata'] : {};
  const status = typeof metadata['httpStatusCode'] === 'number' ? metadata['httpStatusCode'] : undefined;
  const details = { awsError: name, ...(status !== undefined ? { status } : {}) };
  const make = (kind: BedrockErrorKind, what: string) => new BedrockError(kind, `Bedrock ${what} (${name}: ${message})`, details, { cause: err });
  switch (name) {
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
      return make('throttled', 'is throttling requests');
    case 'ServiceUnavailableException':
    case 'ModelNotReadyException':
      return make('unavailable', 'is unavailable');
    case 'InternalServerException':
      return make('internal', 'failed internally');
    case 'ModelStreamErrorException':
    case 'ModelErrorException':
    case 'ModelTimeoutException':
      return make('model', 'model failed');
    case 'CredentialsProviderError':
      return make('credentials', 'has no credentials: set them in the environment, a profile or an IAM role');
  }
  if (record['$fault'] === 'client' || name.endsWith('Exception')) return make('rejected', 'refused the request');
  if (record['$fault'] === 'server') return make('internal', 'failed');
  const code = typeof record['code'] === 'string' ? ` (${record['code']})` : '';
  return new BedrockError('network', `connection to Bedrock failed: ${message}${code}`, {}, { cause: err });
}

interface ToolBlock {
  readonly id: string;
  readonly name: string;
  input: string;
}

/** What the stream said so far; decides the turn's outcome at messageStop. */
class Answer {
  private readonly open = new Map<number, ToolBlock>();
  private readonly finished: ToolBlock[] = [];
  private first: ToolCall | Error | undefined;

  start(index: number, id: string, name: string): void {
    this.open.set(index, { id, name, input: '' });
  }

  input(index: number, fragment: string): void {
    const block = this.open.get(index);
    if (!block) throw new BedrockError('stream', `tool input for content block ${index}, which did not start as a tool call`);
    block.input += fragment;
  }

  /** Tool input is complete at its block's end: the first tool call is parsed and validated here. */
  stop(index: number): void {
    const block = this.open.get(index);
    if (!block) return;
    this.open.delete(index);
    this.finished.push(block);
    if (this.finished.length > 1) return;
    try {
      // An empty input still gets the schema's list of missing arguments.
      this.first = parseToolCall(block.name, block.input || '{}', block.id || `tooluse_${crypto.randomUUID()}`);
    } catch (err) {
      this.first = err as Error;
    }
  }

  /** The one tool call, or the error that explains its absence. */
  outcome(stopReason: string | undefined): ToolCall {
    const reason = stopReason ?? 'none';
    const stopped = STOP_MESSAGES[reason];
    if (stopped) throw new BedrockError('stopped', `${stopped} (stopReason ${reason})`, { stopReason: reason }, this.first instanceof Error ? { cause: this.first } : undefined);
    if (this.first instanceof Error) throw this.first;
    if (!this.first) throw new BedrockError('no_tool_call', `the model called no tool (stopReason ${reason})`, { stopReason: reason });
    return this.first;
  }

  /** Names of tool calls past the first, which the brain cannot use. */
  extra(): string[] {
    return this.finished.slice(1).map((block) => block.name);
  }
}

const EXCEPTION_EVENTS = ['internalServerException', 'modelStreamErrorException', 'validationException', 'throttlingException', 'serviceUnavailableException'] as const;

/** One turn's cancellation: the caller's signal, the turn budget, and our own release when the consumer leaves early. */
class TurnSignal {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort = (): void => this.controller.abort(this.caller?.reason);

  constructor(private readonly caller: AbortSignal | undefined, timeoutMs: number) {
    this.timer = setTimeout(() => this.controller.abort(new BedrockError('timeout', `no complete answer within ${timeoutMs} ms`)), timeoutMs);
    if (caller?.aborted) this.onCallerAbort();
    else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The caller's own abort reason, or the timeout, wins over whatever error the abort caused. */
  failure(err: unknown): unknown {
    if (this.controller.signal.aborted) return this.controller.signal.reason;
    return err instanceof Error && err.name === 'ToolCallError' ? err : toBedrockError(err);
  }

  /** Frees the timer and listener; `cancel` also drops an unfinished download. */
  release(cancel: boolean): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
    if (cancel && !this.controller.signal.aborted) this.controller.abort(new Error('turn released'));
  }
}

export class BedrockLanguageModel implements LanguageModel {
  readonly engine = 'bedrock';
  readonly modelId: string;
  private readonly client: BedrockRuntimeClient;

  constructor(private readonly options: BedrockOptions) {
    if (!options.region) throw new Error('the Bedrock engine needs an AWS region (AWS_REGION, e.g. us-east-1)');
    this.modelId = options.modelId || DEFAULT_BEDROCK_MODEL_ID;
    this.client = new BedrockRuntimeClient({
      region: options.region,
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      // HTTP/1.1 with keep-alive: the SDK's HTTP/2 default opens a new
      // connection (TCP + TLS) for every event stream, a turn's worth of latency.
      requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000 }),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatChunk> {
    const turn = new TurnSignal(request.signal, this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    let complete = false;
    try {
      let stream: AsyncIterable<ConverseStreamOutput> | undefined;
      try {
        ({ stream } = await this.client.send(new ConverseStreamCommand(toConverseInput(this.modelId, request, this.options.maxTokens)), { abortSignal: turn.signal }));
      } catch (err) {
        throw turn.failure(err);
      }
      if (!stream) throw new BedrockError('stream', 'the response has no event stream');

      const answer = new Answer();
      let call: ToolCall | undefined;
      try {
        for await (const event of stream) {
          if (call) continue; // After messageStop only metadata follows; reading it keeps the connection reusable.
          const exception = EXCEPTION_EVENTS.find((key) => event[key]);
          if (exception) throw Object.assign(new Error(event[exception]?.message ?? exception), { name: exception });
          if (event.contentBlockStart) {
            const toolUse = event.contentBlockStart.start?.toolUse;
            if (toolUse) answer.start(event.contentBlockStart.contentBlockIndex ?? 0, toolUse.toolUseId ?? '', toolUse.name ?? '');
          } else if (event.contentBlockDelta) {
            const { contentBlockIndex, delta } = event.contentBlockDelta;
            if (delta?.text) yield { type: 'text', delta: delta.text };
            else if (delta?.toolUse) answer.input(contentBlockIndex ?? 0, delta.toolUse.input ?? '');
          } else if (event.contentBlockStop) {
            answer.stop(event.contentBlockStop.contentBlockIndex ?? 0);
          } else if (event.messageStop) {
            call = answer.outcome(event.messageStop.stopReason);
            const extra = answer.extra();
            if (extra.length) this.options.onWarning?.('engine made several tool calls; using the first', { tools: [call.name, ...extra] });
            yield { type: 'tool_call', call };
          }
        }
      } catch (err) {
        // The answer is whole once messageStop came; a later hiccup only costs the metadata.
        if (!call) throw turn.failure(err);
        this.options.onWarning?.('event stream failed after the answer was complete', { error: String(err) });
      }
      if (!call) throw turn.failure(new BedrockError('stream', 'the event stream ended before messageStop'));
      complete = true;
    } finally {
      turn.release(!complete);
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }
}
