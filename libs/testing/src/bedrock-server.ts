import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';

/**
 * A local Amazon Bedrock runtime for ConverseStream: POST
 * /model/{modelId}/converse-stream, answered with
 * `application/vnd.amazon.eventstream` messages framed by the SDK's own codec.
 * HTTP/1.1, as the Bedrock engine sends it (NodeHttpHandler with keep-alive;
 * for the SDK's HTTP/2 default see AwsEventStreamServer). Each request takes
 * the next scripted reply; the server records what it got.
 */

export interface BedrockRequest {
  /** Decoded from the path, e.g. global.anthropic.claude-haiku-4-5-20251001-v1:0. */
  readonly modelId: string;
  readonly headers: IncomingHttpHeaders;
  /** From the SigV4 Authorization header's credential scope. */
  readonly signedBy: { readonly accessKeyId: string; readonly region: string; readonly service: string };
  readonly body: Record<string, unknown>;
  /** The client's TCP port: equal across requests when the client reuses a keep-alive connection. */
  readonly remotePort: number;
}

/** One step of a streamed answer. */
export type BedrockStreamStep =
  /** An event message (`:message-type: event`), e.g. contentBlockDelta. */
  | { readonly event: string; readonly body: Record<string, unknown> }
  /** A modelled exception (`:message-type: exception`), e.g. throttlingException. */
  | { readonly exception: string; readonly body: Record<string, unknown> }
  /** Tears the TCP connection down here, mid-stream. */
  | { readonly drop: true }
  /** Holds the stream until the promise settles (a slow model; `new Promise(() => {})` stalls for good). */
  | { readonly wait: () => Promise<unknown> };

/** An error answered before any stream, as restJson1 does: status, `x-amzn-errortype`, JSON message. */
export interface BedrockHttpError {
  readonly status: number;
  readonly errorType: string;
  readonly message: string;
}

export type BedrockReply = readonly BedrockStreamStep[] | BedrockHttpError;

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const text = (value: string) => ({ type: 'string' as const, value });

/** Real Bedrock pads every event with a "p" field (against length side channels); the SDK must ignore it. */
const PADDING = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123';

function frame(step: Extract<BedrockStreamStep, { body: unknown }>): Uint8Array {
  const headers: MessageHeaders = 'event' in step
    ? { ':event-type': text(step.event), ':content-type': text('application/json'), ':message-type': text('event') }
    : { ':exception-type': text(step.exception), ':content-type': text('application/json'), ':message-type': text('exception') };
  const body = 'event' in step ? { ...step.body, p: PADDING.slice(0, 5 + (JSON.stringify(step.body).length % 40)) } : step.body;
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(body)) });
}

/** Splits text into `pieces` consecutive slices, cut mid-token on purpose. */
export function splitText(value: string, pieces: number): string[] {
  const size = Math.max(1, Math.ceil(value.length / pieces));
  const parts: string[] = [];
  for (let at = 0; at < value.length; at += size) parts.push(value.slice(at, at + size));
  return parts.length ? parts : [''];
}

