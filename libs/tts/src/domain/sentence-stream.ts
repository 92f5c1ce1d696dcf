import { TtsBufferFullError, TtsSynthesisError, type SynthesisStream, type SynthesizedFrame } from '../ports/text-to-speech';
import { FRAME_MS, SentenceFramer, assertFrameRate, concatBytes, toFrames, type MutableFrame } from './pcm';
import { SentenceSegmenter } from './sentence-segmenter';

/** What a synthesizer may want to know about the sentence. */
export interface SentenceContext {
  /** Little or nothing is left for the caller to hear before it (a reply's opening, or a reader falling behind): it goes ahead of work that is not. */
  readonly urgent: boolean;
}

/** A sentence is urgent when less audio than this is left to play ahead of it: synthesis plus a queue takes about that long. */
const URGENT_BELOW_MS = 200;

/**
 * Synthesizes one sentence as linear16 at the stream's rate. On abort it must
 * stop its work, release what it holds and settle promptly (rejecting is fine).
 * An engine that receives audio in pieces hands each to `onAudio` as it
 * arrives (the reader gets frames before the sentence is done); the audio the
 * promise resolves with follows those pieces.
 */
export type SentenceSynthesizer = (text: string, signal: AbortSignal, onAudio: (audio: Uint8Array) => void, sentence: SentenceContext) => Promise<Uint8Array>;

/**
 * Buffering policy. Text: the LLM writes far faster than speech is spoken, so
 * unspoken text is accepted up to `maxPendingChars`, after which pushText
 * throws TtsBufferFullError (a reply that long is a bug upstream; the caller
 * should cancel). Audio: sentences are synthesized one at a time, in order,
 * and the next one starts only while less than `maxBufferedAudioMs` of audio
 * waits to be read, so a reader playing in real time holds back synthesis
 * (one sentence may overshoot the mark) and barge-in wastes little work.
 */
export interface StreamLimits {
  /** Text not yet synthesized (buffered, queued or in flight). Default 4000 characters (about four minutes of speech). */
  readonly maxPendingChars?: number;
  /** Default 3000 ms. */
  readonly maxBufferedAudioMs?: number;
  /** Default 250: longer text without a sentence end is cut at a comma or space (see SentenceSegmenter). */
  readonly maxSentenceChars?: number;
}

interface Job {
  readonly sentenceIndex: number;
  readonly replyIndex: number;
  readonly text: string;
  replyEnd: boolean;
}

type Waiter = { resolve: (r: IteratorResult<SynthesizedFrame>) => void; reject: (e: unknown) => void };

/**
 * A SynthesisStream for engines that synthesize a sentence at a time (local
 * processes, request/response APIs): segmentation, framing, ordering,
 * flags, backpressure and cancellation live here, once.
 */
