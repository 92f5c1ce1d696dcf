import type { ChatChunk, ChatMessage, ChatRequest, LanguageModel } from '../port';
import { parseToolCall } from '../tools';
import { sseData } from './sse';

/**
 * The brain's engine over any OpenAI-compatible chat completions server
 * (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp): one streamed request per
 * turn, tools sent as strict functions, exactly one tool call expected back.
 */

export interface OpenAiCompatibleOptions {
  /** e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 */
  readonly baseUrl: string;
  readonly model: string;
  /** Sent as a bearer token; most local servers need none. */
  readonly apiKey?: string;
  /** Whole-turn budget, headers to last chunk. Default 15 s: a caller is waiting. */
  readonly timeoutMs?: number;
  /** Told about recoverable oddities, such as extra tool calls that were ignored. */
  readonly onWarning?: (message: string, detail: Record<string, unknown>) => void;
}

export type OpenAiErrorKind = 'http' | 'network' | 'timeout' | 'stream' | 'no_tool_call';

/** Every failure of this engine; the brain turns any of them into a transfer. */
export class OpenAiError extends Error {
  override readonly name = 'OpenAiError';
  constructor(
    readonly kind: OpenAiErrorKind,
    message: string,
    /** HTTP status for kind "http". */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
  /** 429 and 5xx may succeed later; the brain does not retry inside a turn (latency), callers may. */
  get retryable(): boolean {
    return this.kind === 'timeout' || this.kind === 'network' || this.status === 429 || (this.status !== undefined && this.status >= 500);
  }
}

const DEFAULT_TIMEOUT_MS = 15_000;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

interface WireToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

type WireMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: WireToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** Maps the port's history onto chat-completions messages. */
export function toWireMessages(system: string, messages: readonly ChatMessage[]): WireMessage[] {
  const wire: WireMessage[] = [{ role: 'system', content: system }];
  const announced = new Set<string>();
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        wire.push({ role: 'user', content: message.content });
        break;
      case 'assistant': {
        const call = message.toolCall;
        if (call?.id) {
          announced.add(call.id);
          wire.push({ role: 'assistant', content: message.content || null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args) } }] });
        } else {
          wire.push({ role: 'assistant', content: message.content });
        }
        break;
      }
      case 'tool':
        // Servers reject a tool result whose call is not in the history (the brain trims long calls).
        if (announced.has(message.toolCallId)) wire.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.content });
        break;
    }
  }
  return wire;
}

// OpenAI's strict mode rejects schemas using keywords outside its subset; string
// length limits are among them. parseToolCall still enforces them with zod.
const UNSUPPORTED_IN_STRICT = new Set(['minLength', 'maxLength']);

/** The shared JSON Schema without keywords strict mode refuses. */
export function strictParameters(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictParameters);
  if (!isRecord(schema)) return schema;
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !UNSUPPORTED_IN_STRICT.has(key)).map(([key, value]) => [
    key,
    // Under "properties" the keys are argument names, not keywords.
    key === 'properties' && isRecord(value) ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strictParameters(sub)])) : strictParameters(value),
  ]));
}

/** The request body, tools as strict functions from the shared JSON Schemas. */
export function toRequestBody(model: string, request: ChatRequest): Record<string, unknown> {
  return {
    model,
    stream: true,
    messages: toWireMessages(request.system, request.messages),
    tools: request.tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: strictParameters(tool.parameters), strict: true } })),
    tool_choice: request.toolChoice,
    parallel_tool_calls: false,
  };
}

interface PartialCall {
  id: string;
  name: string;
  arguments: string;
}