/** Builders for the ConverseStream events, shaped as the service sends them. */
export const bedrockEvents = {
  messageStart: (): BedrockStreamStep => ({ event: 'messageStart', body: { role: 'assistant' } }),
  text: (index: number, delta: string): BedrockStreamStep => ({ event: 'contentBlockDelta', body: { contentBlockIndex: index, delta: { text: delta } } }),
  toolStart: (index: number, toolUseId: string, name: string): BedrockStreamStep => ({ event: 'contentBlockStart', body: { contentBlockIndex: index, start: { toolUse: { toolUseId, name } } } }),
  toolInput: (index: number, input: string): BedrockStreamStep => ({ event: 'contentBlockDelta', body: { contentBlockIndex: index, delta: { toolUse: { input } } } }),
  blockStop: (index: number): BedrockStreamStep => ({ event: 'contentBlockStop', body: { contentBlockIndex: index } }),
  /** A whole toolUse block, its JSON input streamed in `pieces` partial strings. */
  toolUse(index: number, toolUseId: string, name: string, input: unknown, pieces = 4): BedrockStreamStep[] {
    const json = typeof input === 'string' ? input : JSON.stringify(input);
    return [this.toolStart(index, toolUseId, name), ...splitText(json, pieces).map((part) => this.toolInput(index, part)), this.blockStop(index)];
  },
  messageStop: (stopReason: string): BedrockStreamStep => ({ event: 'messageStop', body: { stopReason } }),
  metadata: (usage = { inputTokens: 812, outputTokens: 41 }, latencyMs = 380): BedrockStreamStep => ({
    event: 'metadata', body: { usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens }, metrics: { latencyMs } },
  }),
  exception: (type: string, message: string, extra: Record<string, unknown> = {}): BedrockStreamStep => ({ exception: type, body: { message, ...extra } }),
  /** A complete answer that calls one tool. */
  toolTurn(toolUseId: string, name: string, input: unknown): BedrockStreamStep[] {
    return [this.messageStart(), ...this.toolUse(0, toolUseId, name, input), this.messageStop('tool_use'), this.metadata()];
  },
};

const SIGV4 = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]{64}$/;
const ROUTE = /^\/model\/([^/]+)\/converse-stream$/;

export class BedrockServer {
  /** Every well-formed, signed request, in arrival order. */
  readonly requests: BedrockRequest[] = [];
  private readonly replies: BedrockReply[] = [];

  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });

  /** Starts on a free loopback port. */
  static async start(): Promise<BedrockServer> {
    const self = new BedrockServer();
    await new Promise<void>((resolve) => self.server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  /** The client's `endpoint` setting. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues replies, one per coming request. Unscripted requests get an InternalServerException. */
  reply(...replies: BedrockReply[]): this {
    this.replies.push(...replies);
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, raw: string, res: ServerResponse): Promise<void> {
    const { method = '', url = '', headers } = req;
    const route = ROUTE.exec(url.split('?')[0] ?? '');
    if (method !== 'POST' || !route?.[1]) return void httpError(res, { status: 404, errorType: 'UnknownOperationException', message: `no operation at ${method} ${url}` });
    const auth = SIGV4.exec(headers.authorization ?? '');
    if (!auth || !headers['x-amz-date']) return void httpError(res, { status: 403, errorType: 'AccessDeniedException', message: 'Missing or malformed SigV4 Authorization header' });
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return void httpError(res, { status: 400, errorType: 'ValidationException', message: 'request body is not JSON' });
    }
    this.requests.push({
      modelId: decodeURIComponent(route[1]), headers,
      signedBy: { accessKeyId: auth[1] ?? '', region: auth[2] ?? '', service: auth[3] ?? '' },
      body: body as Record<string, unknown>,
      remotePort: req.socket.remotePort ?? 0,
    });
    const reply = this.replies.shift() ?? { status: 500, errorType: 'InternalServerException', message: 'no scripted reply left' };
    if (!Array.isArray(reply)) return void httpError(res, reply as BedrockHttpError);

    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': crypto.randomUUID() });
    for (const step of reply as readonly BedrockStreamStep[]) {
      if (res.destroyed) return;
      if ('drop' in step) return void res.socket?.destroy();
      if ('wait' in step) await step.wait().catch(() => undefined);
      // Waiting for each write to flush sends events apart, and lets a later drop cut after them.
      else await new Promise<void>((resolve) => res.write(frame(step), () => resolve()));
    }
    res.end();
  }
}

function httpError(res: ServerResponse, error: BedrockHttpError): void {
  res.writeHead(error.status, { 'content-type': 'application/json', 'x-amzn-errortype': error.errorType, 'x-amzn-requestid': crypto.randomUUID() });
  res.end(JSON.stringify({ message: error.message }));
}
