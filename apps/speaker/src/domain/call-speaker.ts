import { bytesPerFrame } from '@voiceagent/audio';
import { isSpeakable, type SynthesisStream, type SynthesizedFrame } from '@voiceagent/tts';
import type { AgentAudioSink } from '../ports/agent-audio-sink';
import type { AgentSentence } from '../ports/agent-speech-source';
import type { PhraseAudio } from '../ports/phrase-audio';
import type { ReplyObservation, ReplyOutcome, SpeechObserver } from '../ports/speech-observer';
import { ReplyGate } from './reply-gate';

export interface CallSpeakerOptions {
  /** The call's rate: every frame is 20 ms of linear16 at it. */
  readonly sampleRateHz: number;
  /** The call's synthesis stream (one at a time; a new one only after the engine failed). */
  readonly openStream: () => SynthesisStream;
  readonly phrases: PhraseAudio;
  readonly sink: AgentAudioSink;
  readonly observer: SpeechObserver;
  /** Monotonic clock in ms. */
  readonly now: () => number;
  /** Sentences waiting for their audio; past it a sentence is dropped. Default 64. */
  readonly maxQueuedSentences?: number;
  /** New streams after engine failures in a row; a sentence the stream speaks whole starts the count again. Default 3. */
  readonly maxStreamRestarts?: number;
}

export interface CallSpeechSummary {
  readonly replies: number;
  readonly interrupted: number;
  readonly failed: number;
  readonly frames: number;
  readonly droppedSentences: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
}

interface Reply {
  readonly id: number;
  readonly turnId: string;
  readonly startedAtMs: number;
  readonly observation: ReplyObservation;
  firstAudioMs: number | undefined;
  frames: number;
  sentences: number;
  chars: number;
  cacheHits: number;
  cacheMisses: number;
  /** Its final sentence arrived (or a new reply replaced it): no more sentences join. */
  complete: boolean;
}

/** One sentence on its way out, in the order it was written. */
type Segment =
  | { readonly kind: 'stream'; readonly reply: Reply; readonly replyIndex: number; last: boolean }
  | { readonly kind: 'clip'; readonly reply: Reply; audio: Uint8Array | undefined; failed: boolean; last: boolean };

/**
 * Speaks one call: agent sentences in, 20 ms frames out, in order, as fast as
 * they are made (media paces playout). Sentences go to the synthesis stream
 * the moment they arrive; fixed phrases come from the phrase cache. Barge-in
 * stops it all at once. Memory per call is bounded: text by the stream's
 * limit, the sentence queue by `maxQueuedSentences`, and when a frame has to
 * wait behind a phrase still being synthesized the reader stops reading, so
 * the stream's own backpressure holds the rest.
 */
export class CallSpeaker {
  private readonly gate = new ReplyGate();
  private readonly frameBytes: number;
  private readonly maxQueued: number;
  private readonly maxRestarts: number;
  private readonly replies = new Map<number, Reply>();
  private queue: Segment[] = [];
  private stream: SynthesisStream | undefined;
  private reading: Promise<void> = Promise.resolve();
  /** A frame that belongs behind a phrase still being synthesized. */
  private parked: SynthesizedFrame | undefined;
  private resumeReader: (() => void) | undefined;
  private readonly rendering = new Set<Promise<void>>();
  /** Closing streams that failed. */
  private readonly retired = new Set<Promise<void>>();
  /** Streams opened since the last sentence a stream spoke whole: a long call gets the budget back after each recovery. */
  private restarts = 0;
  private closed = false;
  private closing: Promise<CallSpeechSummary> | undefined;
  private readonly totals = { replies: 0, interrupted: 0, failed: 0, frames: 0, droppedSentences: 0, cacheHits: 0, cacheMisses: 0 };

  constructor(private readonly options: CallSpeakerOptions) {
    this.frameBytes = bytesPerFrame(options.sampleRateHz);
    this.maxQueued = options.maxQueuedSentences ?? 64;
    this.maxRestarts = options.maxStreamRestarts ?? 3;
    this.startStream(); // throws for a rate the engine cannot produce: the call is not taken
  }

  /** Call from the message handler: a new reply's span starts in the context the sentence carried. */
  sentence(sentence: AgentSentence): void {
    if (this.closed) return;
    const verdict = this.gate.accept(sentence);
    if (verdict.kind === 'drop') {
      this.totals.droppedSentences++;
      this.options.observer.sentenceDropped({ turnId: sentence.turnId, sentenceIndex: sentence.sentenceIndex, reason: verdict.reason });
      return;
    }
    if (verdict.superseded !== undefined) this.complete(verdict.superseded);
    const reply = this.replies.get(verdict.replyId) ?? this.openReply(verdict.replyId, sentence);
    reply.sentences++;
    reply.chars += sentence.text.length;
    if (isSpeakable(sentence.text)) this.enqueue(reply, sentence, verdict.final);
    if (verdict.final) this.complete(reply.id);
  }

