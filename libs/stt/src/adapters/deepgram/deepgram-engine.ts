import { DeepgramClient } from '@deepgram/sdk';
import { deepgramUrls } from '@voiceagent/config';
import { checkStreamFormat } from '../../domain/stream-format';
import type { SpeechStream, SpeechStreamOptions, SpeechToText } from '../../ports/speech-to-text';
import { DeepgramSpeechStream, type ListenSocket } from './deepgram-stream';

type ListenArgs = Parameters<DeepgramClient['listen']['v1']['connect']>[0];

export interface DeepgramSpeechToTextOptions {
  /** DEEPGRAM_API_KEY. */
  readonly apiKey: string;
  /** DEEPGRAM_URL: `https://api.deepgram.com` (default), an EU or self-hosted endpoint; used in its ws(s) form. */
  readonly url?: string;
  /** DEEPGRAM_STT_MODEL. Default `nova-3`. */
  readonly model?: string;
  /** Language of streams that name none (STT_LANGUAGE). Unset: Deepgram's default. */
  readonly language?: string;
  /** Deepgram `endpointing`: the pause (ms) after speech that settles the utterance (`speech_final`). Default 400. */
  readonly endpointingMs?: number;
  /** Deepgram `utterance_end_ms`: the gap after the last word that sends `UtteranceEnd`, which ends a turn endpointing missed (noise). Default 1000, Deepgram's least. */
  readonly utteranceEndMs?: number;
  /** A KeepAlive goes out when no audio was sent for this long (Deepgram closes sockets idle for 10 s). Default 3000. */
  readonly keepAliveIntervalMs?: number;
  /** How long close() waits for the last results. Default 5000. */
  readonly closeTimeoutMs?: number;
  /** How long the socket may take to open. Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Audio held per stream while its socket opens. Default 5000 ms. */
  readonly maxPendingAudioMs?: number;
  /** Events held per stream for a reader that falls behind. Default 256. */
  readonly maxQueuedEvents?: number;
  /** Diagnostics (never the key). */
  readonly log?: (line: string) => void;
}

/**
 * Deepgram live speech-to-text (`/v1/listen`), one WebSocket per call, via
 * `@deepgram/sdk` v5. Deepgram finds the turns itself (VAD events,
 * endpointing, UtteranceEnd); this engine only maps them onto the port.
 */
export class DeepgramSpeechToText implements SpeechToText {
  readonly engine = 'deepgram';
  readonly model: string;
  private readonly utteranceEndMs: number;
  private readonly client: DeepgramClient;
  /** DEEPGRAM_URL's WebSocket form, which the SDK takes as its base. */
  private readonly socketBase: string;
  private open = 0;

  constructor(private readonly options: DeepgramSpeechToTextOptions) {
    if (!options.apiKey?.trim()) {
      throw new Error('STT_ENGINE=deepgram needs DEEPGRAM_API_KEY (create a key at console.deepgram.com), or use STT_ENGINE=local');
    }
    this.model = options.model ?? 'nova-3';
    this.utteranceEndMs = options.utteranceEndMs ?? 1_000;
    this.socketBase = deepgramUrls(options.url ?? 'https://api.deepgram.com').socket;
    this.client = new DeepgramClient({ apiKey: options.apiKey, baseUrl: this.socketBase });
  }

  /**
   * A checked engine: opens and closes one `/v1/listen` socket with the
   * engine's settings, so a wrong key, model or URL stops start-up rather
   * than the first call.
   */
  static async create(options: DeepgramSpeechToTextOptions): Promise<DeepgramSpeechToText> {
    const stt = new DeepgramSpeechToText(options);
    await stt.checkConnection();
    return stt;
  }

  /** Streams opened and not yet released. */
  get activeStreams(): number {
    return this.open;
  }

  stream(options: SpeechStreamOptions): SpeechStream {
    const { sampleRateHz, channels } = checkStreamFormat(options, { engine: 'Deepgram', maxChannels: 8 });
    const args = this.listenArgs(options, channels);
    const log = this.options.log ?? (() => undefined);
    const stream = new DeepgramSpeechStream({
      createSocket: () => this.client.listen.v1.connect(args) as Promise<ListenSocket>,
      sampleRateHz,
      channels,
      utteranceEndMs: this.utteranceEndMs,
      keepAliveIntervalMs: this.options.keepAliveIntervalMs ?? 3_000,
      closeTimeoutMs: this.options.closeTimeoutMs ?? 5_000,
      maxPendingAudioMs: this.options.maxPendingAudioMs ?? 5_000,
      maxQueuedEvents: this.options.maxQueuedEvents ?? 256,
      log,
      onClose: () => {
        this.open -= 1;
      },
    });
    this.open += 1;
    return stream;
  }

