/**
 * The streaming speech-to-text port, in the shape of LiveKit agents-js
 * (`stt.stream()` yields speech events). Engines: local (sherpa-onnx),
 * Deepgram live `/v1/listen`, and AWS Transcribe streaming.
 *
 * Every position is in milliseconds of the stream's audio (samples pushed so
 * far), never wall-clock time, so the same audio always gives the same events.
 */

export interface SpeechStreamOptions {
  /** Sample rate of the pushed audio: 8000 on phone calls. */
  readonly sampleRateHz: number;
  /** Interleaved channels per frame. Default 1. */
  readonly channels?: number;
  /** BCP-47 language, e.g. `en-US`. Unset: the engine's default. */
  readonly language?: string;
  /** Words to favour (names, products, street names): Deepgram `keyterm`, AWS custom vocabulary. */
  readonly keyterms?: readonly string[];
}

export interface WordTiming {
  readonly word: string;
  readonly startMs: number;
  readonly endMs: number;
  /** 0–1. */
  readonly confidence: number;
}

/** Events about one channel's speech. */
export interface ChannelEvent {
  /** The channel (0-based) of multichannel audio (`channels` > 1); each channel has its own utterances. Absent on mono streams. */
  readonly channel?: number;
}

/** The caller began an utterance (barge-in signal). */
export interface SpeechStartedEvent extends ChannelEvent {
  readonly type: 'speech_started';
  /** Estimated onset of the speech. */
  readonly atMs: number;
}

/** Interim text of the utterance so far; later partials and the final supersede it. */
export interface PartialTranscriptEvent extends ChannelEvent {
  readonly type: 'partial';
  readonly text: string;
  /** Audio position when this text was produced. */
  readonly atMs: number;
}

/**
 * Settled text. Usually one per utterance, just before `end_of_utterance`; a
 * very long utterance may be settled in several finals (concatenate them).
 */
export interface FinalTranscriptEvent extends ChannelEvent {
  readonly type: 'final';
  readonly text: string;
  readonly words: readonly WordTiming[];
  /** 0–1. */
  readonly confidence: number;
  readonly startMs: number;
  readonly endMs: number;
}

/** The caller's turn is over: they paused long enough (or `finalize()` was called). */
export interface EndOfUtteranceEvent extends ChannelEvent {
  readonly type: 'end_of_utterance';
  /** Audio position when the turn locked. */
  readonly atMs: number;
  /** Where the caller's speech stopped. */
  readonly lastSpeechAtMs: number;
}

/** Something went wrong but the stream goes on (e.g. events dropped), or, as the last event, the stream failed. */
export interface SpeechErrorEvent {
  readonly type: 'error';
  readonly message: string;
}

export type SpeechEvent =
  | SpeechStartedEvent
  | PartialTranscriptEvent
  | FinalTranscriptEvent
  | EndOfUtteranceEvent
  | SpeechErrorEvent;

/**
 * One call's audio in, speech events out. Single reader. Every
 * `speech_started` is answered by one `end_of_utterance`, with any finals
 * for that utterance in between.
 */
export interface SpeechStream extends AsyncIterable<SpeechEvent> {
  /** A frame of linear16 audio: samples, or their little-endian bytes. Any length; 20 ms is typical. */
  pushFrame(pcm: Int16Array | Uint8Array): void;
  /** Settle the current utterance now (final + end_of_utterance) instead of waiting for the pause. */
  finalize(): void;
  /** Settles what is pending, ends the events and releases the engine's resources. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncIterator](): AsyncIterator<SpeechEvent>;
}

export interface SpeechToText {
  /** `local`, `deepgram`, `aws`. */
  readonly engine: string;
  stream(options: SpeechStreamOptions): SpeechStream;
}

/** Turn detection settings, shared by the engines that detect turns themselves. */
export interface TurnDetectionOptions {
  /** Pause after the last speech that ends the turn. */
  readonly silenceMs: number;
  /**
   * The pause instead, when the words so far stop where a sentence cannot
   * end ("book a", "on saturday and", "um"): a caller thinking is not cut off.
   * Engines that detect turns themselves from words and audio only.
   */
  readonly unfinishedSilenceMs: number;
  /** Speech needed before the caller counts as speaking. */
  readonly minSpeechMs: number;
  /** Voice activity threshold, 0–1. */
  readonly vadThreshold: number;
  /** An utterance longer than this is settled at its next pause even if the turn goes on. */
  readonly maxUtteranceMs: number;
}

export const defaultTurnDetection: TurnDetectionOptions = {
  silenceMs: 300,
  unfinishedSilenceMs: 800,
  minSpeechMs: 150,
  vadThreshold: 0.5,
  maxUtteranceMs: 15_000,
};
