import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/** Deepgram refuses a Speak message (or REST body) with more text than this. */
export const DEEPGRAM_SPEAK_MAX_CHARS = 2000;

const SAMPLE_RATES = new Set([8000, 16000, 24000, 32000, 44100, 48000]);

/**
 * Deepgram answers Flushes past 20 in 60 s on one connection with this
 * Warning and keeps the connection (developers.deepgram.com/docs/tts-ws-flush).
 * The fields are those the service sends (warn_code/warn_msg, as the Python
 * SDK's fix for this warning records), not the v5 spec's code/description.
 */
export const DEEPGRAM_FLUSH_LIMIT_WARNING = {
  type: 'Warning',
  warn_code: 'EXCESSIVE_FLUSH',
  warn_msg: 'Rate limit exceeded for flushes. Please try again later.',
} as const;

/** Sizes of the binary frames audio is sent in, in turn: odd, so samples are split across frames. */
const CHUNK_BYTES = [1001, 333, 77, 4097, 15];

/** Samples the server makes for `text`: longer text, longer audio (rarely a whole number of 20 ms frames). */
export function deepgramSpeakSamples(text: string, sampleRateHz: number): number {
  return Math.round(sampleRateHz * (0.06 + 0.0041 * text.length));
}

/** The audio the server answers for `text`: a tone whose pitch depends on the text, linear16 little-endian mono. */
export function deepgramSpeakAudio(text: string, sampleRateHz: number): Uint8Array {
  let hash = 0;
  for (const c of text) hash = (hash * 31 + (c.codePointAt(0) ?? 0)) >>> 0;
  const hz = 300 + (hash % 500);
  const samples = new Int16Array(deepgramSpeakSamples(text, sampleRateHz));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / sampleRateHz));
  return new Uint8Array(samples.buffer);
}

/**
 * What the server does at the next Flush instead of answering it:
 * `warning` / `error`: a Warning or Error message in the v5 spec's fields
 * (code, description; an Error is followed by a 1011 close); `close`: a
 * close frame; `drop`: sends `afterBytes` of the audio (default 0), then
 * ends the TCP connection with no close frame; `stall`: nothing at all.
 */
export type DeepgramSpeakFault =
  | { readonly kind: 'warning' | 'error'; readonly code?: string; readonly description?: string }
  | { readonly kind: 'close'; readonly code: number; readonly reason?: string }
  | { readonly kind: 'drop'; readonly afterBytes?: number }
  | { readonly kind: 'stall' };

/** One POST /v1/speak, as the server saw it. */
export interface DeepgramSpeakRequest {
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export interface DeepgramSpeakServerOptions {
  /** The key clients must present as `Authorization: Token <key>`. Default `test-key`. */
  readonly apiKey?: string;
  /** Flushes a connection may send in any `windowMs`: Deepgram's 20 in 60 s by default (a shorter window for tests). */
  readonly flushLimit?: { readonly flushes?: number; readonly windowMs?: number };
}

/** One accepted `/v1/speak` WebSocket, as the server saw it. */
export class DeepgramSpeakConnection {
  readonly requestId = randomUUID();
  /** Every text message received, parsed (`{ type: 'invalid' }` when it was not JSON). */
  readonly messages: Record<string, unknown>[] = [];
  /** Set when the socket is closed, whoever closed it. */
  closeCode: number | undefined;
  /** Flushes refused with the flush-limit Warning. */
  refusedFlushes = 0;
  private text = '';
  private flushes = 0;
  /** When each Flush that was answered arrived (performance.now()), for the sliding limit. */
  private readonly flushTimes: number[] = [];
  /** Audio of the last Flush not sent yet (holdAudio), with its sequence id. */
  private held: { chunks: Uint8Array[]; sequenceId: number } | undefined;
  /** Clears not answered yet (holdCleared). */
  private clearsHeld = 0;

