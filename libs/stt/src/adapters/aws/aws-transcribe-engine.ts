import { TranscribeStreamingClient, type TranscribeStreamingClientConfig } from '@aws-sdk/client-transcribe-streaming';
import { checkStreamFormat } from '../../domain/stream-format';
import type { SpeechStream, SpeechStreamOptions, SpeechToText } from '../../ports/speech-to-text';
import { AwsTranscribeStream } from './aws-transcribe-stream';

export interface AwsSpeechToTextOptions {
  /** AWS region of Transcribe streaming, e.g. `us-east-1` (AWS_REGION). */
  readonly region: string;
  /** Language when a stream names none (STT_LANGUAGE). Default `en-US`. */
  readonly language?: string;
  /** Default: the standard AWS credential chain (environment, profile, IAM role). */
  readonly credentials?: TranscribeStreamingClientConfig['credentials'];
  /** Another endpoint than the region's, e.g. a local test server `http://127.0.0.1:port`. */
  readonly endpoint?: string;
  /** Silence is sent after this long without audio, so Transcribe's 15 s idle timeout never ends a quiet stream. Default 5000. */
  readonly keepAliveMs?: number;
  /** A session is replaced by a fresh one after this long (at the next pause), ahead of Transcribe's 4-hour limit. Default 3 h 55 min. */
  readonly maxStreamMs?: number;
  /** How long close() waits for Transcribe's last results. Default 5000. */
  readonly closeTimeoutMs?: number;
  /** Audio held while Transcribe is not taking it; older audio is dropped beyond this. Default 10 000. */
  readonly maxBufferedAudioMs?: number;
  /** Events held per stream for a reader that falls behind. Default 256. */
  readonly maxQueuedEvents?: number;
}

const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Transcribe's hard limit on one stream is 4 hours; replace it with a little to spare. */
const defaultMaxStreamMs = (4 * 60 - 5) * 60_000;

/**
 * Amazon Transcribe streaming (StartStreamTranscription over HTTP/2, with
 * stabilized partial results). One client per process: each stream is its
 * own HTTP/2 connection, opened by `stream()`.
 */
export class AwsSpeechToText implements SpeechToText {
  readonly engine = 'aws';
  readonly language: string;
  private readonly client: TranscribeStreamingClient;
  private open = 0;

  constructor(private readonly options: AwsSpeechToTextOptions) {
    if (!options.region) throw new Error('the AWS speech engine needs a region (AWS_REGION), e.g. us-east-1');
    this.language = options.language ?? 'en-US';
    this.client = new TranscribeStreamingClient({
      region: options.region,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      // A stream's audio cannot be replayed, so a failed request is reported, not retried by the SDK.
      maxAttempts: 1,
      // Without a logger the SDK warns on the console about each failed stream; the reader gets an error event instead.
      logger: silentLogger,
    });
  }

  /** Streams opened and not yet done. */
  get activeStreams(): number {
    return this.open;
  }

  stream(options: SpeechStreamOptions): SpeechStream {
    const { sampleRateHz, channels } = checkStreamFormat(options, { engine: 'AWS Transcribe', maxChannels: 2 });
    // keyterms: Transcribe biases only through a custom vocabulary created beforehand (VocabularyName), not per stream.
    const stream = new AwsTranscribeStream({
      client: this.client,
      sampleRateHz,
      channels,
      language: options.language ?? this.language,
      keepAliveMs: this.options.keepAliveMs ?? 5_000,
      maxStreamMs: this.options.maxStreamMs ?? defaultMaxStreamMs,
      closeTimeoutMs: this.options.closeTimeoutMs ?? 5_000,
      maxBufferedAudioMs: this.options.maxBufferedAudioMs ?? 10_000,
      maxQueuedEvents: this.options.maxQueuedEvents ?? 256,
      onClose: () => (this.open -= 1),
    });
    this.open += 1;
    return stream;
  }
}

export function createAwsSpeechToText(options: AwsSpeechToTextOptions): AwsSpeechToText {
  return new AwsSpeechToText(options);
}
