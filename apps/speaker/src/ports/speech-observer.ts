export type ReplyOutcome = 'spoken' | 'interrupted' | 'failed' | 'closed';

export interface ReplySummary {
  readonly turnId: string;
  readonly outcome: ReplyOutcome;
  /** From the reply's first sentence arriving to its first frame published; undefined without audio. */
  readonly firstAudioMs: number | undefined;
  readonly frames: number;
  readonly sentences: number;
  readonly chars: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
}

/** One reply's telemetry: opened when its first sentence arrives (inside that message's trace context). */
export interface ReplyObservation {
  /** The reply's first frame is ready, `elapsedMs` after its first sentence arrived: runs `publish` (which sends it) inside the reply's trace. */
  firstAudio(elapsedMs: number, publish: () => void): void;
  end(summary: ReplySummary): void;
}

/** Watches one call's speech without steering it: spans and logs. */
export interface SpeechObserver {
  replyStarted(reply: { readonly turnId: string; readonly chars: number }): ReplyObservation;
  bargeIn(detail: { readonly droppedSentences: number; readonly interruptedReplies: number }): void;
  sentenceDropped(detail: { readonly turnId: string; readonly sentenceIndex: number; readonly reason: string }): void;
  problem(error: unknown, what: string): void;
}