  constructor(
    private readonly socket: WebSocket,
    readonly query: URLSearchParams,
    readonly headers: IncomingHttpHeaders,
    private readonly server: DeepgramSpeakServer,
  ) {
    this.send({
      type: 'Metadata',
      request_id: this.requestId,
      model_name: query.get('model'),
      model_version: '2025-04-07.0',
      model_uuid: 'ecb76e9d-f2db-4127-8060-79b05590d22f',
      additional_model_uuids: [],
    });
  }

  get closed(): boolean {
    return this.closeCode !== undefined;
  }

  /** The `type` of each message received, in order. */
  get types(): string[] {
    return this.messages.map((m) => String(m['type']));
  }

  /** The text of each Speak received, in order. */
  get spoken(): string[] {
    return this.messages.filter((m) => m['type'] === 'Speak').map((m) => String(m['text']));
  }

  get sampleRateHz(): number {
    return Number(this.query.get('sample_rate') ?? 24000);
  }

  get holding(): boolean {
    return this.held !== undefined || this.clearsHeld > 0;
  }

  send(message: Record<string, unknown>): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** Ends the connection without a close frame (the client sees 1006). */
  drop(): void {
    this.socket.terminate();
  }

  /** Sends held audio and its Flushed, then the Cleared of held Clears. */
  release(): void {
    const held = this.held;
    this.held = undefined;
    if (held) {
      for (const chunk of held.chunks) this.sendAudio(chunk);
      this.send({ type: 'Flushed', sequence_id: held.sequenceId });
    }
    for (; this.clearsHeld > 0; this.clearsHeld--) this.send({ type: 'Cleared', sequence_id: this.flushes });
  }

  receive(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.send({ type: 'Warning', description: 'binary messages are not accepted on /v1/speak', code: 'INVALID_MESSAGE' });
      return;
    }
    const message = parse(data.toString());
    this.messages.push(message);
    switch (message['type']) {
      case 'Speak': {
        const text = message['text'];
        if (typeof text !== 'string' || text.length > DEEPGRAM_SPEAK_MAX_CHARS) {
          this.send({ type: 'Error', description: `Speak text must be a string of at most ${DEEPGRAM_SPEAK_MAX_CHARS} characters`, code: 'INVALID_INPUT' });
          this.socket.close(1008, 'DATA-0000');
          return;
        }
        this.text += text;
        return;
      }
      case 'Flush':
        return this.flush();
      case 'Clear':
        this.text = '';
        this.clearsHeld++;
        // Audio already on the wire when the Clear arrives still reaches the client, before Cleared.
        if (!this.server.holdCleared) this.release();
        return;
      case 'Close':
        if (this.text) this.speak(this.flushes++, false);
        this.socket.close(1000);
        return;
    }
  }

  private flush(): void {
    const { flushes, windowMs } = this.server.flushLimit;
    const now = performance.now();
    while (this.flushTimes.length > 0 && now - (this.flushTimes[0] ?? 0) >= windowMs) this.flushTimes.shift();
    if (this.flushTimes.length >= flushes) {
      // Refused, not answered: the connection stays and so does the buffered text.
      this.refusedFlushes++;
      this.send({ ...DEEPGRAM_FLUSH_LIMIT_WARNING });
      return;
    }
    this.flushTimes.push(now);
    const sequenceId = this.flushes++;
    const fault = this.server.faults.shift();
    if (!fault) return this.speak(sequenceId, this.server.holdAudio);
    this.text = '';
    if (fault.kind === 'warning') {
      this.send({ type: 'Warning', description: fault.description ?? 'something to know', code: fault.code ?? 'WARNING' });
    } else if (fault.kind === 'error') {
      this.send({ type: 'Error', description: fault.description ?? 'internal error', code: fault.code ?? 'INTERNAL_SERVER_ERROR' });
      this.socket.close(1011, 'NET-0001');
    } else if (fault.kind === 'close') {
      this.socket.close(fault.code, fault.reason);
    } else if (fault.kind === 'drop') {
      const audio = deepgramSpeakAudio(this.text || 'dropped', this.sampleRateHz);
      if (fault.afterBytes) this.sendAudio(audio.subarray(0, fault.afterBytes));
      this.drop();
    }
  }

