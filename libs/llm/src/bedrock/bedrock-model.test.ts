import { BedrockServer, bedrockEvents as ev, type BedrockReply } from '@voiceagent/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { strictParameters } from '../openai/openai-model';
import { collectChat, type ChatMessage, type ChatRequest } from '../port';
import { TOOLS, ToolCallError } from '../tools';
import { BedrockError, BedrockLanguageModel, CALL_STARTED, DEFAULT_BEDROCK_MODEL_ID, type BedrockOptions } from './bedrock-model';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const CREDENTIALS = { accessKeyId: 'AKIDBEDROCKTEST', secretAccessKey: 'test-secret-key' };

/** A local Bedrock answering the given replies, and an engine pointed at it. */
async function setup(replies: BedrockReply[], options: Partial<BedrockOptions> = {}) {
  const server = await BedrockServer.start();
  server.reply(...replies);
  const model = new BedrockLanguageModel({ region: 'us-east-1', endpoint: server.endpoint, credentials: CREDENTIALS, maxAttempts: 1, ...options });
  cleanups.push(() => server.close(), () => model.close());
  return { server, model };
}

const request = (messages: ChatMessage[] = [{ role: 'user', content: 'how much is a cleaning' }], signal?: AbortSignal): ChatRequest => ({
  system: 'You answer the phone.', messages, tools: TOOLS, toolChoice: 'required', ...(signal ? { signal } : {}),
});

const answerArgs = { question: 'price of a cleaning', fact_ids: ['service:cleaning'] };
const bookArgs = { service: 'cleaning', date: '2025-12-02', time: '10:30', caller_name: 'Ana', confirm: false };

const failure = (model: BedrockLanguageModel, req = request()) => collectChat(model.chat(req)).then(() => undefined, (err: unknown) => err);

