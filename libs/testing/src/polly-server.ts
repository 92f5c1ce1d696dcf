import { randomUUID } from 'node:crypto';
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { AwsEventStreamServer, type AwsEventStreamRequest } from './aws-event-stream-server';

/**
 * A local Amazon Polly for tests, reached through the SDK's `endpoint`
 * setting. HTTP/2 in cleartext, because @aws-sdk/client-polly sends every
 * request over NodeHttp2Handler; REST-JSON:
 * - SynthesizeSpeech: `POST /v1/speech` with a JSON body, answered with raw
 *   audio (`audio/pcm`, `x-amzn-RequestCharacters`) or a JSON error named by
 *   `x-amzn-ErrorType`.
 * - StartSpeechSynthesisStream: `POST /v1/synthesisStream`, settings in
 *   `x-amzn-*` headers, signed TextEvents / CloseStreamEvent in, AudioEvents
 *   and a closing StreamClosedEvent out (application/vnd.amazon.eventstream,
 *   via AwsEventStreamServer). Text is spoken on a forced flush or at close.
 * The audio is a deterministic tone whose length depends on the text (see
 * pollyTone), written in odd-sized pieces with pauses.
 */

/** Characters Polly accepts in one SynthesizeSpeech request. */
const MAX_TEXT_CHARS = 3000;
const OUTPUT_FORMATS = ['json', 'mp3', 'ogg_opus', 'ogg_vorbis', 'pcm', 'mulaw', 'alaw'];
const PCM_RATES = ['8000', '16000'];
const SIGV4 = /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/[\w-]+\/polly\/aws4_request, ?SignedHeaders=[\w:;-]+, ?Signature=[0-9a-f]{64}$/;
const SPEECH_PATH = '/v1/speech';
const STREAM_PATH = '/v1/synthesisStream';

/** Samples of the tone for `text`: 100 ms plus 12.3 ms per character, so lengths rarely fall on a 20 ms frame. */
export function pollyToneSamples(text: string, sampleRateHz: number): number {
  return Math.round(sampleRateHz * (0.1 + 0.0123 * text.length));
}

/** The audio the server answers for `text`: a 440 Hz tone, linear16 little-endian mono. */
export function pollyTone(text: string, sampleRateHz: number): Uint8Array {
  const samples = new Int16Array(pollyToneSamples(text, sampleRateHz));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / sampleRateHz));
  return new Uint8Array(samples.buffer);
}

export interface PollyRequest {
  readonly operation: 'SynthesizeSpeech' | 'StartSpeechSynthesisStream';
  readonly headers: IncomingHttpHeaders;
  /** SynthesizeSpeech: the JSON body. StartSpeechSynthesisStream: the `x-amzn-*` settings by their input names (Engine, VoiceId, …). */
  readonly input: Record<string, unknown>;
  /** StartSpeechSynthesisStream: the TextEvents' JSON bodies, in order. */
  readonly textEvents: Record<string, unknown>[];
  /** StartSpeechSynthesisStream: a CloseStreamEvent came. */
  closeEvent: boolean;
  /** Input events that came without their signed envelope. */
  unsignedEvents: number;
  /** Audio bytes written so far. */
  bytesSent: number;
  /** The whole answer was written. */
  completed: boolean;
  /** The client reset or closed the stream before the answer was complete. */
  aborted: boolean;
}

/** A service error to answer with, as Polly does: status, `x-amzn-ErrorType` and a JSON `message`. */
export interface PollyFault {
  readonly errorType: string;
  /** Default 400. */
  readonly status?: number;
  readonly message?: string;
  /** StartSpeechSynthesisStream only: the stream starts, and the error comes as an exception event once text has arrived. */
  readonly inStream?: boolean;
  /** More members of the error's JSON body (e.g. ServiceQuotaExceededException's quotaCode). */
  readonly fields?: Record<string, unknown>;
}

