import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { collectChat, type ChatMessage, type ChatRequest } from '../port';
import { TOOLS, ToolCallError } from '../tools';
import { OpenAiCompatibleModel, OpenAiError } from './openai-model';

/** What the fake server does with one request. */
type Script = (res: ServerResponse) => void | Promise<void>;

interface Received {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

const servers: Array<{ close(): void; closeAllConnections(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A local chat-completions server on 127.0.0.1:0 answering each request with the next script. */
async function fakeOpenAi(...scripts: Script[]) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (part: Buffer) => (raw += part.toString()));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(raw) as Record<string, unknown> });
      const script = scripts.shift() ?? ((r: ServerResponse) => void r.writeHead(500).end());
      void script(res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, received };
}

/** OpenAI's streaming wire format: one `data:` event per chunk, then `data: [DONE]`. */
function sse(chunks: readonly unknown[], { done = true } = {}): Script {
  return (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const chunk of chunks) res.write(`data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`);
    if (done) res.write('data: [DONE]\n\n');
    res.end();
  };
}

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1764604800, model: 'gpt-4o-mini' };
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
const toolStart = (index: number, id: string, name: string) => chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }] });
const toolArgs = (index: number, fragment: string) => chunk({ tool_calls: [{ index, function: { arguments: fragment } }] });

/** A streamed tool call with its JSON arguments split at awkward places. */
function streamedCall(name: string, args: unknown, index = 0, id = `call_${index}`) {
  const json = JSON.stringify(args);
  const cut = [...new Set([0, 3, 11, Math.floor(json.length / 2), json.length].map((at) => Math.min(at, json.length)))].sort((a, b) => a - b);
  return [toolStart(index, id, name), ...cut.slice(1).map((end, i) => toolArgs(index, json.slice(cut[i], end)))];
}

const request = (messages: ChatMessage[] = [{ role: 'user', content: 'how much is a cleaning' }], signal?: AbortSignal): ChatRequest => ({
  system: 'You answer the phone.', messages, tools: TOOLS, toolChoice: 'required', ...(signal ? { signal } : {}),
});

const answerArgs = { question: 'price of a cleaning', fact_ids: ['service:cleaning'] };

