import { DeepgramClient, DeepgramError } from '@deepgram/sdk';
import { deepgramUrls, type DeepgramUrls } from '@voiceagent/config';
import { normalizeForSpeech } from '../../domain/normalize';
import { assertFrameRate, concatBytes } from '../../domain/pcm';
import { OpenStreams, SentenceSynthesisStream, synthesizeWhole, type StreamLimits } from '../../domain/sentence-stream';
import { isSpeakable } from '../../domain/sentence-segmenter';
import { TtsSetupError, TtsSynthesisError, type SynthesisOptions, type SynthesisStream, type TextToSpeech } from '../../ports/text-to-speech';
import { DEEPGRAM_FLUSH_LIMIT, SpeakConnectionLost, SpeakSocket, httpError, type FlushLimit } from './speak-socket';

export const DEFAULT_DEEPGRAM_VOICE = 'aura-2-thalia-en';

/** Deepgram refuses a Speak message, or a REST body, with more text than this. */
export const DEEPGRAM_MAX_CHARS = 2000;

/** The linear16 rates Aura produces (8000 on phone calls). */
const DEEPGRAM_RATES: ReadonlySet<number> = new Set([8000, 16000, 24000, 32000, 44100, 48000]);

export interface DeepgramTtsOptions {
  /** DEEPGRAM_API_KEY (sent as `Authorization: Token <key>`, never logged). */
  readonly apiKey: string;
  /** DEEPGRAM_URL, the REST base; the WebSocket uses its ws/wss form. Default https://api.deepgram.com. */
  readonly url?: string;
  /** Default Aura model (TTS_VOICE). Default aura-2-thalia-en. */
  readonly voice?: string;
  readonly limits?: StreamLimits;
  /** The handshake, a sentence or a REST request fails when Deepgram sends nothing for this long. Default 10 s. */
  readonly responseTimeoutMs?: number;
  /** Flushes a stream sends on one connection in any window before it moves to a fresh one. Default Deepgram's limit, 20 in 60 s. */
  readonly flushLimit?: FlushLimit;
}

/**
 * Deepgram Aura (DESIGN.md "Ports and engines"). stream(): one `/v1/speak`
 * WebSocket per stream (Deepgram's advice: one per conversation), opened
 * when the stream is made so the handshake is done before the first reply,
 * opened again lazily when it dropped in between, and replaced before
 * Deepgram's Flush limit (a Flush per sentence) would refuse a sentence.
 * SentenceSynthesisStream segments, frames, keeps order and applies
 * backpressure; SpeakSocket speaks one sentence at a time (Speak, Flush,
 * audio until Flushed; Clear on cancel).
 *
 * synthesize() (phrase caches) uses REST `POST /v1/speak` through the SDK,
 * a sentence per request: phrases are warmed in parallel at start-up, and
 * independent requests neither share one socket's order nor spend its Flush
 * allowance (Deepgram takes 20 Flushes per 60 s on a connection).
 */
export class DeepgramTextToSpeech implements TextToSpeech {
  readonly engine = 'deepgram';
  /** Aura's default output rate; any rate it offers is produced natively (no resampling here). */
  readonly sampleRateHz = 24000;
  readonly voice: string;
  private readonly urls: DeepgramUrls;
  private readonly responseTimeoutMs: number;
  private readonly rest: DeepgramClient;
  private readonly streams = new OpenStreams();
  private readonly sockets = new Set<SpeakSocket>();

  constructor(private readonly options: DeepgramTtsOptions) {
    if (!options.apiKey.trim()) throw new TtsSetupError('Deepgram text-to-speech needs an API key: set DEEPGRAM_API_KEY');
    try {
      this.urls = deepgramUrls(options.url ?? 'https://api.deepgram.com');
    } catch (error) {
      throw new TtsSetupError((error as Error).message);
    }
    this.voice = options.voice?.trim() || DEFAULT_DEEPGRAM_VOICE;
    this.responseTimeoutMs = options.responseTimeoutMs ?? 10_000;
    this.rest = new DeepgramClient({ apiKey: options.apiKey, baseUrl: this.urls.rest, timeoutInSeconds: Math.ceil(this.responseTimeoutMs / 1000) });
  }

  /** A checked engine: opens and closes one socket with the default voice, so a wrong key, voice or URL stops start-up. */
  static async create(options: DeepgramTtsOptions): Promise<DeepgramTextToSpeech> {
    const tts = new DeepgramTextToSpeech(options);
    const socket = tts.openSocket(tts.voice, tts.sampleRateHz);
    try {
      await socket.opened;
    } catch (error) {
      throw error instanceof TtsSetupError ? error : new TtsSetupError(`Deepgram text-to-speech is not reachable at ${tts.urls.socket}/v1/speak: ${(error as Error).message}`);
    } finally {
      await socket.close();
    }
    return tts;
  }

  /** WebSockets open (or opening) now, across streams. */
  get openConnections(): number {
    return this.sockets.size;
  }

  stream(options: SynthesisOptions): SynthesisStream {
    const rate = checkRate(options.sampleRateHz);
    const voice = options.voice?.trim() || this.voice;
    return this.streams.open((onClose) => new DeepgramSynthesisStream(new SpeakSession(() => this.openSocket(voice, rate)), rate, this.options.limits, onClose));
  }

  async synthesize(text: string, options: SynthesisOptions): Promise<Uint8Array> {
    const rate = checkRate(options.sampleRateHz);
    const model = options.voice?.trim() || this.voice;
    // Whole phrases go over REST (the phrase cache), not through a socket.
    return synthesizeWhole(
      this.streams.open((onClose) => new SentenceSynthesisStream((sentence, signal) => this.fetchSentence(sentence, model, rate, signal), rate, this.options.limits, onClose)),
      text,
    );
  }