export interface PollyServerOptions {
  /** Bytes per write, taken in turn (odd on purpose: clients must join samples and frames). Default 331, 97, 1013, 577. */
  readonly chunkSizes?: readonly number[];
  /** Pause between writes. Default 2 ms. */
  readonly chunkIntervalMs?: number;
}

/** Where audio goes, for either operation. */
interface AudioSink {
  write(bytes: Uint8Array): void;
  readonly closed: () => boolean;
  /** Closes the connection: no end of stream, no HTTP/2 GOAWAY. */
  drop(): void;
}

export class PollyServer {
  readonly requests: PollyRequest[] = [];
  private server!: AwsEventStreamServer;
  private readonly faults: PollyFault[] = [];
  private drop: number | undefined;
  private holdAt: number | undefined;
  private readonly held = new Set<() => void>();
  private readonly chunkSizes: readonly number[];
  private readonly chunkIntervalMs: number;

  private constructor(options: PollyServerOptions) {
    this.chunkSizes = options.chunkSizes ?? [331, 97, 1013, 577];
    this.chunkIntervalMs = options.chunkIntervalMs ?? 2;
  }

  static async start(options: PollyServerOptions = {}): Promise<PollyServer> {
    const self = new PollyServer(options);
    self.server = await AwsEventStreamServer.start(
      (request) => self.synthesisStream(request),
      (stream, headers) => self.plain(stream, headers),
    );
    return self;
  }

  /** The SDK's `endpoint`. */
  get url(): string {
    return this.server.endpoint;
  }

  /** HTTP/2 connections open now (clients should release theirs on close). */
  get openConnections(): number {
    return this.server.connections;
  }

