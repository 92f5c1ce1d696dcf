import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/** One word of a Deepgram result; times in seconds of stream audio. */
export interface DeepgramWord {
  readonly word: string;
  readonly start: number;
  readonly end: number;
  readonly confidence?: number;
}

export interface DeepgramResultsOptions {
  /** Seconds of stream audio where this result starts, and how long it covers. */
  readonly start: number;
  readonly duration: number;
  readonly words?: readonly DeepgramWord[];
  /** Default: the words joined by spaces. */
  readonly transcript?: string;
  readonly confidence?: number;
  readonly isFinal?: boolean;
  readonly speechFinal?: boolean;
  readonly fromFinalize?: boolean;
  readonly channel?: number;
  readonly channels?: number;
}

const modelInfo = { name: '2-general-nova', version: '2024-01-18.26916', arch: 'nova-3' };
const modelUuid = 'c0d1a568-ce81-4fea-97e7-bd45cb1fdf3c';

/** A `Results` message as Deepgram's live `/v1/listen` sends it. */
export function deepgramResults(options: DeepgramResultsOptions): Record<string, unknown> {
  const words = options.words ?? [];
  return {
    type: 'Results',
    channel_index: [options.channel ?? 0, options.channels ?? 1],
    duration: options.duration,
    start: options.start,
    is_final: options.isFinal ?? false,
    speech_final: options.speechFinal ?? false,
    from_finalize: options.fromFinalize ?? false,
    channel: {
      alternatives: [
        {
          transcript: options.transcript ?? words.map((w) => w.word).join(' '),
          confidence: options.confidence ?? (words.length > 0 ? 0.98 : 0),
          words: words.map((w) => ({ word: w.word, start: w.start, end: w.end, confidence: w.confidence ?? 0.98, punctuated_word: w.word })),
        },
      ],
    },
    metadata: { request_id: randomUUID(), model_info: modelInfo, model_uuid: modelUuid },
  };
}

/** `SpeechStarted` (sent with `vad_events=true`); `channel` is [channel, channels]. */
export function deepgramSpeechStarted(timestamp: number, channel = 0, channels = 1): Record<string, unknown> {
  return { type: 'SpeechStarted', channel: [channel, channels], timestamp };
}

/** `UtteranceEnd` (sent with `utterance_end_ms`): the gap after the last word was long enough. */
export function deepgramUtteranceEnd(lastWordEnd: number, channel = 0, channels = 1): Record<string, unknown> {
  return { type: 'UtteranceEnd', channel: [channel, channels], last_word_end: lastWordEnd };
}

/** How a scripted step ends the connection: a TCP drop with no close frame, or a close frame (e.g. 1011 NET-0001). */
export type DeepgramConnectionEnd = 'drop' | { readonly code: number; readonly reason?: string };

export interface DeepgramScriptStep {
  /** Fires once the connection has received at least this many bytes of audio (0: as soon as it opens). */
  readonly afterAudioBytes: number;
  readonly send?: readonly Record<string, unknown>[];
  /** After sending, end the connection this way. */
  readonly end?: DeepgramConnectionEnd;
}

export interface DeepgramListenServerOptions {
  /** The key clients must present as `Authorization: Token <key>`. Default `test-key`. */
  readonly apiKey?: string;
  /** What every connection hears, in order, as its audio arrives. */
  readonly script?: readonly DeepgramScriptStep[];
  /** Reply to `Finalize`. Default: one empty final result with `from_finalize: true` covering the audio not yet reported. */
  readonly onFinalize?: (connection: DeepgramListenConnection) => readonly Record<string, unknown>[];
  /** False: `CloseStream` is recorded but never answered (a server that hangs). Default true. */
  readonly answerCloseStream?: boolean;
}

/** One accepted `/v1/listen` WebSocket, as the server saw it. */
export class DeepgramListenConnection {
  readonly requestId = randomUUID();
  /** Binary audio bytes received. */
  audioBytes = 0;
  /** The `type` of every text message received, in order (`KeepAlive`, `Finalize`, `CloseStream`, or `invalid`). */
  readonly controlMessages: string[] = [];
  /** Set when the socket is closed, whoever closed it. */
  closeCode: number | undefined;
  private readonly audioHash = createHash('sha256');
  private nextStep = 0;
  /** End (seconds) of the audio the scripted results reported so far. */
  private reportedUntil = 0;

  constructor(
    private readonly socket: WebSocket,
    readonly path: string,
    readonly query: URLSearchParams,
    readonly headers: IncomingHttpHeaders,
    private readonly options: DeepgramListenServerOptions,
  ) {}

  get keepAlives(): number {
    return this.controlMessages.filter((type) => type === 'KeepAlive').length;
  }

  /** SHA-256 (hex) of the audio received so far, as Deepgram reports it in `Metadata`. */
  get audioSha256(): string {
    return this.audioHash.copy().digest('hex');
  }

  get closed(): boolean {
    return this.closeCode !== undefined;
  }

