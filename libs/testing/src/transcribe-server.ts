import type { IncomingHttpHeaders } from 'node:http2';
import { AwsEventStreamServer, type AwsEventStreamRequest } from './aws-event-stream-server';

/**
 * A local Amazon Transcribe streaming endpoint (`POST /stream-transcription`)
 * for `@aws-sdk/client-transcribe-streaming` with `endpoint: server.endpoint`.
 * It checks what the real service checks up front (a SigV4 Authorization
 * header, the `x-amzn-transcribe-*` settings), reads the signed AudioEvents,
 * and answers with TranscriptEvents following the test's script. Like the
 * service, it ends the response once the client ends its audio, and can time
 * out a stream that gets no audio.
 */

export interface TranscribeWord {
  readonly word: string;
  readonly startSec: number;
  readonly endSec: number;
  /** 0–1; default 0.9. */
  readonly confidence?: number;
  /** Punctuation written after the word (its own `punctuation` item), e.g. `.` */
  readonly punctuation?: string;
}

export interface TranscribeResultScript {
  readonly partial: boolean;
  readonly words: readonly TranscribeWord[];
  /** Partials and the final of one segment share it. Default `result-1`. */
  readonly resultId?: string;
  /** Sent as ChannelId `ch_<n>`. Default 0. */
  readonly channel?: number;
}

export type TranscribeStep = (
  | { readonly result: TranscribeResultScript }
  | { readonly exception: { readonly type: string; readonly message: string } }
  | { readonly drop: true }
  /** Stop answering: no more results, and no end when the audio ends (a hung service). */
  | { readonly stall: true }
) & {
  /** Wait until this much audio (ms at the stream's rate) has arrived, or the audio ends. */
  readonly afterAudioMs?: number;
  /** Wait until the client ends its audio (the service then flushes its last results). */
  readonly afterInputEnd?: boolean;
};

export interface TranscribeServerOptions {
  /** The steps for each stream, by its index (0 for the first request). Default: none (just read the audio). */
  readonly script?: (index: number) => readonly TranscribeStep[];
  /** Fail a stream that gets no audio for this long, as the service does after 15 s. Default: never. */
  readonly idleTimeoutMs?: number;
  /** Refuse a request before streaming, e.g. `{ status: 429, type: 'LimitExceededException', … }` (too many streams). */
  readonly refuse?: (index: number) => TranscribeRefusal | undefined;
}

/** An HTTP error answer instead of the event stream. */
export interface TranscribeRefusal {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** What the server saw of one request. */
export interface TranscribeSession {
  readonly index: number;
  readonly headers: IncomingHttpHeaders;
  /** An `x-amzn-transcribe-<name>` request header. */
  setting(name: string): string | undefined;
  /** Why the request was refused before streaming (HTTP 4xx), if it was. */
  readonly rejected: string | undefined;
  readonly audioEvents: number;
  readonly audioBytes: number;
  /** AudioEvents whose chunk was all zero bytes (silence). */
  readonly silentEvents: number;
  /** Input events that came without their `:chunk-signature` envelope. */
  readonly unsignedEvents: number;
  /** Audio received, in ms at the stream's sample rate and channel count. */
  readonly audioMs: number;
  /** The client sent its end frame (or ended the request body). */
  readonly inputEnded: boolean;
  /** The HTTP/2 stream has closed. */
  readonly closed: boolean;
  /** Every AudioEvent in order: where it starts in the session's audio, how long it is, whether it is all zeros. */
  readonly chunks: readonly { readonly atMs: number; readonly ms: number; readonly silent: boolean }[];
  /** Sends a result now (besides the script). */
  result(result: TranscribeResultScript): void;
  /** Sends an exception event now and ends the response. */
  exception(type: string, message: string): void;
  /** Drops the connection now. */
  drop(): void;
}

const mediaEncodings = ['pcm', 'ogg-opus', 'flac'];
const stabilities = ['high', 'medium', 'low'];

class Session implements TranscribeSession {
  rejected: string | undefined;
  audioEvents = 0;
  audioBytes = 0;
  silentEvents = 0;
  unsignedEvents = 0;
  inputEnded = false;
  closed = false;
  readonly chunks: { atMs: number; ms: number; silent: boolean }[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly index: number,
    private readonly request: AwsEventStreamRequest,
  ) {}

  get headers(): IncomingHttpHeaders {
    return this.request.headers;
  }

  result(result: TranscribeResultScript): void {
    this.request.emit('TranscriptEvent', transcriptEvent(result));
  }

  exception(type: string, message: string): void {
    this.request.exception(type, message);
  }

  drop(): void {
    this.request.drop();
  }

  setting(name: string): string | undefined {
    const value = this.headers[`x-amzn-transcribe-${name}`];
    return Array.isArray(value) ? value.join(',') : value;
  }

  get audioMs(): number {
    return this.msOf(this.audioBytes);
  }

  /** Audio ms in `bytes` at the stream's rate and channel count. */
  msOf(bytes: number): number {
    const rate = Number(this.setting('sample-rate'));
    const channels = this.setting('enable-channel-identification') === 'true' ? Number(this.setting('number-of-channels')) : 1;
    return (bytes / (2 * channels) / rate) * 1000;
  }

  /** Resolves once `ready()` is true (checked whenever audio arrives or ends). */
  until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!ready()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  changed(): void {
    for (const check of [...this.waiters]) check();
  }
}

export class TranscribeServer {
  private constructor(
    private readonly server: AwsEventStreamServer,
    private readonly service: TranscribeService,
  ) {}