  async close(): Promise<void> {
    if (await this.streams.closeAll()) await Promise.all([...this.sockets].map((s) => s.close()));
  }

  private openSocket(model: string, sampleRateHz: number): SpeakSocket {
    const url = new URL(`${this.urls.socket}/v1/speak`);
    url.search = new URLSearchParams({ model, encoding: 'linear16', sample_rate: String(sampleRateHz) }).toString();
    const socket = new SpeakSocket({
      url,
      apiKey: this.options.apiKey,
      responseTimeoutMs: this.responseTimeoutMs,
      flushLimit: this.options.flushLimit ?? DEEPGRAM_FLUSH_LIMIT,
    });
    this.sockets.add(socket);
    void socket.whenClosed.then(() => this.sockets.delete(socket));
    return socket;
  }

  /** One sentence over REST: a request per piece of at most 2000 characters, the audio joined. */
  private async fetchSentence(sentence: string, model: string, sampleRateHz: number, signal: AbortSignal): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for (const text of speakablePieces(sentence)) {
      try {
        const response = await this.rest.speak.v1.audio.generate({ text, model, encoding: 'linear16', sample_rate: sampleRateHz, container: 'none' }, { abortSignal: signal });
        parts.push(new Uint8Array(await response.arrayBuffer()));
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof DeepgramError && error.statusCode !== undefined) throw httpError(error.statusCode, error.body);
        throw new TtsSynthesisError(`Deepgram text-to-speech request failed: ${(error as Error).message}`, { cause: error });
      }
    }
    return concatBytes(parts);
  }
}

/**
 * A SentenceSynthesisStream speaking through one session; close() also
 * closes the session's socket (the stream closes itself on a failure or when
 * the reader stops reading, and those paths release the socket too).
 */
class DeepgramSynthesisStream extends SentenceSynthesisStream {
  private released: Promise<void> | undefined;

  constructor(
    private readonly session: SpeakSession,
    sampleRateHz: number,
    limits: StreamLimits | undefined,
    onClosed: () => void,
  ) {
    super((text, signal, onAudio) => session.speak(text, signal, onAudio), sampleRateHz, limits, onClosed);
  }

  override close(): Promise<void> {
    this.released ??= super.close().then(() => this.session.close());
    return this.released;
  }
}

/**
 * The socket of one stream: reused while it lives, replaced when it dropped
 * or has spent its Flushes (the old one closes once it has answered what it
 * owes, so nothing already asked of it is cut off).
 */
class SpeakSession {
  private socket: SpeakSocket | undefined;
  /** Replaced sockets still finishing. */
  private readonly retired = new Set<SpeakSocket>();
  private closed = false;

  constructor(private readonly open: () => SpeakSocket) {
    this.socket = open();
  }

  async speak(sentence: string, signal: AbortSignal, onAudio: (audio: Uint8Array) => void): Promise<Uint8Array> {
    const pieces = speakablePieces(sentence);
    if (pieces.length === 0) return new Uint8Array(0);
    for (let attempt = 1; ; attempt++) {
      const socket = this.live();
      let heard = false;
      try {
        await untilAborted(socket.opened, signal);
        await socket.speak(pieces, signal, (audio) => {
          heard = true;
          onAudio(audio);
        });
        return new Uint8Array(0); // all of it went to onAudio
      } catch (error) {
        // A connection that died before this sentence's first audio (an idle socket the
        // server closed, a failed reconnect, a refused Flush) gets one more try on a fresh one.
        if (signal.aborted || heard || attempt > 1 || !(error instanceof SpeakConnectionLost)) throw error;
      } finally {
        // Spent: the next connection opens now, while the reader plays this sentence.
        if (!this.closed && socket === this.socket && !socket.canFlush) this.replace();
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.socket?.close(), ...[...this.retired].map((s) => s.close())]);
  }

  private live(): SpeakSocket {
    if (this.closed) throw new Error('synthesis stream is closed');
    if (!this.socket?.usable || !this.socket.canFlush) return this.replace();
    return this.socket;
  }

  private replace(): SpeakSocket {
    const old = this.socket;
    if (old) {
      this.retired.add(old);
      void old.whenClosed.then(() => this.retired.delete(old));
      old.retire();
    }
    this.socket = this.open();
    return this.socket;
  }
}

/**
 * The sentence as sent to Deepgram: normalized like every engine's input, then
 * cut at whitespace into pieces of at most 2000 characters (UTF-16 units, so
 * never more code points) that join back to the whole.
 */
export function speakablePieces(sentence: string): string[] {
  return splitText(normalizeForSpeech(sentence), DEEPGRAM_MAX_CHARS).filter(isSpeakable);
}

/** Cuts text into pieces of at most `max` characters, after a whitespace where there is one, never inside a surrogate pair. */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const head = rest.slice(0, max);
    let cut = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\n')) + 1;
    if (cut === 0) cut = /[\uD800-\uDBFF]/.test(head.charAt(max - 1)) ? max - 1 : max; // one very long word
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) pieces.push(rest);
  return pieces;
}

function checkRate(sampleRateHz: number): number {
  assertFrameRate(sampleRateHz);
  if (!DEEPGRAM_RATES.has(sampleRateHz)) throw new RangeError(`Deepgram Aura produces linear16 at ${[...DEEPGRAM_RATES].join(', ')} Hz, not ${sampleRateHz}`);
  return sampleRateHz;
}

/** `promise`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