  /** The caller started speaking: stop synthesis and drop everything not yet out. */
  bargeIn(): void {
    if (this.closed) return;
    this.gate.bargeIn();
    const droppedSentences = this.queue.length;
    const interruptedReplies = this.replies.size;
    this.dropAll('interrupted');
    this.options.observer.bargeIn({ droppedSentences, interruptedReplies });
  }

  /** Stops synthesis and releases the stream; resolves once no engine work of this call is left. */
  close(): Promise<CallSpeechSummary> {
    this.closing ??= (async () => {
      this.closed = true;
      this.queue = [];
      this.parked = undefined;
      this.resume();
      for (const reply of [...this.replies.values()]) this.finish(reply, 'closed');
      await this.stream?.close();
      await this.reading;
      // Phrase renders are shared through the cache and not cancellable: wait so no process outlives the call.
      await Promise.allSettled([...this.rendering, ...this.retired]);
      return { ...this.totals };
    })();
    return this.closing;
  }

  private openReply(id: number, first: AgentSentence): Reply {
    const reply: Reply = {
      id,
      turnId: first.turnId,
      startedAtMs: this.options.now(),
      observation: this.options.observer.replyStarted({ turnId: first.turnId, chars: first.text.length }),
      firstAudioMs: undefined,
      frames: 0,
      sentences: 0,
      chars: 0,
      cacheHits: 0,
      cacheMisses: 0,
      complete: false,
    };
    this.replies.set(id, reply);
    return reply;
  }

  /** `last`: the reply's final sentence, whose last frame carries endOfUtterance. */
  private enqueue(reply: Reply, sentence: AgentSentence, last: boolean): void {
    const drop = (reason: string) => {
      this.totals.droppedSentences++;
      this.options.observer.sentenceDropped({ turnId: sentence.turnId, sentenceIndex: sentence.sentenceIndex, reason });
    };
    if (this.queue.length >= this.maxQueued) return drop('too many sentences waiting');
    if (sentence.cacheKey) return this.enqueuePhrase(reply, sentence.text, last);
    const stream = this.stream;
    if (!stream) return drop('no synthesis stream');
    const replyIndex = stream.replyIndex;
    try {
      stream.pushText(sentence.text);
      // The brain sends whole sentences: flushing keeps the segmenter from
      // holding a final stop until more text comes ("… at 9 a.m.").
      stream.flush();
    } catch (error) {
      this.options.observer.problem(error, 'sentence not accepted for synthesis');
      return drop('not accepted');
    }
    this.queue.push({ kind: 'stream', reply, replyIndex, last });
  }

  private enqueuePhrase(reply: Reply, text: string, last: boolean): void {
    const audio = this.options.phrases.lookup(text);
    const segment: Segment = { kind: 'clip', reply, audio, failed: false, last };
    if (audio) {
      reply.cacheHits++;
      this.totals.cacheHits++;
    } else {
      reply.cacheMisses++;
      this.totals.cacheMisses++;
      const rendering: Promise<void> = this.options.phrases
        .render(text)
        .then(
          (rendered) => {
            segment.audio = rendered;
          },
          (error: unknown) => {
            segment.failed = true;
            if (!this.closed) this.options.observer.problem(error, 'phrase synthesis failed');
          },
        )
        .finally(() => {
          this.rendering.delete(rendering);
          if (!this.closed) this.advance();
        });
      this.rendering.add(rendering);
    }
    this.queue.push(segment);
    this.advance();
  }

  /** The reply gets no more sentences: its last frame carries endOfUtterance. */
  private complete(replyId: number): void {
    const reply = this.replies.get(replyId);
    if (!reply || reply.complete) return;
    reply.complete = true;
    const last = this.queue.findLast((segment) => segment.reply === reply);
    if (last) {
      last.last = true;
      return;
    }
    // All its audio is out already: a silent frame carries the flag.
    if (reply.frames > 0) this.emit(reply, new Uint8Array(this.frameBytes), true);
    this.finish(reply, 'spoken');
  }

  private startStream(): void {
    const stream = this.options.openStream();
    this.stream = stream;
    this.reading = this.read(stream);
  }

