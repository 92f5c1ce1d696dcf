/**
 * The text-to-speech port (DESIGN.md "Ports and engines"), shaped after
 * LiveKit agents-js: `stream()` takes text as the LLM writes it and yields
 * 20 ms frames of linear16 audio. Engines: local (flite / espeak-ng) now;
 * Deepgram Aura (`/v1/speak` Speak/Flush/Clear/Close) and AWS Polly (pcm 8 kHz)
 * map onto the same calls: pushText ≈ Speak, flush ≈ Flush, cancel ≈ Clear,
 * endInput ≈ Close.
 */

export interface SynthesisOptions {
  /** Rate of the audio to produce, in Hz (8000 on phone calls); a multiple of 50 so 20 ms is whole samples. */
  readonly sampleRateHz: number;
  /** Engine-specific voice name; unset: the engine's configured default. */
  readonly voice?: string;
}

export interface SynthesizedFrame {
  /** Exactly 20 ms of linear16 (little-endian, mono) at `sampleRateHz`; a sentence's last frame is padded with silence. */
  readonly audio: Uint8Array;
  readonly sampleRateHz: number;
  /** The sentence this frame belongs to: 0, 1, 2 … over the stream's whole life, never reused (not even after cancel). */
  readonly sentenceIndex: number;
  /** The reply this frame belongs to: a reply is the text between two flush() calls (or a cancel). */
  readonly replyIndex: number;
  /** The sentence as it was pushed (before normalization), on the sentence's first frame only. */
  readonly text?: string;
  /** The last frame of its sentence. */
  readonly sentenceEnd: boolean;
  /**
   * The last frame of the reply. When flush() comes after the reply's last
   * frame was already handed out, one extra 20 ms frame of silence carries
   * the flag (it repeats that sentence's index and sentenceEnd).
   */
  readonly replyEnd: boolean;
}

/**
 * One conversation's synthesis: text in (token by token is fine), frames out,
 * in order. One reader. The stream stays usable after cancel() (barge-in is
 * followed by the next reply); it ends after close(), after endInput() once
 * the remaining audio is read, or when the engine fails (the iterator throws).
 */
export interface SynthesisStream extends AsyncIterable<SynthesizedFrame> {
  /** Adds text; each complete sentence goes to the engine at once. Throws TtsBufferFullError past the text limit. */
  pushText(text: string): void;
  /** End of the current reply: speak what is buffered, even without a full stop. */
  flush(): void;
  /** flush(), then the iterator finishes after the remaining audio; no more text is accepted. */
  endInput(): void;
  /** Barge-in: stop synthesis now and drop buffered text and audio that was not read yet. */
  cancel(): void;
  /** Stops everything (kills engine work) and ends the iterator; resolves when resources are released. */
  close(): Promise<void>;
  /**
   * The replyIndex that text pushed now will carry. Right after cancel() it
   * is above every reply the cancel dropped, so a reader can tell a frame it
   * was handed just before the cancel (lower index) from the next reply's.
   */
  readonly replyIndex: number;
  [Symbol.asyncIterator](): AsyncIterator<SynthesizedFrame>;
}

export interface TextToSpeech {
  /** Engine name as in TTS_ENGINE (`local`, `deepgram`, `aws`); part of cache keys. */
  readonly engine: string;
  /** The rate the engine produces natively with its default voice (no resampling at this rate). */
  readonly sampleRateHz: number;
  stream(options: SynthesisOptions): SynthesisStream;
  /**
   * A whole phrase at once (for caches): the concatenated audio of the frames
   * stream() would yield for the same text, so its length is a whole number of 20 ms frames.
   */
  synthesize(text: string, options: SynthesisOptions): Promise<Uint8Array>;
  /** Stops all streams and releases the engine (processes, temp files, connections). */
  close(): Promise<void>;
}

/** The engine cannot run here: missing binary, unknown voice, engine not available yet. Start-up should fail with it. */
export class TtsSetupError extends Error {
  override readonly name = 'TtsSetupError';
}

/** Text was pushed faster than it can be spoken, past the stream's limit (see StreamLimits). */
export class TtsBufferFullError extends Error {
  override readonly name = 'TtsBufferFullError';
}

/** Synthesis of one sentence failed (the engine process crashed, produced no audio, …). */
export class TtsSynthesisError extends Error {
  override readonly name = 'TtsSynthesisError';
}
