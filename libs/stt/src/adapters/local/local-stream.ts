import { BoundedQueue } from '../../domain/event-queue';
import { levelDbfs, linear16ToFloat32, SampleHistory } from '../../domain/pcm';
import { soundsUnfinished } from '../../domain/turn-completion';
import { TurnDetector, type SpeechSegment, type TurnSignal } from '../../domain/turn-detector';
import { wordsFromTokens, type TokenStream } from '../../domain/words';
import type { SpeechEvent, SpeechStream, TurnDetectionOptions } from '../../ports/speech-to-text';
import type { SherpaLinearResampler, SherpaOnlineRecognizer, SherpaOnlineResult, SherpaOnlineStream, SherpaVad } from './sherpa';

/** The recognizer and the voice activity detector both run at 16 kHz. */
const modelRate = 16_000;
const samplesPerMs = modelRate / 1000;
/** Silero's window at 16 kHz (512 samples). */
export const vadWindowMs = 32;
const vadWindow16 = vadWindowMs * samplesPerMs;
/** Silence fed after the last audio when settling, so the streaming encoder emits its last chunk (it decodes 320 ms at a time). */
const tailPaddingMs = 480;
/** Audio before the detected onset given to a new recognizer stream: the detector reports speech late, and the encoder wants a little lead-in. */
const preRollMs = 320;
/** Tokens this long before the detected onset are noise the recognizer heard before the caller spoke. */
const onsetSlackMs = 250;
/** Audio kept to replay into a new recognizer stream (onset lag plus pre-roll, with room to spare). */
const historyMs = 1_000;
/**
 * Gain on the recognizer's input (+12 dB). The model has no input
 * normalization and was trained on louder audio than a phone line's (speech
 * near -22 dBFS): on the stt benchmark ×4 took 1.5–2 points off the WER
 * (×2 to ×16 all helped, ×64 hurt). The voice activity detector gets the
 * audio as it is; float samples, so nothing clips.
 */
const recognizerGain = 4;
/**
 * A word that begins only after the speech ended, heard this unsurely or
 * less, is the recognizer reacting to the silence it is settled with
 * ("beard trim" → "beard trim to"); real last words come out far surer.
 */
const paddingWordMaxConfidence = 0.1;

export interface LocalStreamParts {
  readonly recognizer: SherpaOnlineRecognizer;
  readonly vad: SherpaVad;
  /** Null when the input is already 16 kHz. */
  readonly resampler: SherpaLinearResampler | null;
  readonly sampleRateHz: number;
  readonly turn: TurnDetectionOptions;
  readonly maxQueuedEvents: number;
  /** Called once when the stream closes; `vad` can be reused after a reset unless the stream failed. */
  readonly onClose: (vad: SherpaVad, reusable: boolean) => void;
}

interface Native {
  readonly vad: SherpaVad;
  readonly resampler: SherpaLinearResampler | null;
  /** The recognizer stream of the current utterance; none between turns. */
  asr: SherpaOnlineStream | undefined;
  /** Position (ms, 16 kHz clock) of the first sample the recognizer stream was given. */
  asrOriginMs: number;
}

/**
 * One call's stream on the local engine. All work happens inside pushFrame:
 * resample to 16 kHz, run the voice activity detector, let the turn detector
 * decide, and during a turn feed the recognizer, decoding each 320 ms chunk
 * as soon as it is ready. Each utterance gets a fresh recognizer stream that
 * starts a little before the detected onset (replayed from a short history)
 * and is settled with a little silence so its last word comes out. Between
 * turns only the detector runs: a caller listening to the agent costs little,
 * and noise is never transcribed.
 */
export class LocalSpeechStream implements SpeechStream {
  private readonly queue: BoundedQueue<SpeechEvent>;
  private readonly turns: TurnDetector;
  private readonly history = new SampleHistory(historyMs * samplesPerMs);
  private readonly recognizer: SherpaOnlineRecognizer;
  private native: Native | undefined;
  private samplesIn = 0;
  /** Samples given to the models (16 kHz), the clock of token and segment times. */
  private samples16 = 0;
  private lastPartial = '';
  /** How far behind the true onset the detector reports speech (measured: its minimum speech plus about two windows). */
  private readonly onsetLagMs: number;
  /** 16 kHz sample count when the last utterance was settled: audio before it is never replayed. */
  private settledAt16 = 0;
  /** The recognizer's input at its gain, reused frame after frame (sherpa copies what it is given). */
  private scaled = new Float32Array(0);

