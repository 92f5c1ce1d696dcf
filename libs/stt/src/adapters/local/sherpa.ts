import { createRequire } from 'node:module';

/**
 * The part of sherpa-onnx-node (1.13.x) this adapter uses. The package ships
 * no TypeScript declarations; these follow its JSDoc (types.js) and are
 * loaded lazily so that engines other than `local` never load the addon.
 */

export interface SherpaOnlineStream {
  acceptWaveform(wave: { samples: Float32Array; sampleRate: number }): void;
  inputFinished(): void;
}

export interface SherpaOnlineResult {
  readonly text: string;
  readonly tokens: string[];
  /** Seconds from the start of the stream (after the last reset). */
  readonly timestamps: number[];
  /** Log-probability of each token. */
  readonly ys_probs?: number[];
  readonly start_time: number;
}

export interface SherpaOnlineRecognizer {
  createStream(): SherpaOnlineStream;
  isReady(stream: SherpaOnlineStream): boolean;
  decode(stream: SherpaOnlineStream): void;
  getResult(stream: SherpaOnlineStream): SherpaOnlineResult;
}

export interface SherpaOnlineRecognizerConfig {
  featConfig: { sampleRate: number; featureDim: number };
  modelConfig: {
    transducer: { encoder: string; decoder: string; joiner: string };
    tokens: string;
    numThreads: number;
    provider: 'cpu';
    debug: 0 | 1;
    /** How hotwords are split into the model's pieces: `bpe` with a `bpeVocab` file ("piece score" lines). */
    modelingUnit?: 'bpe';
    bpeVocab?: string;
  };
  decodingMethod: 'greedy_search' | 'modified_beam_search';
  /** Hypotheses kept by modified beam search. */
  maxActivePaths?: number;
  /** One hotword (words, not pieces) a line; modified beam search only. */
  hotwordsBuf?: string;
  /** Bytes of hotwordsBuf. */
  hotwordsBufSize?: number;
  /** Bonus (log-probability) per matched piece of a hotword. */
  hotwordsScore?: number;
  enableEndpoint: 0 | 1;
}

export interface SherpaVadConfig {
  sileroVad: { model: string; threshold: number; minSpeechDuration: number; minSilenceDuration: number; windowSize: number; maxSpeechDuration: number };
  sampleRate: number;
  numThreads: number;
  provider: 'cpu';
  debug: 0 | 1;
}

export interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isDetected(): boolean;
  isEmpty(): boolean;
  /** The oldest closed speech segment: `start` in samples since the detector began. */
  front(enableExternalBuffer?: boolean): { start: number; samples: Float32Array };
  pop(): void;
  /** Back to a fresh state: sample positions start again at 0. */
  reset(): void;
}

export interface SherpaLinearResampler {
  resample(samples: Float32Array): Float32Array;
}

export interface SherpaOnnx {
  readonly version: string;
  readonly OnlineRecognizer: new (config: SherpaOnlineRecognizerConfig) => SherpaOnlineRecognizer;
  readonly Vad: new (config: SherpaVadConfig, bufferSizeInSeconds: number) => SherpaVad;
  readonly LinearResampler: new (inputSampleRate: number, outputSampleRate: number) => SherpaLinearResampler;
}

let loaded: SherpaOnnx | undefined;

export function loadSherpa(): SherpaOnnx {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    try {
      loaded = require('sherpa-onnx-node') as SherpaOnnx;
    } catch (error) {
      throw new Error(
        `The local speech engine needs sherpa-onnx-node and its prebuilt binary for ${process.platform}-${process.arch} ` +
          `(npm install installs both): ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
  return loaded;
}