export class SentenceSynthesisStream implements SynthesisStream {
  private readonly segmenter: SentenceSegmenter;
  private readonly maxPendingChars: number;
  private readonly maxBufferedFrames: number;
  private pending: Job[] = [];
  private frames: MutableFrame[] = [];
  private inflight: { job: Job; controller: AbortController } | undefined;
  private readonly settling = new Set<Promise<unknown>>();
  private waiter: Waiter | undefined;
  /** Bumped by cancel/close: results of older work are dropped. */
  private generation = 0;
  private nextSentence = 0;
  private reply = 0;
  /** Last sentence of the current reply, once it has one. */
  private replyLastSentence: number | undefined;
  private lastHandedOut: MutableFrame | undefined;
  /** When the audio handed out so far will have been heard, if the reader plays it in real time. */
  private heardUntil = 0;
  private inputEnded = false;
  private closed = false;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly synthesizeSentence: SentenceSynthesizer,
    private readonly sampleRateHz: number,
    limits: StreamLimits = {},
    private readonly onClosed?: () => void,
    /** Monotonic ms: when audio handed out will have played (the reader plays in real time). */
    private readonly now: () => number = () => performance.now(),
  ) {
    assertFrameRate(sampleRateHz);
    this.segmenter = new SentenceSegmenter({ maxSentenceChars: limits.maxSentenceChars });
    this.maxPendingChars = limits.maxPendingChars ?? 4000;
    this.maxBufferedFrames = Math.max(1, Math.ceil((limits.maxBufferedAudioMs ?? 3000) / FRAME_MS));
  }

  pushText(text: string): void {
    this.assertOpen();
    const pendingChars = this.segmenter.pendingLength + this.pending.reduce((n, job) => n + job.text.length, this.inflight?.job.text.length ?? 0);
    if (pendingChars + text.length > this.maxPendingChars) {
      throw new TtsBufferFullError(`text-to-speech buffer full: ${pendingChars} characters wait to be spoken (limit ${this.maxPendingChars}); cancel() or read the audio`);
    }
    for (const sentence of this.segmenter.push(text)) this.enqueue(sentence);
    this.pump();
  }

  flush(): void {
    this.assertOpen();
    const rest = this.segmenter.flush();
    if (rest !== undefined) this.enqueue(rest);
    this.endReply();
    this.pump();
  }

  endInput(): void {
    if (this.inputEnded || this.closed) return;
    this.flush();
    this.inputEnded = true;
    this.wake();
  }

  cancel(): void {
    if (this.closed) return;
    this.dropWork();
    if (this.replyLastSentence !== undefined) this.reply++;
    this.replyLastSentence = undefined;
    this.wake();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.dropWork();
      this.wake();
      await Promise.allSettled([...this.settling]);
      this.onClosed?.();
    })();
    return this.closing;
  }

  [Symbol.asyncIterator](): AsyncIterator<SynthesizedFrame> {
    return {
      next: () => {
        const ready = this.poll();
        if (ready) return ready;
        return new Promise<IteratorResult<SynthesizedFrame>>((resolve, reject) => {
          this.waiter = { resolve, reject };
        });
      },
      // The reader stopped reading (break out of for-await): nobody else will.
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  get replyIndex(): number {
    return this.reply;
  }

  /** Buffered frames, for diagnostics and tests. */
  get bufferedFrames(): number {
    return this.frames.length;
  }

  private assertOpen(): void {
    if (this.closed || this.inputEnded) throw new Error(`synthesis stream is ${this.closed ? 'closed' : 'ended (endInput)'}`);
  }

  private enqueue(text: string): void {
    const sentenceIndex = this.nextSentence++;
    this.pending.push({ sentenceIndex, replyIndex: this.reply, text, replyEnd: false });
    this.replyLastSentence = sentenceIndex;
  }

  /** Marks the current reply's last frame, wherever its sentence is now. */
  private endReply(): void {
    const last = this.replyLastSentence;
    if (last === undefined) return;
    const queued = this.pending.at(-1);
    if (queued?.sentenceIndex === last) queued.replyEnd = true;
    else if (this.inflight?.job.sentenceIndex === last) this.inflight.job.replyEnd = true;
    else {
      const frame = this.frames.findLast((f) => f.sentenceIndex === last);
      if (frame) frame.replyEnd = true;
      else if (this.lastHandedOut?.sentenceIndex === last) {
        // Already handed out: a silent frame carries the flag.
        this.frames.push(...toFrames(new Uint8Array(0), this.sampleRateHz, { sentenceIndex: last, replyIndex: this.reply, replyEnd: true }));
        this.wake();
      }
    }
    this.reply++;
    this.replyLastSentence = undefined;
  }

  private dropWork(): void {
    this.generation++;
    this.heardUntil = 0;
    this.segmenter.reset();
    this.pending = [];
    this.frames = [];
    this.inflight?.controller.abort(new DOMException('synthesis cancelled', 'AbortError'));
    this.inflight = undefined;
  }

  /** Starts the next sentence when nothing is in flight and the reader is keeping up. */
  private pump(): void {
    if (this.closed || this.failure || this.inflight || this.frames.length >= this.maxBufferedFrames) return;
    const job = this.pending.shift();
    if (!job) return;
    const controller = new AbortController();
    const generation = this.generation;
    this.inflight = { job, controller };
    const framer = new SentenceFramer(this.sampleRateHz, job);
    const onAudio = (audio: Uint8Array) => {
      if (generation !== this.generation) return;
      this.frames.push(...framer.push(audio));
      this.wake();
    };
    const aheadMs = Math.max(0, this.heardUntil - this.now()) + this.frames.length * FRAME_MS;
    const urgent = aheadMs < URGENT_BELOW_MS;
    const work = this.synthesizeSentence(job.text, controller.signal, onAudio, { urgent }).then(
      (audio) => {
        if (generation !== this.generation) return;
        this.inflight = undefined;
        this.frames.push(...framer.end(audio));
        this.wake();
        this.pump();
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.inflight = undefined;
        this.failure = error instanceof Error ? error : new TtsSynthesisError(String(error));
        this.wake();
      },
    );
    this.settling.add(work);
    void work.finally(() => this.settling.delete(work));
  }

  /** The reader's next result if it is known now. */
  private poll(): Promise<IteratorResult<SynthesizedFrame>> | undefined {
    const frame = this.frames.shift();
    if (frame) {
      this.lastHandedOut = frame;
      this.heardUntil = Math.max(this.heardUntil, this.now()) + FRAME_MS;
      this.pump();
      return Promise.resolve({ value: frame, done: false });
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined; // thrown once; the stream is closed after it
      void this.close();
      return Promise.reject(failure);
    }
    if (this.closed || (this.inputEnded && !this.inflight && this.pending.length === 0)) {
      return Promise.resolve({ value: undefined, done: true });
    }
    return undefined;
  }

  private wake(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    // Taken before polling: a failure closes the stream from inside poll(), and
    // that close must not hand this reader "done" ahead of the failure.
    this.waiter = undefined;
    const ready = this.poll();
    if (!ready) {
      this.waiter = waiter;
      return;
    }
    ready.then(waiter.resolve, waiter.reject);
  }
}

/** TextToSpeech.synthesize on top of stream(): speaks `text` to the end, closes the stream and joins the frames' audio. */
export async function synthesizeWhole(stream: SynthesisStream, text: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  try {
    stream.pushText(text);
    stream.endInput();
    for await (const frame of stream) parts.push(frame.audio);
  } finally {
    await stream.close();
  }
  return concatBytes(parts);
}

/**
 * The synthesis streams an engine has open, so that closing the engine
 * closes them: `open()` refuses once the engine is closed, and each stream
 * leaves the set when it closes itself.
 */
export class OpenStreams {
  private readonly streams = new Set<SynthesisStream>();
  private closed = false;

  /** Registers the stream `make` builds; `make` gets the callback that unregisters it (the stream's onClose). */
  open<S extends SynthesisStream>(make: (onClose: () => void) => S): S {
    if (this.closed) throw new Error('text-to-speech engine is closed');
    const stream = make(() => this.streams.delete(stream));
    this.streams.add(stream);
    return stream;
  }

  /** Closes every open stream; false if they were already closed (the engine's close() ran before). */
  async closeAll(): Promise<boolean> {
    if (this.closed) return false;
    this.closed = true;
    await Promise.all([...this.streams].map((s) => s.close()));
    return true;
  }
}
