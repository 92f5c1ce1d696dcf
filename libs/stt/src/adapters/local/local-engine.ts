import { ensureModel, type EnsureModelOptions } from '@voiceagent/models';
import { checkStreamFormat } from '../../domain/stream-format';
import { defaultTurnDetection, type SpeechStream, type SpeechStreamOptions, type SpeechToText, type TurnDetectionOptions } from '../../ports/speech-to-text';
import { hotwordLines, phoneCallVocabulary } from './hotwords';
import { LocalSpeechStream } from './local-stream';
import { sharedRecognizer } from './recognizers';
import { loadSherpa, type SherpaOnlineRecognizer, type SherpaOnnx, type SherpaVad, type SherpaVadConfig } from './sherpa';

export interface LocalSpeechToTextOptions {
  /** Where the models come from (default: VOICE_AGENT_MODELS, VOICE_AGENT_MODELS_MIRROR, then upstream). */
  readonly models?: Omit<EnsureModelOptions, 'downloadTimeoutMs'>;
  readonly turn?: Partial<TurnDetectionOptions>;
  /** Events held per stream for a reader that falls behind. Default 256. */
  readonly maxQueuedEvents?: number;
  /** Voice activity detectors kept for reuse after their calls end. Default 32. */
  readonly maxIdleDetectors?: number;
  /**
   * The business's own words (service and product names, their aliases),
   * favoured on every stream along with the words of any phone call
   * (`phoneCallVocabulary`). A stream's own `keyterms` are added to these.
   * Used by beam decoding only.
   */
  readonly keyterms?: readonly string[];
  /**
   * `greedy` (default) or `beam`: modified beam search biased towards the
   * keyterms. Beam is better on whole sentences (WER 16 % against 22 % on
   * the stt benchmark) but writes short sounds as words ("uh-huh" → "ahab"),
   * which the barge-in guard then takes for an interruption; so greedy stays
   * the default until the guard can tell them apart.
   */
  readonly decoding?: 'greedy' | 'beam';
}

/** The recognizer for a stream: biased towards the engine's words plus the stream's `keyterms`. */
export type RecognizerFor = (keyterms: readonly string[]) => SherpaOnlineRecognizer;

/**
 * The embedded engine: sherpa-onnx streaming zipformer (English) and Silero
 * VAD, offline. Loads the models once; `stream()` is cheap (a recognizer
 * stream and a voice activity detector per call), except the first stream
 * with a new set of `keyterms`, which builds that set's recognizer (about
 * 0.2 s; later streams with the same set reuse it).
 */
export class LocalSpeechToText implements SpeechToText {
  readonly engine = 'local';
  readonly turn: TurnDetectionOptions;
  private open = 0;
  /**
   * Each Silero detector is its own onnxruntime session (about 10 MB and
   * 50 ms to make), so detectors of ended calls are reset and reused.
   */
  private readonly idleDetectors: SherpaVad[] = [];
  private readonly vadConfig: SherpaVadConfig;
  /** The recognizer of streams without keyterms of their own, built up front. */
  private readonly recognizer: SherpaOnlineRecognizer;

  constructor(
    private readonly sherpa: SherpaOnnx,
    private readonly recognizerFor: RecognizerFor,
    vadModel: string,
    turn: Partial<TurnDetectionOptions> = {},
    private readonly maxQueuedEvents = 256,
    private readonly maxIdleDetectors = 32,
  ) {
    this.turn = { ...defaultTurnDetection, ...turn };
    this.recognizer = recognizerFor([]);
    this.vadConfig = {
      sileroVad: {
        model: vadModel,
        threshold: this.turn.vadThreshold,
        minSpeechDuration: this.turn.minSpeechMs / 1000,
        // Short, so speech ends are found promptly; the turn detector decides what a pause means.
        minSilenceDuration: 0.1,
        windowSize: 512,
        // Forces a pause in endless speech (or noise) so a long utterance can be settled.
        maxSpeechDuration: 20,
      },
      sampleRate: 16_000,
      numThreads: 1,
      provider: 'cpu',
      debug: 0,
    };
  }

  /** Streams opened and not yet closed. */
  get activeStreams(): number {
    return this.open;
  }

  /** Detectors waiting for the next call. */
  get idleDetectorCount(): number {
    return this.idleDetectors.length;
  }

  stream(options: SpeechStreamOptions): SpeechStream {
    const { channels = 1, language, keyterms = [] } = options;
    // The rate checked as every engine does; channels below, with the way out (a stream per channel).
    const { sampleRateHz } = checkStreamFormat({ sampleRateHz: options.sampleRateHz }, { engine: 'the local speech engine', maxChannels: 1 });
    if (channels !== 1) {
      throw new RangeError(`the local speech engine takes mono audio (channels: 1), got ${channels}: open one stream per channel`);
    }
    if (language !== undefined && !/^en([-_]|$)/i.test(language)) {
      throw new RangeError(`the local speech engine recognizes English only; language "${language}" needs STT_ENGINE=deepgram or aws`);
    }
    const stream = new LocalSpeechStream({
      recognizer: keyterms.length > 0 ? this.recognizerFor(keyterms) : this.recognizer,
      // Buffer for 30 s of speech: more than the longest segment (maxSpeechDuration).
      vad: this.idleDetectors.pop() ?? new this.sherpa.Vad(this.vadConfig, 30),
      // Silero takes only 16 kHz; the recognizer is fed the same samples, so audio is resampled once.
      resampler: sampleRateHz === 16_000 ? null : new this.sherpa.LinearResampler(sampleRateHz, 16_000),
      sampleRateHz,
      turn: this.turn,
      maxQueuedEvents: this.maxQueuedEvents,
      onClose: (vad, reusable) => {
        this.open -= 1;
        if (reusable && this.idleDetectors.length < this.maxIdleDetectors) {
          vad.reset();
          this.idleDetectors.push(vad);
        }
      },
    });
    this.open += 1;
    return stream;
  }
}

export async function createLocalSpeechToText(options: LocalSpeechToTextOptions = {}): Promise<LocalSpeechToText> {
  const [asr, vad] = await Promise.all([ensureModel('asr-en-zipformer-3m', options.models), ensureModel('vad-silero', options.models)]);
  const vadModel = vad.files['silero_vad.onnx'];
  if (!vadModel) throw new Error('model vad-silero has no silero_vad.onnx');
  const sherpa = loadSherpa();
  const engineTerms = [...phoneCallVocabulary, ...(options.keyterms ?? [])];
  const recognizerFor: RecognizerFor =
    options.decoding === 'beam'
      ? (keyterms) => sharedRecognizer(sherpa, asr, { method: 'beam', hotwords: hotwordLines([...engineTerms, ...keyterms]) })
      : () => sharedRecognizer(sherpa, asr, { method: 'greedy' });
  return new LocalSpeechToText(sherpa, recognizerFor, vadModel, options.turn, options.maxQueuedEvents, options.maxIdleDetectors);
}