describe('OpenAiCompatibleModel', () => {
  it('assembles a tool call streamed in fragments', async () => {
    const server = await fakeOpenAi(sse([chunk({ role: 'assistant', content: null }), ...streamedCall('answer_from_knowledge', answerArgs, 0, 'call_abc'), chunk({}, 'tool_calls')]));
    const model = new OpenAiCompatibleModel({ baseUrl: server.baseUrl, model: 'gpt-4o-mini' });
    const chunks = [];
    for await (const c of model.chat(request())) chunks.push(c);
    expect(chunks).toEqual([{ type: 'tool_call', call: { id: 'call_abc', name: 'answer_from_knowledge', args: answerArgs } }]);
    expect(model.engine).toBe('openai');
  });

  it('streams text deltas before the tool call', async () => {
    const server = await fakeOpenAi(sse([
      chunk({ role: 'assistant', content: '' }), chunk({ content: 'A cleaning ' }), chunk({ content: 'is $120.' }),
      ...streamedCall('answer_from_knowledge', answerArgs), chunk({}, 'tool_calls'),
      // A usage-only chunk, as sent with stream_options.include_usage.
      { ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } },
    ]));
    const model = new OpenAiCompatibleModel({ baseUrl: server.baseUrl, model: 'm' });
    const seen: string[] = [];
    for await (const c of model.chat(request())) seen.push(c.type === 'text' ? c.delta : `tool:${c.call.name}`);
    expect(seen).toEqual(['A cleaning ', 'is $120.', 'tool:answer_from_knowledge']);
  });

  it('sends the model, strict tools, required tool choice, bearer key and the mapped history', async () => {
    const server = await fakeOpenAi(sse([...streamedCall('end_call', { reason: 'caller said goodbye' }), chunk({}, 'tool_calls')]));
    const model = new OpenAiCompatibleModel({ baseUrl: `${server.baseUrl}/`, model: 'gpt-4o-mini', apiKey: 'sk-test' });
    const history: ChatMessage[] = [
      { role: 'assistant', content: 'Thank you for calling.' },
      { role: 'user', content: 'book a cleaning' },
      { role: 'assistant', content: 'What day?', toolCall: { id: 'call_1', name: 'book_appointment', args: { service: 'cleaning', date: null, time: null, caller_name: null, confirm: false } } },
      { role: 'tool', toolCallId: 'call_1', name: 'book_appointment', content: '{"status":"needs","missing":["date","time"]}' },
      // Its assistant message was trimmed away: must not be sent.
      { role: 'tool', toolCallId: 'call_gone', name: 'end_call', content: '{}' },
      { role: 'user', content: 'bye' },
    ];
    await collectChat(model.chat(request(history)));

    const [sent] = server.received;
    expect(sent?.url).toBe('/v1/chat/completions');
    expect(sent?.headers['authorization']).toBe('Bearer sk-test');
    expect(sent?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, tool_choice: 'required', parallel_tool_calls: false });
    const tools = sent?.body['tools'] as Array<{ type: string; function: { name: string; strict: boolean; parameters: Record<string, unknown> } }>;
    expect(tools.map((t) => t.function.name)).toEqual(['answer_from_knowledge', 'book_appointment', 'transfer_to_human', 'end_call']);
    for (const tool of tools) {
      expect(tool).toMatchObject({ type: 'function', function: { strict: true, parameters: { type: 'object', additionalProperties: false } } });
      const params = tool.function.parameters as { properties: Record<string, unknown>; required: string[] };
      expect([...params.required].sort()).toEqual(Object.keys(params.properties).sort());
    }
    // Outside strict mode's subset; zod still checks lengths on the way back.
    expect(JSON.stringify(tools)).not.toMatch(/minLength|maxLength/);
    expect(JSON.stringify(tools)).toContain('"pattern"');
    expect(sent?.body['messages']).toEqual([
      { role: 'system', content: 'You answer the phone.' },
      { role: 'assistant', content: 'Thank you for calling.' },
      { role: 'user', content: 'book a cleaning' },
      { role: 'assistant', content: 'What day?', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'book_appointment', arguments: '{"service":"cleaning","date":null,"time":null,"caller_name":null,"confirm":false}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"status":"needs","missing":["date","time"]}' },
      { role: 'user', content: 'bye' },
    ]);
  });

  it('sends no authorization header without a key', async () => {
    const server = await fakeOpenAi(sse([...streamedCall('end_call', { reason: 'done' }), chunk({}, 'tool_calls')]));
    await collectChat(new OpenAiCompatibleModel({ baseUrl: server.baseUrl, model: 'm' }).chat(request()));
    expect(server.received[0]?.headers['authorization']).toBeUndefined();
  });

  it('keeps the first of several tool calls and warns', async () => {
    const server = await fakeOpenAi(sse([...streamedCall('end_call', { reason: 'bye' }, 0), ...streamedCall('transfer_to_human', { reason: 'caller asked', target: null }, 1), chunk({}, 'tool_calls')]));
    const warnings: unknown[] = [];
    const model = new OpenAiCompatibleModel({ baseUrl: server.baseUrl, model: 'm', onWarning: (message, detail) => warnings.push({ message, detail }) });
    const { call } = await collectChat(model.chat(request()));
    expect(call?.name).toBe('end_call');
    expect(warnings).toEqual([{ message: expect.stringContaining('several tool calls'), detail: { tools: ['end_call', 'transfer_to_human'] } }]);
  });

  it('handles CRLF line ends, comments and events split across network writes', async () => {
    const body = [': keep-alive', ...[...streamedCall('end_call', { reason: 'bye' }), chunk({}, 'tool_calls')].map((c) => `data: ${JSON.stringify(c)}`), 'data: [DONE]'].join('\r\n\r\n') + '\r\n\r\n';
    const server = await fakeOpenAi(async (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < body.length; i += 7) {
        res.write(body.slice(i, i + 7));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const { call } = await collectChat(new OpenAiCompatibleModel({ baseUrl: server.baseUrl, model: 'm' }).chat(request()));
    expect(call).toEqual({ id: 'call_0', name: 'end_call', args: { reason: 'bye' } });
  });

  it.each([
    [401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }, false],
    [429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, true],
    [500, { error: { message: 'The server had an error', type: 'server_error' } }, true],
  ])('turns HTTP %i into an OpenAiError with the status', async (status, body, retryable) => {
    const server = await fakeOpenAi((res) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
    const error = await collectChat(new OpenAiCompatibleModel({ baseUrl: server.baseUrl, model: 'm' }).chat(request())).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAiError);
    expect(error).toMatchObject({ kind: 'http', status, retryable, message: expect.stringContaining(body.error.message) });
  });

  it.each([
    ['arguments that are not JSON', [toolStart(0, 'call_1', 'end_call'), toolArgs(0, '{"reason": "bye"'), chunk({}, 'tool_calls')], /not JSON/],
    ['arguments that break the schema', [...streamedCall('book_appointment', { service: 'cleaning', date: 'tomorrow', time: null, caller_name: null, confirm: false }), chunk({}, 'tool_calls')], /book_appointment/],
    ['an unknown tool', [...streamedCall('refund_money', { amount: 5 }), chunk({}, 'tool_calls')], /unknown tool/],
  ])('rejects %s with ToolCallError', async (_label, chunks, message) => {
    const server = await fakeOpenAi(sse(chunks));
    await expect(collectChat(new OpenAiCompatibleModel({ baseUrl: server.baseUrl, model: 'm' }).chat(request()))).rejects.toThrow(expect.objectContaining({ name: 'ToolCallError', message: expect.stringMatching(message) }));
    expect(ToolCallError).toBeDefined();
  });

  it.each([
    ['no tool call', [chunk({ content: 'Sure!' }), chunk({}, 'stop')], { kind: 'no_tool_call' }],
    ['malformed JSON in the stream', ['{"choices": [', chunk({}, 'stop')], { kind: 'stream', status: 200 }],
    ['an answer cut off by the token limit', [toolStart(0, 'c', 'end_call'), toolArgs(0, '{"rea'), chunk({}, 'length')], { kind: 'stream', message: expect.stringContaining('length') }],
    ['a stream that ends without finishing', [toolStart(0, 'c', 'end_call')], { kind: 'stream', message: expect.stringContaining('ended') }],
    ['an error object mid-stream', [{ error: { message: 'model overloaded' } }], { kind: 'stream', message: expect.stringContaining('model overloaded') }],
  ])('fails with OpenAiError on %s', async (label, chunks, expected) => {
    const server = await fakeOpenAi(sse(chunks, { done: !label.includes('without finishing') }));
    const error = await collectChat(new OpenAiCompatibleModel({ baseUrl: server.baseUrl, model: 'm' }).chat(request())).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAiError);
    expect(error).toMatchObject(expected);
  });

  it('stops when the caller aborts, with the abort reason', async () => {
    const server = await fakeOpenAi((res) => {
      // Starts streaming, then stalls like a slow model.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk({ content: 'Let me check' }))}\n\n`);
    });
    const controller = new AbortController();
    const model = new OpenAiCompatibleModel({ baseUrl: server.baseUrl, model: 'm' });
    const seen: string[] = [];
    const run = (async () => {
      for await (const c of model.chat(request(undefined, controller.signal))) {
        if (c.type === 'text') seen.push(c.delta);
        controller.abort(new Error('caller barged in'));
      }
    })();
    await expect(run).rejects.toThrow('caller barged in');
    expect(seen).toEqual(['Let me check']);
  });

  it('gives up after the timeout with a timeout error', async () => {
    const server = await fakeOpenAi((res) => void res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': thinking\n\n'));
    const error = await collectChat(new OpenAiCompatibleModel({ baseUrl: server.baseUrl, model: 'm', timeoutMs: 100 }).chat(request())).catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'OpenAiError', kind: 'timeout', retryable: true });
  });

  it('reports an unreachable server as a network error', async () => {
    const error = await collectChat(new OpenAiCompatibleModel({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm' }).chat(request())).catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'OpenAiError', kind: 'network' });
  });
});