  constructor(private readonly parts: LocalStreamParts) {
    this.recognizer = parts.recognizer;
    this.onsetLagMs = parts.turn.minSpeechMs + 2 * vadWindowMs;
    this.turns = new TurnDetector(parts.turn, { onsetLagMs: this.onsetLagMs });
    this.queue = new BoundedQueue<SpeechEvent>({
      capacity: parts.maxQueuedEvents,
      supersedes: (queued, incoming) => queued.type === 'partial' && incoming.type === 'partial',
      overflowNotice: (dropped) => ({
        type: 'error',
        message: `${dropped} speech event(s) dropped: the reader fell behind (at most ${parts.maxQueuedEvents} are held)`,
      }),
    });
    this.native = { vad: parts.vad, resampler: parts.resampler, asr: undefined, asrOriginMs: 0 };
  }

  /** Audio pushed so far, in ms. */
  get positionMs(): number {
    return (this.samplesIn * 1000) / this.parts.sampleRateHz;
  }

  /** Events waiting for the reader. */
  get queuedEvents(): number {
    return this.queue.size;
  }

  pushFrame(pcm: Int16Array | Uint8Array): void {
    const native = this.native;
    if (!native) throw new Error('pushFrame() after close(): this speech stream is closed');
    const samples = linear16ToFloat32(pcm);
    if (samples.length === 0) return;
    this.samplesIn += samples.length;
    try {
      this.process(native, native.resampler ? native.resampler.resample(samples) : samples, levelDbfs(samples));
    } catch (error) {
      this.fail(error);
      throw error;
    }
  }

  finalize(): void {
    const native = this.native;
    if (!native) return;
    this.applyAll(native, this.turns.forceEnd(this.positionMs, native.vad.isDetected()));
  }