  static async start(options: TranscribeServerOptions = {}): Promise<TranscribeServer> {
    const service = new TranscribeService(options);
    const server = await AwsEventStreamServer.start((request) => service.handle(request));
    return new TranscribeServer(server, service);
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  /** Every request so far, in order. */
  get sessions(): readonly TranscribeSession[] {
    return this.service.sessions;
  }

  /** Open HTTP/2 connections (the SDK opens one per stream). */
  get connections(): number {
    return this.server.connections;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** The service's behaviour, one request at a time. */
class TranscribeService {
  readonly sessions: Session[] = [];

  constructor(private readonly options: TranscribeServerOptions) {}

  handle(request: AwsEventStreamRequest): Promise<void> | undefined {
    const session = new Session(this.sessions.length, request);
    this.sessions.push(session);
    void request.closed.then(() => {
      session.closed = true;
      session.changed();
    });
    const refusal = refuse(request, session) ?? this.options.refuse?.(session.index);
    if (refusal) {
      session.rejected = `${refusal.type}: ${refusal.message}`;
      request.reject(refusal.status, refusal.type, refusal.message);
      return undefined;
    }
    return this.stream(request, session);
  }

  private async stream(request: AwsEventStreamRequest, session: Session): Promise<void> {
    let idle: NodeJS.Timeout | undefined;
    let timedOut = false;
    const idleTimeoutMs = this.options.idleTimeoutMs;
    const armIdle = () => {
      if (idleTimeoutMs === undefined) return;
      clearTimeout(idle);
      idle = setTimeout(() => {
        timedOut = true;
        request.exception('BadRequestException', `Your request timed out because no new audio was received for ${idleTimeoutMs / 1000} seconds.`);
      }, idleTimeoutMs);
    };
    armIdle();
    const reading = (async () => {
      for await (const event of request.events) {
        if (!event.signed) session.unsignedEvents += 1;
        if (event.eventType !== 'AudioEvent') continue;
        armIdle();
        const silent = event.body.every((byte) => byte === 0);
        session.chunks.push({ atMs: session.audioMs, ms: session.msOf(event.body.byteLength), silent });
        session.audioEvents += 1;
        session.audioBytes += event.body.byteLength;
        if (silent) session.silentEvents += 1;
        session.changed();
      }
      session.inputEnded = true;
      clearTimeout(idle);
      session.changed();
    })();

    try {
      for (const step of this.options.script?.(session.index) ?? []) {
        await session.until(() => session.inputEnded || session.closed || (!step.afterInputEnd && session.audioMs >= (step.afterAudioMs ?? 0)));
        if (session.closed || timedOut) return;
        if ('result' in step) session.result(step.result);
        else if ('exception' in step) return session.exception(step.exception.type, step.exception.message);
        else if ('drop' in step) return session.drop();
        else return await reading;
      }
      // Like the service: the results end when the audio does.
      await reading;
      if (!timedOut) request.end();
    } finally {
      clearTimeout(idle);
    }
  }
}

/** The service's up-front checks: a refusal, or nothing when the request may stream. */
function refuse(request: AwsEventStreamRequest, session: Session): TranscribeRefusal | undefined {
  const auth = request.headers.authorization;
  if (typeof auth !== 'string' || !/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/transcribe\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/.test(auth)) {
    return { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing or malformed SigV4 Authorization header.' };
  }
  const bad = (message: string) => ({ status: 400, type: 'BadRequestException', message });
  if (request.method !== 'POST' || request.path !== '/stream-transcription') return bad(`Unexpected ${request.method} ${request.path}.`);
  const language = session.setting('language-code');
  if (language === undefined ? session.setting('identify-language') !== 'true' : !/^[a-z]{2}-[A-Z]{2}$/.test(language)) {
    return bad(`1 validation error detected: Value '${language ?? ''}' at 'languageCode' failed to satisfy constraint: Member must satisfy enum value set`);
  }
  const rate = Number(session.setting('sample-rate'));
  if (!Number.isInteger(rate) || rate < 8000 || rate > 48000) return bad(`Sample rate ${session.setting('sample-rate')} is not between 8000 and 48000 Hz.`);
  const encoding = session.setting('media-encoding');
  if (!encoding || !mediaEncodings.includes(encoding)) return bad(`Media encoding ${encoding} is not supported.`);
  const stability = session.setting('partial-results-stability');
  if (stability !== undefined && (!stabilities.includes(stability) || session.setting('enable-partial-results-stabilization') !== 'true')) {
    return bad('Partial results stability needs enable-partial-results-stabilization and one of high, medium, low.');
  }
  if (session.setting('enable-channel-identification') === 'true' && session.setting('number-of-channels') !== '2') {
    return bad('Channel identification needs number-of-channels 2.');
  }
  return undefined;
}

/** A TranscriptEvent payload as the service sends it. */
export function transcriptEvent(result: TranscribeResultScript): unknown {
  const items = result.words.flatMap((w) => {
    const word = { StartTime: w.startSec, EndTime: w.endSec, Type: 'pronunciation', Content: w.word, Confidence: w.confidence ?? 0.9, Stable: !result.partial, VocabularyFilterMatch: false };
    if (!w.punctuation) return [word];
    return [word, { StartTime: w.endSec, EndTime: w.endSec, Type: 'punctuation', Content: w.punctuation, Confidence: 0, Stable: !result.partial, VocabularyFilterMatch: false }];
  });
  const transcript = result.words.map((w) => w.word + (w.punctuation ?? '')).join(' ');
  return {
    Transcript: {
      Results: [
        {
          ResultId: result.resultId ?? 'result-1',
          StartTime: result.words[0]?.startSec ?? 0,
          EndTime: result.words.at(-1)?.endSec ?? 0,
          IsPartial: result.partial,
          ChannelId: `ch_${result.channel ?? 0}`,
          Alternatives: [{ Transcript: transcript, Items: items }],
        },
      ],
    },
  };
}