describe('BedrockLanguageModel', () => {
  it('sends the model, system prompt, strict tool specs, toolChoice any and small deterministic inference, signed with SigV4', async () => {
    const { server, model } = await setup([ev.toolTurn('tooluse_1', 'end_call', { reason: 'caller said goodbye' })], { modelId: 'anthropic.claude-haiku-4-5-20251001-v1:0', maxTokens: 300 });
    await collectChat(model.chat(request([{ role: 'user', content: 'bye' }])));

    const [sent] = server.requests;
    expect(sent?.modelId).toBe('anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(sent?.signedBy).toEqual({ accessKeyId: 'AKIDBEDROCKTEST', region: 'us-east-1', service: 'bedrock' });
    expect(sent?.body).toEqual({
      system: [{ text: 'You answer the phone.' }],
      messages: [{ role: 'user', content: [{ text: 'bye' }] }],
      toolConfig: {
        tools: TOOLS.map((tool) => ({ toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: strictParameters(tool.parameters) }, strict: true } })),
        toolChoice: { any: {} },
      },
      inferenceConfig: { maxTokens: 300, temperature: 0 },
    });
    const specs = (sent?.body['toolConfig'] as { tools: Array<{ toolSpec: { name: string; inputSchema: { json: { additionalProperties: boolean; required: string[]; properties: object } } } }> }).tools;
    expect(specs.map((t) => t.toolSpec.name)).toEqual(['answer_from_knowledge', 'book_appointment', 'transfer_to_human', 'end_call']);
    for (const { toolSpec } of specs) {
      expect(toolSpec.inputSchema.json.additionalProperties).toBe(false);
      expect([...toolSpec.inputSchema.json.required].sort()).toEqual(Object.keys(toolSpec.inputSchema.json.properties).sort());
    }
    expect(JSON.stringify(specs)).not.toMatch(/minLength|maxLength/);
    expect(model.engine).toBe('bedrock');
  });

  it('defaults to Claude Haiku 4.5 through the global inference profile', async () => {
    const { server, model } = await setup([ev.toolTurn('t', 'end_call', { reason: 'bye' })]);
    await collectChat(model.chat(request()));
    expect(server.requests[0]?.modelId).toBe(DEFAULT_BEDROCK_MODEL_ID);
    expect(DEFAULT_BEDROCK_MODEL_ID).toBe('global.anthropic.claude-haiku-4-5-20251001-v1:0');
  });

  it('maps the history: user first, roles alternating, toolUse blocks, tool results as a user message of toolResult blocks', async () => {
    const { server, model } = await setup([ev.toolTurn('t', 'end_call', { reason: 'bye' })]);
    const history: ChatMessage[] = [
      // Trimmed from a long call: its assistant message is gone, so it must not be sent.
      { role: 'tool', toolCallId: 'call_gone', name: 'end_call', content: '{}' },
      { role: 'assistant', content: 'Thank you for calling.' },
      { role: 'user', content: 'book a cleaning' },
      { role: 'user', content: 'tomorrow' },
      { role: 'assistant', content: 'What time?', toolCall: { id: 'local-1', name: 'book_appointment', args: { ...bookArgs, time: null } } },
      { role: 'tool', toolCallId: 'local-1', name: 'book_appointment', content: '{"status":"needs","missing":["time"]}' },
      { role: 'user', content: '10:30 please' },
      { role: 'assistant', content: '', toolCall: { id: 'fallback-turn:7', name: 'transfer_to_human', args: { reason: 'engine failed', target: null } } },
      { role: 'tool', toolCallId: 'fallback-turn:7', name: 'transfer_to_human', content: 'transferred' },
      // A blank caller turn carries nothing Bedrock would accept.
      { role: 'user', content: '  ' },
      { role: 'user', content: 'bye' },
    ];
    await collectChat(model.chat(request(history)));

    expect(server.requests[0]?.body['messages']).toEqual([
      { role: 'user', content: [{ text: CALL_STARTED }] },
      { role: 'assistant', content: [{ text: 'Thank you for calling.' }] },
      { role: 'user', content: [{ text: 'book a cleaning' }, { text: 'tomorrow' }] },
      { role: 'assistant', content: [{ text: 'What time?' }, { toolUse: { toolUseId: 'local-1', name: 'book_appointment', input: { ...bookArgs, time: null } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'local-1', content: [{ json: { status: 'needs', missing: ['time'] } }] } }, { text: '10:30 please' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'fallback-turn_7', name: 'transfer_to_human', input: { reason: 'engine failed', target: null } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'fallback-turn_7', content: [{ text: 'transferred' }] } }, { text: 'bye' }] },
    ]);
  });

  it('drops a tool call whose result is missing, keeping its words', async () => {
    const { server, model } = await setup([ev.toolTurn('t', 'end_call', { reason: 'bye' })]);
    await collectChat(model.chat(request([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello!', toolCall: { id: 'c1', name: 'answer_from_knowledge', args: answerArgs } },
      { role: 'user', content: 'bye' },
    ])));
    expect(server.requests[0]?.body['messages']).toEqual([
      { role: 'user', content: [{ text: 'hi' }] },
      { role: 'assistant', content: [{ text: 'Hello!' }] },
      { role: 'user', content: [{ text: 'bye' }] },
    ]);
  });

  it('assembles a tool input streamed as partial JSON over many deltas', async () => {
    const { model } = await setup([[ev.messageStart(), ...ev.toolUse(0, 'tooluse_abc', 'book_appointment', bookArgs, 9), ev.messageStop('tool_use'), ev.metadata()]]);
    const chunks = [];
    for await (const chunk of model.chat(request())) chunks.push(chunk);
    expect(chunks).toEqual([{ type: 'tool_call', call: { id: 'tooluse_abc', name: 'book_appointment', args: bookArgs } }]);
  });

  it('streams text deltas as they arrive, before the tool call', async () => {
    let firstTextSeen: () => void = () => undefined;
    const seenByCaller = new Promise<void>((resolve) => (firstTextSeen = resolve));
    const { model } = await setup([[
      ev.messageStart(), ev.text(0, 'A cleaning '),
      // The rest is held back until the caller has the first words: only streaming gets past here.
      { wait: () => seenByCaller },
      ev.text(0, 'is $120.'), ev.blockStop(0),
      ...ev.toolUse(1, 'tooluse_2', 'answer_from_knowledge', answerArgs), ev.messageStop('tool_use'), ev.metadata(),
    ]]);
    const seen: string[] = [];
    for await (const chunk of model.chat(request())) {
      seen.push(chunk.type === 'text' ? chunk.delta : `tool:${chunk.call.name}`);
      firstTextSeen();
    }
    expect(seen).toEqual(['A cleaning ', 'is $120.', 'tool:answer_from_knowledge']);
  });

  it('keeps the first of two tool calls and warns', async () => {
    const warnings: unknown[] = [];
    const { model } = await setup([[
      ev.messageStart(), ...ev.toolUse(0, 't1', 'end_call', { reason: 'bye' }), ...ev.toolUse(1, 't2', 'transfer_to_human', { reason: 'caller asked', target: null }),
      ev.messageStop('tool_use'), ev.metadata(),
    ]], { onWarning: (message, detail) => warnings.push({ message, detail }) });
    const { call } = await collectChat(model.chat(request()));
    expect(call).toEqual({ id: 't1', name: 'end_call', args: { reason: 'bye' } });
    expect(warnings).toEqual([{ message: expect.stringContaining('several tool calls'), detail: { tools: ['end_call', 'transfer_to_human'] } }]);
  });

  it.each([
    ['input that is not JSON', ev.toolUse(0, 't', 'end_call', '{"reason": "bye"'), /end_call: arguments are not JSON/],
    ['input that breaks the schema', ev.toolUse(0, 't', 'book_appointment', { ...bookArgs, date: 'tomorrow' }), /book_appointment: .*date/],
    ['input with an extra key', ev.toolUse(0, 't', 'end_call', { reason: 'bye', refund: 5 }), /end_call: .*refund/],
    ['an unknown tool', ev.toolUse(0, 't', 'refund_money', { amount: 5 }), /unknown tool "refund_money"/],
    ['a tool call with no input', [ev.toolStart(0, 't', 'end_call'), ev.blockStop(0)], /end_call: .*reason/],
  ])('rejects %s with ToolCallError', async (_label, block, message) => {
    const { model } = await setup([[ev.messageStart(), ...block, ev.messageStop('tool_use'), ev.metadata()]]);
    const error = await failure(model);
    expect(error).toBeInstanceOf(ToolCallError);
    expect(error).toMatchObject({ message: expect.stringMatching(message) });
  });

  it.each([
    ['only text (end_turn)', [ev.text(0, 'Sure, cleanings are great!'), ev.blockStop(0)], 'end_turn', 'no_tool_call'],
    ['nothing at all (tool_use)', [], 'tool_use', 'no_tool_call'],
    ['a tool input cut off (max_tokens)', [ev.toolStart(0, 't', 'end_call'), ev.toolInput(0, '{"rea'), ev.blockStop(0)], 'max_tokens', 'stopped'],
    ['a malformed tool call (malformed_tool_use)', [], 'malformed_tool_use', 'stopped'],
    ['malformed output (malformed_model_output)', [], 'malformed_model_output', 'stopped'],
    ['a guardrail (guardrail_intervened)', [ev.text(0, 'I cannot')], 'guardrail_intervened', 'stopped'],
    ['a content filter (content_filtered)', [], 'content_filtered', 'stopped'],
    ['a full context window (model_context_window_exceeded)', [], 'model_context_window_exceeded', 'stopped'],
  ])('fails on %s with BedrockError', async (_label, blocks, stopReason, kind) => {
    const { model } = await setup([[ev.messageStart(), ...blocks, ev.messageStop(stopReason), ev.metadata()]]);
    const error = await failure(model);
    expect(error).toBeInstanceOf(BedrockError);
    expect(error).toMatchObject({ kind, stopReason, retryable: false, message: expect.stringContaining(`stopReason ${stopReason}`) });
  });

  it('prefers the stop reason over the parse error of a cut-off tool input', async () => {
    const { model } = await setup([[ev.messageStart(), ev.toolStart(0, 't', 'end_call'), ev.toolInput(0, '{"rea'), ev.blockStop(0), ev.messageStop('max_tokens')]]);
    const error = await failure(model);
    expect(error).toMatchObject({ kind: 'stopped', message: expect.stringContaining('token limit') });
    expect((error as Error).cause).toBeInstanceOf(ToolCallError);
  });

  it.each([
    ['throttlingException', {}, 'throttled', true, 'ThrottlingException'],
    ['modelStreamErrorException', { originalStatusCode: 529, originalMessage: 'Overloaded' }, 'model', true, 'ModelStreamErrorException'],
    ['validationException', {}, 'rejected', false, 'ValidationException'],
    ['serviceUnavailableException', {}, 'unavailable', true, 'ServiceUnavailableException'],
    ['internalServerException', {}, 'internal', true, 'InternalServerException'],
  ])('turns a %s event mid-stream into a BedrockError', async (type, extra, kind, retryable, awsError) => {
    const { model } = await setup([[ev.messageStart(), ev.text(0, 'Let me'), ev.exception(type, `stream says ${type}`, extra)]]);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of model.chat(request())) if (chunk.type === 'text') seen.push(chunk.delta);
    })().then(() => undefined, (err: unknown) => err);
    expect(seen).toEqual(['Let me']);
    expect(error).toBeInstanceOf(BedrockError);
    expect(error).toMatchObject({ kind, retryable, awsError, message: expect.stringContaining(`stream says ${type}`) });
    if (type === 'modelStreamErrorException') expect((error as Error).message).toContain('the model said 529 Overloaded');
  });

  it.each([
    [403, 'AccessDeniedException', 'rejected', false],
    [404, 'ResourceNotFoundException', 'rejected', false],
    [400, 'ValidationException', 'rejected', false],
    [429, 'ThrottlingException', 'throttled', true],
    [503, 'ServiceUnavailableException', 'unavailable', true],
  ])('turns HTTP %i %s before the stream into a BedrockError', async (status, errorType, kind, retryable) => {
    const { model } = await setup([{ status, errorType, message: `the service says ${errorType}` }]);
    const error = await failure(model);
    expect(error).toBeInstanceOf(BedrockError);
    expect(error).toMatchObject({ kind, status, retryable, awsError: errorType, message: expect.stringContaining(`the service says ${errorType}`) });
  });

  it('retries a stream that failed to start once, by default', async () => {
    const server = await BedrockServer.start();
    server.reply({ status: 503, errorType: 'ServiceUnavailableException', message: 'busy' }, ev.toolTurn('t', 'end_call', { reason: 'bye' }));
    const model = new BedrockLanguageModel({ region: 'us-east-1', endpoint: server.endpoint, credentials: CREDENTIALS });
    cleanups.push(() => server.close(), () => model.close());
    const { call } = await collectChat(model.chat(request()));
    expect(call?.name).toBe('end_call');
    expect(server.requests).toHaveLength(2);
  });

  it('reports a connection dropped mid-answer as a network error', async () => {
    const { model } = await setup([[ev.messageStart(), ev.text(0, 'Goodbye'), ev.blockStop(0), ev.toolStart(1, 't', 'end_call'), ev.toolInput(1, '{"reason"'), { drop: true }]]);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of model.chat(request())) if (chunk.type === 'text') seen.push(chunk.delta);
    })().then(() => undefined, (err: unknown) => err);
    expect(seen).toEqual(['Goodbye']);
    expect(error).toMatchObject({ name: 'BedrockError', kind: 'network', retryable: true });
  });

  it('reports a stream that ends before messageStop', async () => {
    const { model } = await setup([[ev.messageStart(), ...ev.toolUse(0, 't', 'end_call', { reason: 'bye' })]]);
    const error = await failure(model);
    expect(error).toMatchObject({ name: 'BedrockError', kind: 'stream', message: expect.stringContaining('before messageStop') });
  });

  it('rejects tool input for a block that never started', async () => {
    const { model } = await setup([[ev.messageStart(), ev.toolInput(3, '{}'), ev.messageStop('tool_use')]]);
    expect(await failure(model)).toMatchObject({ name: 'BedrockError', kind: 'stream', message: expect.stringContaining('content block 3') });
  });

  it('keeps a complete answer when the stream fails after messageStop, with a warning', async () => {
    const warnings: string[] = [];
    const { model } = await setup([[ev.messageStart(), ...ev.toolUse(0, 't', 'end_call', { reason: 'bye' }), ev.messageStop('tool_use'), { drop: true }]], { onWarning: (message) => warnings.push(message) });
    const { call } = await collectChat(model.chat(request()));
    expect(call?.name).toBe('end_call');
    expect(warnings).toEqual([expect.stringContaining('after the answer was complete')]);
  });

  it('stops when the caller aborts, with the abort reason, and frees the connection', async () => {
    const { server, model } = await setup([[ev.messageStart(), ev.text(0, 'Let me check'), { wait: () => new Promise(() => undefined) }]]);
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const chunk of model.chat(request(undefined, controller.signal))) {
        if (chunk.type === 'text') seen.push(chunk.delta);
        controller.abort(new Error('caller barged in'));
      }
    })();
    await expect(run).rejects.toThrow('caller barged in');
    expect(seen).toEqual(['Let me check']);
    expect(server.requests).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const { server, model } = await setup([ev.toolTurn('t', 'end_call', { reason: 'bye' })]);
    const error = await failure(model, request(undefined, AbortSignal.abort(new Error('call ended'))));
    expect(error).toMatchObject({ message: 'call ended' });
    expect(server.requests).toHaveLength(0);
  });

  it('gives up after the timeout with a timeout error', async () => {
    const { model } = await setup([[ev.messageStart(), { wait: () => new Promise(() => undefined) }]], { timeoutMs: 150 });
    expect(await failure(model)).toMatchObject({ name: 'BedrockError', kind: 'timeout', retryable: true });
  });

  it('reuses one keep-alive connection across turns', async () => {
    const { server, model } = await setup([ev.toolTurn('t1', 'end_call', { reason: 'bye' }), ev.toolTurn('t2', 'end_call', { reason: 'bye' })]);
    await collectChat(model.chat(request()));
    await collectChat(model.chat(request()));
    const [first, second] = server.requests;
    expect(second?.remotePort).toBe(first?.remotePort);
  });

  it('reports an unreachable endpoint as a network error', async () => {
    const model = new BedrockLanguageModel({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials: CREDENTIALS, maxAttempts: 1 });
    cleanups.push(() => model.close());
    expect(await failure(model)).toMatchObject({ name: 'BedrockError', kind: 'network' });
  });

  it('refuses to start without a region', () => {
    expect(() => new BedrockLanguageModel({ region: '' })).toThrow(/AWS_REGION/);
  });
});