  /** The `/v1/listen` query for a stream, and the socket settings. */
  listenArgs(options: SpeechStreamOptions, channels: number): ListenArgs {
    const keyterms = [...new Set((options.keyterms ?? []).map((term) => term.trim()).filter((term) => term !== ''))];
    // Keyterm prompting is a Nova-3 feature; other models refuse the parameter.
    const keyterm = keyterms.length > 0 && this.model.startsWith('nova-3') ? keyterms : undefined;
    if (keyterms.length > 0 && !keyterm) this.options.log?.(`deepgram: keyterms need a nova-3 model; ignored for ${this.model}`);
    const language = options.language ?? this.options.language;
    return {
      model: this.model,
      encoding: 'linear16',
      sample_rate: options.sampleRateHz,
      ...(channels > 1 ? { channels, multichannel: 'true' } : {}),
      ...(language ? { language } : {}),
      // Punctuation helps the language model read the turn; smart_format stays off (the default): words come as spoken.
      punctuate: 'true',
      interim_results: 'true',
      endpointing: this.options.endpointingMs ?? 400,
      utterance_end_ms: this.utteranceEndMs,
      vad_events: 'true',
      ...(keyterm ? { keyterm } : {}),
      // A reconnect would restart Deepgram's clock mid-call: the stream fails instead and the caller decides.
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: (this.options.connectTimeoutMs ?? 10_000) / 1000,
    };
  }

  /** Opens one socket as a call would (8 kHz mono) and closes it; throws what is wrong, with the setting to check. */
  private async checkConnection(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const socket = (await this.client.listen.v1.connect(this.listenArgs({ sampleRateHz: 8000 }, 1))) as ListenSocket;
    let error: string | undefined;
    let settle: (failure: string | undefined) => void = () => undefined;
    const outcome = new Promise<string | undefined>((resolve) => (settle = resolve));
    // The SDK keeps one handler per event.
    const closed = new Promise<void>((resolve) =>
      socket.on('close', (event) => {
        resolve();
        // The SDK reports a failed handshake as a close followed by the error: look once both are in.
        queueMicrotask(() => settle(error ?? `closed (code ${event.code})`));
      }),
    );
    socket.on('open', () => settle(undefined));
    socket.on('error', (e) => {
      error = e.message;
    });
    socket.connect();
    const failure = await within(timeoutMs, outcome, `no answer within ${timeoutMs} ms`);
    socket.close();
    await within(this.options.closeTimeoutMs ?? 5_000, closed, undefined);
    if (failure) throw new Error(startUpFailure(failure, `${this.socketBase}/v1/listen`));
  }
}

/** `promise`'s value, or `otherwise` once `ms` have passed first. */
async function within<T>(ms: number, promise: Promise<T>, otherwise: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(otherwise), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why the start-up socket failed, with the setting to check (the SDK gives the handshake's status, not its body). */
function startUpFailure(failure: string, url: string): string {
  const status = Number(/Unexpected server response: (\d{3})/.exec(failure)?.[1]);
  if (status === 401 || status === 403) return `Deepgram refused the API key (HTTP ${status}): check DEEPGRAM_API_KEY`;
  if (status === 400) return `Deepgram refused the speech-to-text settings (HTTP 400) at ${url}: check DEEPGRAM_STT_MODEL and STT_LANGUAGE`;
  if (status) return `Deepgram speech-to-text at ${url} answered HTTP ${status}: check DEEPGRAM_URL`;
  return `Deepgram speech-to-text is not reachable at ${url}: ${failure} (check DEEPGRAM_URL)`;
}

/** A Deepgram engine whose key and URL were checked by opening one socket (see DeepgramSpeechToText.create). */
export function createDeepgramSpeechToText(options: DeepgramSpeechToTextOptions): Promise<DeepgramSpeechToText> {
  return DeepgramSpeechToText.create(options);
}
