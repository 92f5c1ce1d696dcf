import type { TurnDetectionOptions } from '../ports/speech-to-text';

/** A stretch of speech the voice activity detector has closed. */
export interface SpeechSegment {
  readonly startMs: number;
  readonly endMs: number;
}

/** What the voice activity detector says after a chunk of audio. */
export interface VadObservation {
  /** Audio position after the chunk. */
  readonly positionMs: number;
  /** The detector is inside speech now. */
  readonly speaking: boolean;
  /** Speech stretches it closed during this chunk. */
  readonly segmentsEnded: readonly SpeechSegment[];
}

export type TurnSignal =
  /** An utterance began. */
  | { readonly kind: 'started'; readonly atMs: number }
  /** Settle the transcript so far; the turn goes on (long utterance, at a pause). */
  | { readonly kind: 'cut'; readonly startMs: number; readonly endMs: number }
  /** The turn is over: settle the transcript and end the utterance. */
  | { readonly kind: 'ended'; readonly atMs: number; readonly startMs: number; readonly lastSpeechAtMs: number };

interface Turn {
  /** Start of the part of the utterance not yet settled by a final. */
  segmentStartMs: number;
  /** The onset is still the lagged estimate; the detector's first closed segment corrects it. */
  onsetEstimated: boolean;
  /** Set while the caller is pausing: where their speech stopped. */
  lastSpeechAtMs: number | undefined;
}

/**
 * Phone turn-taking from voice activity, driven only by audio position: a
 * turn starts when the detector finds speech and ends once the caller has
 * been silent for `silenceMs` after their last speech; a shorter pause
 * mid-sentence leaves the turn open.
 */
export class TurnDetector {
  private turn: Turn | undefined;

  constructor(
    private readonly options: Pick<TurnDetectionOptions, 'silenceMs' | 'maxUtteranceMs'>,
    /** How far behind the true onset the detector reports speech (its minimum speech plus a window or two). */
    private readonly onsetLagMs = 0,
  ) {}

  get inTurn(): boolean {
    return this.turn !== undefined;
  }

  /** Start of the part of the current utterance not yet settled. */
  get utteranceStartMs(): number | undefined {
    return this.turn?.segmentStartMs;
  }

  update(observation: VadObservation): TurnSignal[] {
    const signals: TurnSignal[] = [];
    const { positionMs, speaking, segmentsEnded } = observation;
    const closed = segmentsEnded.length > 0
      ? { startMs: Math.min(...segmentsEnded.map((s) => s.startMs)), endMs: Math.max(...segmentsEnded.map((s) => s.endMs)) }
      : undefined;

    let turn = this.turn;
    if (!turn && (speaking || closed)) {
      // A segment that opened and closed within one chunk is a whole short utterance.
      const atMs = closed ? closed.startMs : Math.max(0, positionMs - this.onsetLagMs);
      turn = this.turn = { segmentStartMs: atMs, onsetEstimated: !closed, lastSpeechAtMs: undefined };
      signals.push({ kind: 'started', atMs });
    }
    if (!turn) return signals;

    if (closed && turn.onsetEstimated) {
      turn.segmentStartMs = closed.startMs;
      turn.onsetEstimated = false;
    }
    if (speaking) {
      turn.lastSpeechAtMs = undefined;
      return signals;
    }
    const pauseBegins = turn.lastSpeechAtMs === undefined;
    turn.lastSpeechAtMs = Math.max(turn.lastSpeechAtMs ?? 0, closed?.endMs ?? (pauseBegins ? positionMs : 0));
    if (pauseBegins && turn.lastSpeechAtMs - turn.segmentStartMs >= this.options.maxUtteranceMs) {
      signals.push({ kind: 'cut', startMs: turn.segmentStartMs, endMs: turn.lastSpeechAtMs });
      turn.segmentStartMs = turn.lastSpeechAtMs;
    }
    if (positionMs - turn.lastSpeechAtMs >= this.options.silenceMs) {
      signals.push({ kind: 'ended', atMs: positionMs, startMs: turn.segmentStartMs, lastSpeechAtMs: turn.lastSpeechAtMs });
      this.turn = undefined;
    }
    return signals;
  }

  /**
   * Ends the turn now (finalize, close). If the caller is still speaking, a
   * new utterance starts at once.
   */
  forceEnd(positionMs: number, speakingNow: boolean): TurnSignal[] {
    const turn = this.turn;
    if (!turn) return [];
    const signals: TurnSignal[] = [
      { kind: 'ended', atMs: positionMs, startMs: turn.segmentStartMs, lastSpeechAtMs: turn.lastSpeechAtMs ?? positionMs },
    ];
    this.turn = undefined;
    if (speakingNow) {
      this.turn = { segmentStartMs: positionMs, onsetEstimated: false, lastSpeechAtMs: undefined };
      signals.push({ kind: 'started', atMs: positionMs });
    }
    return signals;
  }
}
