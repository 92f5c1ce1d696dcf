import {
  PollyClient,
  StartSpeechSynthesisStreamCommand,
  SynthesizeSpeechCommand,
  VoiceId,
  type PollyClientConfig,
  type StartSpeechSynthesisStreamActionStream,
} from '@aws-sdk/client-polly';
import { Readable } from 'node:stream';
import { normalizeForSpeech } from '../../domain/normalize';
import { assertFrameRate } from '../../domain/pcm';
import { OpenStreams, SentenceSynthesisStream, synthesizeWhole, type StreamLimits } from '../../domain/sentence-stream';
import { isSpeakable } from '../../domain/sentence-segmenter';
import { TtsSetupError, TtsSynthesisError, type SynthesisOptions, type SynthesisStream, type TextToSpeech } from '../../ports/text-to-speech';
import { PcmReceiver } from './pcm-receiver';

export type PollyEngine = 'standard' | 'neural' | 'long-form' | 'generative';

export const DEFAULT_POLLY_VOICE = 'Joanna';

export interface PollyTtsOptions {
  /** AWS_REGION. Credentials come from the default AWS chain unless `client.credentials` is given. */
  readonly region: string;
  /** POLLY_ENGINE. Default `neural`. */
  readonly engine?: PollyEngine;
  /** Default voice (TTS_VOICE), a Polly VoiceId. Default Joanna. */
  readonly voice?: string;
  readonly limits?: StreamLimits;
  /** A request that gets no bytes for this long fails its sentence (the SDK's own default is to wait forever). Default 10 s. */
  readonly idleTimeoutMs?: number;
  /** More PollyClient settings (tests: `endpoint`, static `credentials`, `maxAttempts`). */
  readonly client?: Omit<PollyClientConfig, 'region'>;
}

/** What Polly's pcm output offers; other rates are resampled from the nearest one above. */
const POLLY_PCM_RATES = [8000, 16000] as const;

const KNOWN_VOICES: ReadonlySet<string> = new Set(Object.values(VoiceId));

/** Hints for errors whose fix is in this service's configuration. */
const HINTS: Record<string, string> = {
  EngineNotSupportedException: 'the voice does not support this POLLY_ENGINE; pick another TTS_VOICE or POLLY_ENGINE',
  ThrottlingException: 'Polly is throttling this account: too many requests per second',
  TextLengthExceededException: 'the sentence is longer than Polly accepts',
  InvalidSampleRateException: 'Polly refused the pcm sample rate',
  CredentialsProviderError: 'no AWS credentials were found (environment, profile or IAM role)',
};

/**
 * Amazon Polly, a sentence per request (DESIGN.md "Ports and engines"):
 * SentenceSynthesisStream segments, frames and cancels; this adapter turns
 * one sentence into pcm audio and hands it over as it arrives.
 *
 * standard / neural / long-form: SynthesizeSpeech (pcm at 8 or 16 kHz) with
 * the response body read as a stream. generative: StartSpeechSynthesisStream,
 * one bidirectional stream per sentence (TextEvent, then CloseStreamEvent,
 * AudioEvents back until StreamClosedEvent). One stream per sentence rather
 * than per call: Polly's AudioEvents carry no marks, so audio of a stream fed
 * several sentences could not be told apart by sentence, and a stream idle
 * for 5 s (a caller talking) or open for 10 minutes is closed by Polly.
 */
export class PollyTextToSpeech implements TextToSpeech {
  readonly engine = 'aws';
  /** Polly makes 8 kHz pcm natively, the phone rate. */
  readonly sampleRateHz = 8000;
  readonly pollyEngine: PollyEngine;
  readonly voice: VoiceId;
  private readonly client: PollyClient;
  private readonly idleTimeoutMs: number;
  private readonly streams = new OpenStreams();

  constructor(private readonly options: PollyTtsOptions) {
    if (!options.region.trim()) throw new TtsSetupError('Amazon Polly needs a region: set AWS_REGION');
    this.pollyEngine = options.engine ?? 'neural';
    this.voice = checkVoice(options.voice?.trim() || DEFAULT_POLLY_VOICE);
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
    this.client = new PollyClient({
      // As the SDK's default handler for Polly (HTTP/2, a connection per request), plus the idle timeout.
      requestHandler: { requestTimeout: this.idleTimeoutMs, disableConcurrentStreams: true },
      ...options.client,
      region: options.region,
    });
  }

  stream(options: SynthesisOptions): SynthesisStream {
    assertFrameRate(options.sampleRateHz);
    const voice = options.voice?.trim() ? checkVoice(options.voice.trim()) : this.voice;
    const rate = options.sampleRateHz;
    return this.streams.open(
      (onClose) => new SentenceSynthesisStream((text, signal, onAudio) => this.synthesizeSentence(text, voice, rate, signal, onAudio), rate, this.options.limits, onClose),
    );
  }