  async close(): Promise<void> {
    const native = this.native;
    if (!native) return;
    try {
      this.applyAll(native, this.turns.forceEnd(this.positionMs, false));
    } finally {
      this.release();
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<SpeechEvent> {
    return this.queue;
  }

  private process(native: Native, samples: Float32Array, level: number): void {
    this.samples16 += samples.length;
    this.history.push(samples);
    let decoded = false;
    if (native.asr && samples.length > 0) {
      this.feed(native.asr, samples);
      decoded = this.decodeReady(native.asr);
    }

    if (samples.length > 0) native.vad.acceptWaveform(samples);
    const speaking = native.vad.isDetected();
    const segmentsEnded: SpeechSegment[] = [];
    while (!native.vad.isEmpty()) {
      const segment = native.vad.front(false);
      segmentsEnded.push({ startMs: segment.start / samplesPerMs, endMs: (segment.start + segment.samples.length) / samplesPerMs });
      native.vad.pop();
    }

    // Only a pause asks how the words end: not read on every frame of speech.
    const unfinished = !speaking && soundsUnfinished(this.lastPartial);
    decoded = this.applyAll(native, this.turns.update({ positionMs: this.positionMs, speaking, segmentsEnded, levelDbfs: level, unfinished })) || decoded;
    if (decoded) this.emitPartial(native);
  }

  /** Audio for the recognizer, at its gain. */
  private feed(asr: SherpaOnlineStream, samples: Float32Array): void {
    if (this.scaled.length < samples.length) this.scaled = new Float32Array(samples.length);
    const scaled = this.scaled.subarray(0, samples.length);
    for (let i = 0; i < samples.length; i++) scaled[i] = (samples[i] as number) * recognizerGain;
    asr.acceptWaveform({ samples: scaled, sampleRate: modelRate });
  }

  private decodeReady(asr: SherpaOnlineStream): boolean {
    let decoded = false;
    while (this.recognizer.isReady(asr)) {
      this.recognizer.decode(asr);
      decoded = true;
    }
    return decoded;
  }

  /** Acts on the turn detector's signals; true when a new recognizer stream decoded replayed audio. */
  private applyAll(native: Native, signals: readonly TurnSignal[]): boolean {
    let decoded = false;
    for (const signal of signals) {
      switch (signal.kind) {
        case 'started': {
          this.queue.push({ type: 'speech_started', atMs: Math.round(signal.atMs) });
          // The detector flips only at the end of one of its windows: anchoring there (not at this frame's end)
          // makes the recognizer's input, and so its transcript, the same whatever the frame size.
          const windowEnd16 = Math.floor(this.samples16 / vadWindow16) * vadWindow16;
          const onset16 = Math.min(windowEnd16 - this.onsetLagMs * samplesPerMs, Math.round(signal.atMs * samplesPerMs));
          decoded = this.startRecognizer(native, onset16 - preRollMs * samplesPerMs) || decoded;
          break;
        }
        case 'cut':
          this.settle(native, signal.startMs, signal.endMs);
          // The turn goes on; only the pause since the last speech is replayed.
          decoded = this.startRecognizer(native, Math.max(signal.endMs * samplesPerMs, this.samples16 - preRollMs * samplesPerMs), true) || decoded;
          break;
        case 'ended':
          this.settle(native, signal.startMs, signal.lastSpeechAtMs);
          this.queue.push({ type: 'end_of_utterance', atMs: Math.round(signal.atMs), lastSpeechAtMs: Math.round(signal.lastSpeechAtMs) });
          break;
      }
    }
    return decoded;
  }

  private emitPartial(native: Native): void {
    const utteranceStartMs = this.turns.utteranceStartMs;
    if (!native.asr || utteranceStartMs === undefined) return;
    const result = this.recognizer.getResult(native.asr);
    const { text } = wordsFromTokens({ tokens: result.tokens, timestamps: result.timestamps }, native.asrOriginMs, {
      fromMs: utteranceStartMs - onsetSlackMs,
    });
    if (text !== '' && text !== this.lastPartial) {
      this.lastPartial = text;
      this.queue.push({ type: 'partial', text, atMs: Math.round(this.positionMs) });
    }
  }

  /**
   * A fresh recognizer stream, given the audio from `from16` (a 16 kHz sample
   * position) on, as far as the history reaches, but never audio from before
   * the last settled utterance (no word is heard twice) unless `acrossSettle`
   * (replaying the silent pause after it).
   */
  private startRecognizer(native: Native, from16: number, acrossSettle = false): boolean {
    const earliest = acrossSettle ? from16 : Math.max(from16, this.settledAt16);
    const replay = this.history.latest(Math.max(0, Math.round(this.samples16 - earliest)));
    native.asr = this.recognizer.createStream();
    native.asrOriginMs = (this.samples16 - replay.length) / samplesPerMs;
    this.lastPartial = '';
    if (replay.length === 0) return false;
    this.feed(native.asr, replay);
    return this.decodeReady(native.asr);
  }

  /** Final transcript of the current recognizer stream (if it heard words); the stream is done. */
  private settle(native: Native, startMs: number, lastSpeechAtMs: number): void {
    const asr = native.asr;
    native.asr = undefined;
    this.settledAt16 = this.samples16;
    this.lastPartial = '';
    if (!asr) return;
    asr.acceptWaveform({ samples: new Float32Array(tailPaddingMs * samplesPerMs), sampleRate: modelRate });
    asr.inputFinished();
    this.decodeReady(asr);
    const transcript = wordsFromTokens(withoutPaddingWords(this.recognizer.getResult(asr), native.asrOriginMs, lastSpeechAtMs), native.asrOriginMs, {
      fromMs: startMs - onsetSlackMs,
      endMs: lastSpeechAtMs,
      clamp: { startMs },
    });
    if (transcript.words.length === 0) return;
    const round = (ms: number) => Math.round(ms);
    this.queue.push({
      type: 'final',
      text: transcript.text,
      words: transcript.words.map((w) => ({ ...w, startMs: round(w.startMs), endMs: round(w.endMs) })),
      confidence: transcript.confidence,
      startMs: round(startMs),
      endMs: round(lastSpeechAtMs),
    });
  }

  private fail(error: unknown): void {
    this.queue.push({ type: 'error', message: `local speech engine failed: ${error instanceof Error ? error.message : String(error)}` });
    this.release(false);
  }

  /** Native objects have no explicit free in sherpa-onnx-node: dropping them lets the garbage collector release them. */
  private release(reusable = true): void {
    const native = this.native;
    if (!native) return;
    this.native = undefined;
    this.queue.end();
    this.parts.onClose(native.vad, reusable);
  }
}

/**
 * The result's tokens without trailing words that began after the speech
 * ended (`lastSpeechAtMs`) and came out unsure (see paddingWordMaxConfidence).
 */
export function withoutPaddingWords(result: SherpaOnlineResult, originMs: number, lastSpeechAtMs: number): TokenStream {
  const { tokens, timestamps, ys_probs: logProbs } = result;
  let kept = tokens.length;
  while (logProbs && kept > 0) {
    let start = kept - 1;
    while (start > 0 && !/^[\s▁]/.test(tokens[start] ?? '')) start--;
    const startMs = originMs + (timestamps[start] ?? 0) * 1000;
    const meanLogProb = logProbs.slice(start, kept).reduce((sum, p) => sum + p, 0) / (kept - start);
    if (startMs < lastSpeechAtMs || Math.exp(meanLogProb) > paddingWordMaxConfidence) break;
    kept = start;
  }
  return { tokens: tokens.slice(0, kept), timestamps: timestamps.slice(0, kept), logProbs: logProbs?.slice(0, kept) };
}