  /** The next `times` requests fail with this error. */
  failNext(fault: PollyFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /** The next answer's connection is closed (no end of stream, no HTTP/2 GOAWAY) after this many audio bytes. */
  dropNext(afterBytes: number): void {
    this.drop = afterBytes;
  }

  /** Every answer stops after this many audio bytes until release(). */
  holdAfter(bytes: number): void {
    this.holdAt = bytes;
  }

  release(): void {
    this.holdAt = undefined;
    for (const resume of this.held) resume();
    this.held.clear();
  }

  async close(): Promise<void> {
    this.release();
    await this.server.close();
  }

  /** SynthesizeSpeech (and anything that is not the event stream). */
  private plain(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean {
    if (headers[constants.HTTP2_HEADER_PATH] === STREAM_PATH) return false;
    stream.on('error', () => undefined); // a client that vanishes is part of the tests
    this.synthesizeSpeech(stream, headers).catch(() => stream.close(constants.NGHTTP2_INTERNAL_ERROR));
    return true;
  }

  private async synthesizeSpeech(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const body = await readBody(stream);
    const path = headers[constants.HTTP2_HEADER_PATH];
    if (headers[constants.HTTP2_HEADER_METHOD] !== 'POST' || path !== SPEECH_PATH) {
      return answerError(stream, { status: 404, errorType: 'UnknownOperationException', message: `no operation at ${String(path)}` });
    }
    const refused = checkSignature(headers);
    if (refused) return answerError(stream, refused);

    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return answerError(stream, { errorType: 'SerializationException', message: 'the body is not JSON' });
    }
    const request = this.record('SynthesizeSpeech', headers, input);
    stream.on('close', () => (request.aborted = !request.completed));

    const fault = this.faults.shift() ?? validateSpeech(input);
    if (fault) {
      request.completed = true;
      return answerError(stream, fault);
    }
    const text = String(input.Text);
    stream.respond({
      [constants.HTTP2_HEADER_STATUS]: 200,
      'content-type': 'audio/pcm',
      'x-amzn-requestcharacters': String(text.length),
      'x-amzn-requestid': randomUUID(),
    });
    const sink: AudioSink = { write: (bytes) => stream.write(bytes), closed: () => stream.closed, drop: () => stream.session?.destroy() };
    if (await this.sendAudio(sink, request, pollyTone(text, Number(input.SampleRate ?? '16000')))) {
      request.completed = true;
      stream.end();
    }
  }

  /** StartSpeechSynthesisStream. Refusals must come before the first await (see AwsEventStreamRequest.reject). */
  private async synthesisStream(events: AwsEventStreamRequest): Promise<void> {
    const { headers } = events;
    if (events.method !== 'POST' || events.path !== STREAM_PATH) return events.reject(404, 'UnknownOperationException', `no operation at ${events.path}`);
    const refused = checkSignature(headers);
    if (refused) return events.reject(refused.status ?? 403, refused.errorType, refused.message ?? refused.errorType);
    const setting = (name: string) => (typeof headers[`x-amzn-${name}`] === 'string' ? (headers[`x-amzn-${name}`] as string) : undefined);
    const input = { Engine: setting('engine'), VoiceId: setting('voiceid'), OutputFormat: setting('outputformat'), SampleRate: setting('samplerate'), LanguageCode: setting('languagecode') };
    const request = this.record('StartSpeechSynthesisStream', headers, input);
    let closed = false;
    void events.closed.then(() => {
      closed = true;
      request.aborted = !request.completed;
    });

    const fault = this.faults.shift();
    if (fault && !fault.inStream) {
      request.completed = true;
      return events.reject(fault.status ?? 400, fault.errorType, fault.message ?? fault.errorType);
    }
    const invalid = validateStream(input);
    if (invalid) {
      request.completed = true;
      return events.reject(400, invalid.errorType, invalid.message ?? invalid.errorType);
    }

    const rate = Number(input.SampleRate ?? '16000');
    const sink: AudioSink = { write: (bytes) => events.emit('AudioEvent', bytes), closed: () => closed, drop: () => events.drop() };
    let buffered = '';
    let characters = 0;
    for await (const event of events.events) {
      if (!event.signed) request.unsignedEvents++;
      if (event.eventType === 'TextEvent') {
        const text = JSON.parse(new TextDecoder().decode(event.body)) as Record<string, unknown>;
        request.textEvents.push(text);
        buffered += String(text.Text ?? '');
        characters += String(text.Text ?? '').length;
        if (fault) {
          request.completed = true;
          return events.exception(fault.errorType, { message: fault.message ?? fault.errorType, ...fault.fields });
        }
        const flush = text.FlushStreamConfiguration as { Force?: boolean } | undefined;
        if (flush?.Force && buffered.trim()) {
          if (!(await this.sendAudio(sink, request, pollyTone(buffered, rate)))) return;
          buffered = '';
        }
      } else if (event.eventType === 'CloseStreamEvent') {
        request.closeEvent = true;
        break;
      }
    }
    // At close (or when the input ends) the rest is spoken, then the stream closes.
    if (buffered.trim() && !(await this.sendAudio(sink, request, pollyTone(buffered, rate)))) return;
    if (sink.closed()) return;
    events.emit('StreamClosedEvent', { RequestCharacters: characters });
    request.completed = true;
    events.end();
  }

  private record(operation: PollyRequest['operation'], headers: IncomingHttpHeaders, input: Record<string, unknown>): PollyRequest {
    const request: PollyRequest = { operation, headers, input, textEvents: [], closeEvent: false, unsignedEvents: 0, bytesSent: 0, completed: false, aborted: false };
    this.requests.push(request);
    return request;
  }

  /** Writes the audio in odd pieces with pauses, honouring holdAfter and dropNext; false when the stream went away. */
  private async sendAudio(sink: AudioSink, request: PollyRequest, audio: Uint8Array): Promise<boolean> {
    const dropAt = this.drop === undefined ? undefined : request.bytesSent + this.drop;
    this.drop = undefined;
    const start = request.bytesSent;
    for (let turn = 0, sent = 0; sent < audio.byteLength; turn++) {
      if (sink.closed()) return false;
      const holdAt = this.holdAt === undefined ? undefined : start + this.holdAt;
      if (holdAt !== undefined && request.bytesSent >= holdAt) {
        await new Promise<void>((resume) => this.held.add(resume));
        continue;
      }
      if (dropAt !== undefined && request.bytesSent >= dropAt) {
        sink.drop();
        return false;
      }
      let end = Math.min(audio.byteLength, sent + (this.chunkSizes[turn % this.chunkSizes.length] ?? 512));
      if (holdAt !== undefined) end = Math.min(end, holdAt - start);
      if (dropAt !== undefined) end = Math.min(end, dropAt - start);
      sink.write(audio.subarray(sent, end));
      request.bytesSent += end - sent;
      sent = end;
      await new Promise((r) => setTimeout(r, this.chunkIntervalMs));
    }
    return !sink.closed();
  }
}

function checkSignature(headers: IncomingHttpHeaders): PollyFault | undefined {
  const authorization = headers.authorization;
  if (!authorization) return { status: 403, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  if (!SIGV4.test(authorization)) return { status: 403, errorType: 'IncompleteSignatureException', message: `not a SigV4 signature for polly: ${authorization}` };
  return undefined;
}

function validateSpeech(input: Record<string, unknown>): PollyFault | undefined {
  const { Text, VoiceId, OutputFormat, SampleRate, TextType } = input;
  if (typeof Text !== 'string' || typeof VoiceId !== 'string' || typeof OutputFormat !== 'string') {
    return { errorType: 'ValidationException', message: 'Text, VoiceId and OutputFormat are required' };
  }
  if (!OUTPUT_FORMATS.includes(OutputFormat)) return { errorType: 'ValidationException', message: `1 validation error detected: Value '${OutputFormat}' at 'outputFormat' failed to satisfy constraint` };
  if (OutputFormat !== 'pcm') return { errorType: 'ValidationException', message: `this test server makes pcm only, not ${OutputFormat}` };
  if (SampleRate !== undefined && !PCM_RATES.includes(String(SampleRate))) return { errorType: 'InvalidSampleRateException', message: `Invalid sample rate ${String(SampleRate)} for pcm` };
  if (TextType !== undefined && TextType !== 'text' && TextType !== 'ssml') return { errorType: 'ValidationException', message: `invalid TextType ${String(TextType)}` };
  if (Text.length > MAX_TEXT_CHARS) return { errorType: 'TextLengthExceededException', message: `Maximum text length has been exceeded (${Text.length} > ${MAX_TEXT_CHARS})` };
  return undefined;
}

function validateStream(input: Record<string, string | undefined>): PollyFault | undefined {
  if (!input.Engine || !input.VoiceId || !input.OutputFormat) return { errorType: 'ValidationException', message: 'x-amzn-Engine, x-amzn-VoiceId and x-amzn-OutputFormat are required' };
  if (input.Engine !== 'generative') return { errorType: 'ValidationException', message: `Currently, only the generative engine is supported (got ${input.Engine})` };
  if (input.OutputFormat !== 'pcm') return { errorType: 'ValidationException', message: `this test server makes pcm only, not ${input.OutputFormat}` };
  if (input.SampleRate !== undefined && !PCM_RATES.includes(input.SampleRate)) return { errorType: 'ValidationException', message: `Invalid sample rate ${input.SampleRate} for pcm` };
  return undefined;
}

function answerError(stream: ServerHttp2Stream, fault: PollyFault): void {
  if (stream.closed) return;
  stream.respond({
    [constants.HTTP2_HEADER_STATUS]: fault.status ?? 400,
    'content-type': 'application/json',
    'x-amzn-errortype': fault.errorType,
    'x-amzn-requestid': randomUUID(),
  });
  stream.end(JSON.stringify({ message: fault.message ?? fault.errorType }));
}

async function readBody(stream: ServerHttp2Stream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}