  /** Seconds of audio received, from the query's sample_rate and channels. */
  get audioSeconds(): number {
    const rate = Number(this.query.get('sample_rate') ?? 16_000);
    const channels = Number(this.query.get('channels') ?? 1);
    return this.audioBytes / (2 * rate * channels);
  }

  send(message: Record<string, unknown>): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (message['type'] === 'Results') this.reportedUntil = Math.max(this.reportedUntil, Number(message['start']) + Number(message['duration']));
    this.socket.send(JSON.stringify(message));
  }

  /** Ends the connection without a close frame (the client sees 1006). */
  drop(): void {
    this.socket.terminate();
  }

  close(code: number, reason = ''): void {
    this.socket.close(code, reason);
  }

  /** Called by the server for each frame. */
  receive(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.audioBytes += bytes.byteLength;
      this.audioHash.update(bytes);
      this.runScript();
      return;
    }
    const type = messageType(data.toString());
    this.controlMessages.push(type);
    if (type === 'Finalize') {
      const reply = this.options.onFinalize?.(this) ?? [
        deepgramResults({ start: this.reportedUntil, duration: Math.max(0, this.audioSeconds - this.reportedUntil), isFinal: true, fromFinalize: true }),
      ];
      for (const message of reply) this.send(message);
    } else if (type === 'CloseStream' && this.options.answerCloseStream !== false) {
      this.send({
        type: 'Metadata',
        transaction_key: 'deprecated',
        request_id: this.requestId,
        sha256: this.audioSha256,
        created: new Date().toISOString(),
        duration: this.audioSeconds,
        channels: Number(this.query.get('channels') ?? 1),
        models: [modelUuid],
        model_info: { [modelUuid]: modelInfo },
      });
      this.close(1000);
    }
  }

  runScript(): void {
    const script = this.options.script ?? [];
    for (let step = script[this.nextStep]; step && step.afterAudioBytes <= this.audioBytes; step = script[this.nextStep]) {
      this.nextStep += 1;
      for (const message of step.send ?? []) this.send(message);
      if (step.end === 'drop') this.drop();
      else if (step.end) this.close(step.end.code, step.end.reason);
      if (step.end) return;
    }
  }
}

function messageType(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    const type = typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
    return typeof type === 'string' ? type : 'invalid';
  } catch {
    return 'invalid';
  }
}

/**
 * A stand-in for Deepgram's live speech-to-text WebSocket (`/v1/listen`) on a
 * free loopback port: checks `Authorization: Token <key>` (HTTP 401 otherwise,
 * as Deepgram does), records each connection's query string, counts the audio
 * and control messages it receives, and answers with Deepgram's JSON messages
 * from a script the test gives. `Finalize` gets a `from_finalize` result;
 * `CloseStream` gets the final `Metadata`, then a 1000 close.
 */
export class DeepgramListenServer {
  readonly connections: DeepgramListenConnection[] = [];
  /** Upgrade requests refused, with the reason. */
  readonly rejected: { readonly path: string; readonly status: number }[] = [];
  readonly apiKey: string;
  private readonly sockets = new WebSocketServer({ noServer: true });

  private constructor(
    private readonly http: Server,
    readonly port: number,
    private readonly options: DeepgramListenServerOptions,
  ) {
    this.apiKey = options.apiKey ?? 'test-key';
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
  }

  static async start(options: DeepgramListenServerOptions = {}): Promise<DeepgramListenServer> {
    const http = createServer((_, response) => response.writeHead(426).end('WebSocket only'));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', () => resolve());
    });
    const address = http.address();
    if (typeof address !== 'object' || !address) throw new Error('the Deepgram test server has no port');
    return new DeepgramListenServer(http, address.port, options);
  }

  /** The base URL a client is given (`DEEPGRAM_URL`). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The only accepted connection (fails if there is not exactly one). */
  get connection(): DeepgramListenConnection {
    const [only, ...others] = this.connections;
    if (!only || others.length > 0) throw new Error(`expected one connection, got ${this.connections.length}`);
    return only;
  }

  async stop(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const refuse = (status: number, body: Record<string, string>) => {
      this.rejected.push({ path: url.pathname, status });
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    };
    if (url.pathname !== '/v1/listen') return refuse(404, { err_code: 'NOT_FOUND', err_msg: `no route ${url.pathname}` });
    if (request.headers.authorization !== `Token ${this.apiKey}`) {
      return refuse(401, { err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.', request_id: randomUUID() });
    }
    this.sockets.handleUpgrade(request, socket, head, (ws) => {
      const connection = new DeepgramListenConnection(ws, url.pathname, url.searchParams, request.headers, this.options);
      this.connections.push(connection);
      ws.on('message', (data, isBinary) => connection.receive(data, isBinary));
      ws.on('close', (code) => {
        connection.closeCode = code;
      });
      ws.on('error', () => undefined);
      connection.runScript();
    });
  }
}
