import { DeepgramClient } from '@deepgram/sdk';
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

const defaultUrl = 'https://api.deepgram.com';

/** The WebSocket form of an http(s) base URL; ws(s) URLs pass as they are. */
export function deepgramSocketUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`DEEPGRAM_URL must be a URL such as ${defaultUrl}; got "${url}"`);
  }
  const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[parsed.protocol];
  if (!scheme) throw new Error(`DEEPGRAM_URL must be an http(s) or ws(s) URL; got "${url}"`);
  return `${scheme}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
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
  private open = 0;

  constructor(private readonly options: DeepgramSpeechToTextOptions) {
    if (!options.apiKey?.trim()) {
      throw new Error('STT_ENGINE=deepgram needs DEEPGRAM_API_KEY (create a key at console.deepgram.com), or use STT_ENGINE=local');
    }
    this.model = options.model ?? 'nova-3';
    this.utteranceEndMs = options.utteranceEndMs ?? 1_000;
    this.client = new DeepgramClient({ apiKey: options.apiKey, baseUrl: deepgramSocketUrl(options.url ?? defaultUrl) });
  }

  /** Streams opened and not yet released. */
  get activeStreams(): number {
    return this.open;
  }

  stream(options: SpeechStreamOptions): SpeechStream {
    const { sampleRateHz, channels = 1 } = options;
    if (!Number.isInteger(sampleRateHz) || sampleRateHz < 8_000 || sampleRateHz > 48_000) {
      throw new RangeError(`sampleRateHz must be a whole number of Hz from 8000 to 48000; got ${sampleRateHz}`);
    }
    if (!Number.isInteger(channels) || channels < 1 || channels > 8) {
      throw new RangeError(`channels must be a whole number from 1 to 8; got ${channels}`);
    }
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
}

export function createDeepgramSpeechToText(options: DeepgramSpeechToTextOptions): DeepgramSpeechToText {
  return new DeepgramSpeechToText(options);
}