export class OpenAiCompatibleModel implements LanguageModel {
  readonly engine = 'openai';
  private readonly url: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatChunk> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    // The caller's abort surfaces as its own reason; only our timer becomes a timeout error.
    const failure = (err: unknown): unknown => {
      if (request.signal?.aborted) return request.signal.reason;
      if (timeout.aborted) return new OpenAiError('timeout', `no complete answer within ${this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`, undefined, { cause: err });
      return err;
    };

    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify(toRequestBody(this.options.model, request)),
        signal,
      });
    } catch (err) {
      const reason = failure(err);
      throw reason === err ? new OpenAiError('network', `cannot reach ${this.url}: ${String(err)}`, undefined, { cause: err }) : reason;
    }
    if (!response.ok) throw await httpError(response);
    if (!response.body) throw new OpenAiError('stream', 'response has no body', response.status);

    const calls = new Map<number, PartialCall>();
    let finish: string | undefined;
    let done = false;
    try {
      for await (const data of sseData(response.body)) {
        if (data.trim() === '[DONE]') {
          done = true;
          break;
        }
        let chunk: unknown;
        try {
          chunk = JSON.parse(data);
        } catch {
          throw new OpenAiError('stream', `malformed JSON in stream: ${data.slice(0, 200)}`, response.status);
        }
        if (!isRecord(chunk)) throw new OpenAiError('stream', 'stream chunk is not an object', response.status);
        // Some compatible servers report failures mid-stream as an error object.
        if (isRecord(chunk['error'])) throw new OpenAiError('stream', `server error in stream: ${String(chunk['error']['message'] ?? 'unknown')}`, response.status);
        const choice = Array.isArray(chunk['choices']) ? (chunk['choices'][0] as unknown) : undefined;
        // Usage-only chunks have no choices.
        if (!isRecord(choice)) continue;
        const delta = isRecord(choice['delta']) ? choice['delta'] : {};
        if (typeof delta['content'] === 'string' && delta['content']) yield { type: 'text', delta: delta['content'] };
        if (Array.isArray(delta['tool_calls'])) {
          delta['tool_calls'].forEach((fragment: unknown, position: number) => {
            if (!isRecord(fragment)) return;
            // Fragments of one call share an index; a server that omits it sends each call whole.
            const index = typeof fragment['index'] === 'number' ? fragment['index'] : calls.size + position;
            const call = calls.get(index) ?? { id: '', name: '', arguments: '' };
            calls.set(index, call);
            if (typeof fragment['id'] === 'string' && fragment['id']) call.id = fragment['id'];
            const fn = isRecord(fragment['function']) ? fragment['function'] : {};
            if (typeof fn['name'] === 'string') call.name += fn['name'];
            if (typeof fn['arguments'] === 'string') call.arguments += fn['arguments'];
            // A few servers send arguments already parsed.
            else if (isRecord(fn['arguments'])) call.arguments = JSON.stringify(fn['arguments']);
          });
        }
        if (typeof choice['finish_reason'] === 'string') finish = choice['finish_reason'];
      }
    } catch (err) {
      throw failure(err);
    }

    if (!done && finish === undefined) throw failure(new OpenAiError('stream', 'stream ended before the answer was complete', response.status));
    // "length" means the arguments were cut off; "content_filter" that the answer was withheld.
    if (finish === 'length' || finish === 'content_filter') throw new OpenAiError('stream', `answer stopped early: finish_reason ${finish}`, response.status);
    const ordered = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    const first = ordered[0];
    if (!first) throw new OpenAiError('no_tool_call', `the model called no tool (finish_reason ${finish ?? 'none'})`, response.status);
    if (ordered.length > 1) this.options.onWarning?.('engine made several tool calls; using the first', { tools: ordered.map((call) => call.name) });
    // Throws ToolCallError on unknown tool, non-JSON or schema-violating arguments.
    yield { type: 'tool_call', call: parseToolCall(first.name, first.arguments, first.id || `call_${crypto.randomUUID()}`) };
  }
}

async function httpError(response: Response): Promise<OpenAiError> {
  let detail = '';
  try {
    const text = (await response.text()).slice(0, 2000);
    detail = text;
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed) && isRecord(parsed['error']) && typeof parsed['error']['message'] === 'string') detail = parsed['error']['message'];
  } catch {
    // Not JSON: keep the raw text.
  }
  const what = response.status === 401 || response.status === 403 ? 'rejected the API key' : response.status === 429 ? 'is rate limiting' : response.status >= 500 ? 'failed' : 'refused the request';
  return new OpenAiError('http', `server ${what} (HTTP ${response.status})${detail ? `: ${detail}` : ''}`, response.status);
}