  async synthesize(text: string, options: SynthesisOptions): Promise<Uint8Array> {
    return synthesizeWhole(this.stream(options), text);
  }

  async close(): Promise<void> {
    if (await this.streams.closeAll()) this.client.destroy(); // closes the HTTP/2 connections
  }

  private async synthesizeSentence(text: string, voice: VoiceId, sampleRateHz: number, signal: AbortSignal, onAudio: (audio: Uint8Array) => void): Promise<Uint8Array> {
    const spoken = normalizeForSpeech(text);
    if (!isSpeakable(spoken)) return new Uint8Array(0);
    const pollyRate = POLLY_PCM_RATES.find((r) => r >= sampleRateHz) ?? 16000;
    const receiver = new PcmReceiver(pollyRate, sampleRateHz);
    const request = { VoiceId: voice, Engine: this.pollyEngine, OutputFormat: 'pcm', SampleRate: String(pollyRate) } as const;
    try {
      const chunks = this.pollyEngine === 'generative' ? this.streamSpeech(spoken, request, signal) : this.synthesizeSpeech(spoken, request, signal);
      for await (const chunk of chunks) {
        signal.throwIfAborted();
        onAudio(receiver.push(chunk));
      }
      signal.throwIfAborted(); // an aborted HTTP/2 stream can look like a short, complete body
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw synthesisError(error, voice, this.pollyEngine);
    }
    return receiver.end();
  }

  /** SynthesizeSpeech; the body streams in as Polly writes it. */
  private async *synthesizeSpeech(text: string, request: PollyRequest, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    // TextType text: Polly reads the characters as they are, so nothing needs escaping.
    const output = await this.client.send(new SynthesizeSpeechCommand({ ...request, Text: text, TextType: 'text' }), { abortSignal: signal });
    const body = output.AudioStream;
    if (!(body instanceof Readable)) throw new TtsSynthesisError('Amazon Polly answered without an audio stream');
    yield* body as AsyncIterable<Uint8Array>;
    // A lost or timed-out HTTP/2 stream ends the iteration quietly, as if the audio were complete.
    if (!body.readableEnded) throw new TtsSynthesisError(`the audio from Amazon Polly stopped before its end (connection lost, or idle for ${this.idleTimeoutMs} ms)`);
  }

  /** StartSpeechSynthesisStream for one sentence: the text, then the close that makes Polly finish it. */
  private async *streamSpeech(text: string, request: PollyRequest, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    async function* actions(): AsyncGenerator<StartSpeechSynthesisStreamActionStream> {
      yield { TextEvent: { Text: text, TextType: 'text' } };
      yield { CloseStreamEvent: {} };
    }
    const output = await this.client.send(new StartSpeechSynthesisStreamCommand({ ...request, ActionStream: actions() }), { abortSignal: signal });
    if (!output.EventStream) throw new TtsSynthesisError('Amazon Polly answered without an event stream');
    for await (const event of output.EventStream) {
      if (event.AudioEvent) {
        if (event.AudioEvent.AudioChunk) yield event.AudioEvent.AudioChunk;
      } else if (event.StreamClosedEvent) {
        return;
      } else {
        // Modelled exceptions arrive as events too (the SDK usually throws them instead).
        const [name, detail] = Object.entries(event).find(([, value]) => value !== undefined) ?? ['UnknownEvent', {}];
        throw Object.assign(new Error((detail as { message?: string }).message ?? name), { name });
      }
    }
    throw new TtsSynthesisError('Amazon Polly ended the speech stream without a StreamClosedEvent');
  }
}

type PollyRequest = { readonly VoiceId: VoiceId; readonly Engine: PollyEngine; readonly OutputFormat: 'pcm'; readonly SampleRate: string };

function checkVoice(voice: string): VoiceId {
  if (!KNOWN_VOICES.has(voice)) {
    throw new TtsSetupError(`Amazon Polly has no voice "${voice}" (TTS_VOICE takes a Polly VoiceId such as ${DEFAULT_POLLY_VOICE}, Matthew or Ruth; the SDK knows ${KNOWN_VOICES.size})`);
  }
  return voice as VoiceId;
}

/** A Polly or network failure as the port's error, naming the AWS error. */
function synthesisError(error: unknown, voice: string, engine: PollyEngine): Error {
  if (error instanceof TtsSynthesisError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const hint = HINTS[name];
  return new TtsSynthesisError(`Amazon Polly (${engine}, voice ${voice}) failed: ${name}: ${message}${hint ? ` (${hint})` : ''}`, { cause: error });
}