  /** Synthesizes the buffered text and sends it in odd-sized binary frames, then Flushed (unless held). */
  private speak(sequenceId: number, hold: boolean): void {
    const chunks = chunked(deepgramSpeakAudio(this.text, this.sampleRateHz));
    this.text = '';
    if (!hold) {
      for (const chunk of chunks) this.sendAudio(chunk);
      this.send({ type: 'Flushed', sequence_id: sequenceId });
      return;
    }
    this.sendAudio(chunks.shift() ?? new Uint8Array(0));
    this.held = { chunks, sequenceId };
  }

  private sendAudio(chunk: Uint8Array): void {
    if (this.socket.readyState === this.socket.OPEN && chunk.byteLength > 0) this.socket.send(chunk, { binary: true });
  }
}

/** Audio cut the way the server sends it. */
function chunked(audio: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0, i = 0; at < audio.byteLength; i++) {
    const size = CHUNK_BYTES[i % CHUNK_BYTES.length] ?? 1001;
    chunks.push(audio.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function parse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { type: 'invalid' };
}

/** Why the query cannot be served, as Deepgram's 400 says it; undefined when it can. */
function queryProblem(query: URLSearchParams, rest: boolean): string | undefined {
  const model = query.get('model');
  if (model !== null && !/^aura-[a-z0-9-]+$/.test(model)) return `No such model: ${model}`;
  if (query.get('encoding') !== 'linear16') return 'this test server speaks encoding=linear16 only';
  const rate = Number(query.get('sample_rate'));
  if (!SAMPLE_RATES.has(rate)) return `Unsupported sample_rate ${query.get('sample_rate')} for linear16`;
  if (rest && query.get('container') !== 'none') return 'this test server answers container=none only';
  return undefined;
}

/**
 * A stand-in for Deepgram Aura text-to-speech on a free loopback port: the
 * `/v1/speak` WebSocket and the REST `POST /v1/speak`. Checks
 * `Authorization: Token <key>` (HTTP 401 otherwise) and the query (400 for an
 * unknown model, an encoding other than linear16 or an unsupported rate), and
 * records each connection's query and messages. On the socket: Metadata on
 * open; Speak text is buffered (over 2000 characters: an Error and a 1008
 * close); Flush answers the buffered text as deterministic audio
 * (deepgramSpeakAudio) in odd-sized binary frames, then
 * `Flushed {sequence_id}`; Clear answers `Cleared`; Close sends what is
 * buffered and closes with 1000. A Flush past `flushLimit` (20 in 60 s,
 * sliding) gets DEEPGRAM_FLUSH_LIMIT_WARNING instead of audio, and the
 * connection stays open. `holdAudio` keeps each Flush's audio after
 * its first frame until release() or a Clear (audio "already on the wire"
 * goes out before Cleared, with its Flushed, as can happen on the real
 * service); `holdCleared` keeps that, and the Cleared, until release();
 * `faults` replace the next Flushes' answers.
 */
export class DeepgramSpeakServer {
  readonly connections: DeepgramSpeakConnection[] = [];
  readonly requests: DeepgramSpeakRequest[] = [];
  /** Upgrade and REST requests refused, with the status. */
  readonly rejected: { readonly path: string; readonly status: number }[] = [];
  /** The key accepted now; change it to act out a revoked key. */
  apiKey: string;
  /** Flushes a connection may send in any `windowMs` (see DeepgramSpeakServerOptions). */
  readonly flushLimit: { readonly flushes: number; readonly windowMs: number };
  /** Answers for the next Flushes on any connection, in order, instead of audio. */
  readonly faults: DeepgramSpeakFault[] = [];
  /** Hold each Flush's audio after its first frame (see the class comment). */
  holdAudio = false;
  /** Answer a Clear (release held audio, then Cleared) only at release(). */
  holdCleared = false;
  /** The next REST request gets this HTTP error. */
  restFault: { readonly status: number; readonly body: Record<string, unknown> } | undefined;
  private readonly sockets = new WebSocketServer({ noServer: true });

  private constructor(
    private readonly http: Server,
    readonly port: number,
    options: DeepgramSpeakServerOptions,
  ) {
    this.apiKey = options.apiKey ?? 'test-key';
    this.flushLimit = { flushes: options.flushLimit?.flushes ?? 20, windowMs: options.flushLimit?.windowMs ?? 60_000 };
    http.on('request', (request: IncomingMessage, response: ServerResponse) => void this.rest(request, response));
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
  }

  static async start(options: DeepgramSpeakServerOptions = {}): Promise<DeepgramSpeakServer> {
    const http = createServer();
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', () => resolve());
    });
    const address = http.address();
    if (typeof address !== 'object' || !address) throw new Error('the Deepgram test server has no port');
    return new DeepgramSpeakServer(http, address.port, options);
  }

  /** The base URL a client is given (`DEEPGRAM_URL`). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get openConnections(): number {
    return this.connections.filter((c) => !c.closed).length;
  }

  /** The latest connection. */
  get last(): DeepgramSpeakConnection {
    const connection = this.connections.at(-1);
    if (!connection) throw new Error('no connection yet');
    return connection;
  }

  /** Sends every connection's held audio and Cleared. */
  release(): void {
    for (const connection of this.connections) connection.release();
  }

  /** Ends every open connection with no close frame. */
  dropAll(): void {
    for (const connection of this.connections) connection.drop();
  }

  async stop(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private refusal(path: string, headers: IncomingHttpHeaders, query: URLSearchParams, rest: boolean): { status: number; body: Record<string, unknown> } | undefined {
    const refuse = (status: number, body: Record<string, unknown>) => {
      this.rejected.push({ path, status });
      return { status, body: { ...body, request_id: randomUUID() } };
    };
    if (path !== '/v1/speak') return refuse(404, { err_code: 'NOT_FOUND', err_msg: `no route ${path}` });
    if (headers.authorization !== `Token ${this.apiKey}`) return refuse(401, { err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.' });
    const problem = queryProblem(query, rest);
    if (problem) return refuse(400, { err_code: 'Bad Request', err_msg: problem });
    return undefined;
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const refused = this.refusal(url.pathname, request.headers, url.searchParams, false);
    if (refused) {
      const text = JSON.stringify(refused.body);
      socket.end(`HTTP/1.1 ${refused.status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
      return;
    }
    this.sockets.handleUpgrade(request, socket, head, (ws) => {
      const connection = new DeepgramSpeakConnection(ws, url.searchParams, request.headers, this);
      this.connections.push(connection);
      ws.on('message', (data, isBinary) => connection.receive(data, isBinary));
      ws.on('close', (code) => {
        connection.closeCode = code;
      });
      ws.on('error', () => undefined);
    });
  }

  private async rest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const json = (status: number, body: Record<string, unknown>) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method !== 'POST') return void json(405, { err_code: 'METHOD_NOT_ALLOWED', err_msg: 'POST only' });
    const refused = this.refusal(url.pathname, request.headers, url.searchParams, true);
    if (refused) return void json(refused.status, refused.body);
    const body = parse(Buffer.concat(chunks).toString('utf8'));
    const text = body['text'];
    if (typeof text !== 'string' || text.length === 0 || text.length > DEEPGRAM_SPEAK_MAX_CHARS) {
      return void json(400, { err_code: 'INVALID_INPUT', err_msg: `text must be 1 to ${DEEPGRAM_SPEAK_MAX_CHARS} characters` });
    }
    this.requests.push({ query: url.searchParams, headers: request.headers, text });
    const fault = this.restFault;
    this.restFault = undefined;
    if (fault) return void json(fault.status, fault.body);
    const audio = deepgramSpeakAudio(text, Number(url.searchParams.get('sample_rate')));
    response.writeHead(200, { 'content-type': 'audio/l16', 'content-length': audio.byteLength });
    for (const chunk of chunked(audio)) response.write(chunk);
    response.end();
  }
}