  private async read(stream: SynthesisStream): Promise<void> {
    const frames = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await frames.next();
        if (stream !== this.stream) return;
        if (next.done) {
          if (!this.closed) this.streamFailed(new Error('synthesis stream ended unexpectedly'));
          return;
        }
        if (this.take(next.value)) {
          this.advance();
          continue;
        }
        this.parked = next.value;
        await new Promise<void>((resolve) => (this.resumeReader = resolve));
      }
    } catch (error) {
      if (stream === this.stream && !this.closed) this.streamFailed(error);
    }
  }

  /**
   * Publishes or drops a stream frame; false when it must wait behind a
   * phrase. Segments are told apart by the stream's replyIndex (one flush per
   * sentence), so a frame handed out just before a cancel matches no queued
   * sentence and is dropped.
   */
  private take(frame: SynthesizedFrame): boolean {
    const head = this.queue[0];
    if (head?.kind === 'stream' && head.replyIndex === frame.replyIndex) {
      this.emit(head.reply, frame.audio, frame.replyEnd && head.last);
      if (frame.replyEnd) {
        this.queue.shift();
        this.restarts = 0; // the stream works
        if (head.last) this.finish(head.reply, 'spoken');
      }
      return true;
    }
    return !this.queue.some((segment) => segment.kind === 'stream' && segment.replyIndex === frame.replyIndex);
  }

  /** Moves the queue on: phrases ready at its head go out, then a parked frame. */
  private advance(): void {
    for (;;) {
      const parked = this.parked;
      if (parked) {
        this.parked = undefined;
        if (this.take(parked)) {
          this.resume();
          continue;
        }
        this.parked = parked;
      }
      const head = this.queue[0];
      if (head?.kind !== 'clip' || (!head.audio && !head.failed)) return;
      this.queue.shift();
      this.emitPhrase(head);
    }
  }

  private emitPhrase(segment: Extract<Segment, { kind: 'clip' }>): void {
    const { reply, audio } = segment;
    const size = this.frameBytes;
    const count = audio ? Math.ceil(audio.byteLength / size) : 0;
    for (let i = 0; i < count && audio; i++) {
      let pcm = audio.subarray(i * size, (i + 1) * size);
      if (pcm.byteLength < size) {
        const padded = new Uint8Array(size);
        padded.set(pcm);
        pcm = padded;
      }
      this.emit(reply, pcm, segment.last && i === count - 1);
    }
    if (!segment.last) return;
    if (count === 0 && reply.frames > 0) this.emit(reply, new Uint8Array(size), true);
    this.finish(reply, 'spoken');
  }

  private emit(reply: Reply, pcm: Uint8Array, endOfUtterance: boolean): void {
    reply.frames++;
    this.totals.frames++;
    if (reply.firstAudioMs !== undefined) {
      this.options.sink.publish(pcm, endOfUtterance);
      return;
    }
    reply.firstAudioMs = this.options.now() - reply.startedAtMs;
    // The first frame goes out through the observer: it carries the reply's trace (media's share of the turn starts there).
    reply.observation.firstAudio(reply.firstAudioMs, () => this.options.sink.publish(pcm, endOfUtterance));
  }

  private finish(reply: Reply, outcome: ReplyOutcome): void {
    if (!this.replies.delete(reply.id)) return;
    if (outcome === 'spoken') this.totals.replies++;
    else if (outcome === 'interrupted') this.totals.interrupted++;
    else if (outcome === 'failed') this.totals.failed++;
    const { turnId, firstAudioMs, frames, sentences, chars, cacheHits, cacheMisses } = reply;
    reply.observation.end({ turnId, outcome, firstAudioMs, frames, sentences, chars, cacheHits, cacheMisses });
  }

  private dropAll(outcome: ReplyOutcome): void {
    this.stream?.cancel();
    this.queue = [];
    this.parked = undefined;
    this.resume();
    for (const reply of [...this.replies.values()]) this.finish(reply, outcome);
  }

  private resume(): void {
    const resume = this.resumeReader;
    this.resumeReader = undefined;
    resume?.();
  }

  /** The engine failed mid-stream: what was queued is lost; later sentences get a fresh stream. */
  private streamFailed(error: unknown): void {
    this.options.observer.problem(error, 'synthesis stream failed');
    this.dropAll('failed');
    const failed = this.stream;
    this.stream = undefined;
    if (failed) {
      const closing = failed.close().catch(() => undefined);
      this.retired.add(closing);
      void closing.finally(() => this.retired.delete(closing));
    }
    if (this.restarts++ >= this.maxRestarts) return;
    try {
      this.startStream();
    } catch (restartError) {
      this.options.observer.problem(restartError, 'could not open a new synthesis stream');
    }
  }
}
