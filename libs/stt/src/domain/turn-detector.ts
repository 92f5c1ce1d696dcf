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
  /** Level of the chunk in dBFS (-Infinity for digital silence). */
  readonly levelDbfs?: number;
  /** The words heard so far stop where a sentence cannot end (see soundsUnfinished): the longer pause applies. */
  readonly unfinished?: boolean;
}

export type TurnSignal =
  /** An utterance began. */
  | { readonly kind: 'started'; readonly atMs: number }
  /** Settle the transcript so far; the turn goes on (long utterance, at a pause). */
  | { readonly kind: 'cut'; readonly startMs: number; readonly endMs: number }
  /** The turn is over: settle the transcript and end the utterance. */
  | { readonly kind: 'ended'; readonly atMs: number; readonly startMs: number; readonly lastSpeechAtMs: number };

export interface TurnDetectorTiming {
  /** How far behind the true onset the voice activity detector reports speech. */
  readonly onsetLagMs: number;
  /** A rise in level during a pause this much above the pause's quietest chunk may be the caller resuming. */
  readonly riseDb: number;
  /** Rises below this level are ignored (hiss, dither). */
  readonly minResumeDbfs: number;
}

const defaultTiming: TurnDetectorTiming = { onsetLagMs: 0, riseDb: 10, minResumeDbfs: -55 };

interface Pause {
  /** Where the caller's speech stopped. */
  lastSpeechAtMs: number;
  /** Quietest chunk since the pause began. */
  floorDbfs: number;
  /** A rise in level that the voice activity detector has not confirmed yet. */
  riseAtMs: number | undefined;
  /** A new rise counts only after the level has fallen back since the last one. */
  armed: boolean;
}

interface Turn {
  /** Start of the part of the utterance not yet settled by a final. */
  segmentStartMs: number;
  /** The onset is still the lagged estimate; the detector's first closed segment corrects it. */
  onsetEstimated: boolean;
  /** Set while the caller is pausing. */
  pause: Pause | undefined;
}

/**
 * Phone turn-taking from voice activity, driven only by audio position: a
 * turn starts when the detector finds speech and ends once the caller has
 * been silent for `silenceMs` after their last speech (`unfinishedSilenceMs`
 * while their words so far sound unfinished); a shorter pause mid-sentence
 * leaves the turn open.
 *
 * The voice activity detector confirms speech only some time after it begins
 * (`onsetLagMs`, longer on soft onsets such as "s" or "j"), so a caller
 * resuming just before the pause runs out would be confirmed too late. A
 * rise in level during the pause therefore holds the turn open until the
 * detector has had time to confirm it (or not: then the turn ends, late by at
 * most that time). Steady noise never rises, so it never holds a turn.
 */
export class TurnDetector {
  private turn: Turn | undefined;
  private readonly timing: TurnDetectorTiming;

  constructor(
    private readonly options: Pick<TurnDetectionOptions, 'silenceMs' | 'maxUtteranceMs'> & Partial<Pick<TurnDetectionOptions, 'unfinishedSilenceMs'>>,
    timing: Partial<TurnDetectorTiming> = {},
  ) {
    this.timing = { ...defaultTiming, ...timing };
  }

  get inTurn(): boolean {
    return this.turn !== undefined;
  }

  /** Start of the part of the current utterance not yet settled. */
  get utteranceStartMs(): number | undefined {
    return this.turn?.segmentStartMs;
  }

  /** How long a rise in level may hold a turn open waiting for the detector. */
  get resumeWindowMs(): number {
    return this.timing.onsetLagMs + 200;
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
      const atMs = closed ? closed.startMs : Math.max(0, positionMs - this.timing.onsetLagMs);
      turn = this.turn = { segmentStartMs: atMs, onsetEstimated: !closed, pause: undefined };
      signals.push({ kind: 'started', atMs });
    }
    if (!turn) return signals;

    if (closed && turn.onsetEstimated) {
      turn.segmentStartMs = closed.startMs;
      turn.onsetEstimated = false;
    }
    if (speaking) {
      turn.pause = undefined;
      return signals;
    }

    const level = Math.max(-120, observation.levelDbfs ?? -120);
    let pause = turn.pause;
    if (!pause) {
      pause = turn.pause = { lastSpeechAtMs: closed?.endMs ?? positionMs, floorDbfs: level, riseAtMs: undefined, armed: true };
      if (pause.lastSpeechAtMs - turn.segmentStartMs >= this.options.maxUtteranceMs) {
        signals.push({ kind: 'cut', startMs: turn.segmentStartMs, endMs: pause.lastSpeechAtMs });
        turn.segmentStartMs = pause.lastSpeechAtMs;
      }
    } else if (closed) {
      pause.lastSpeechAtMs = Math.max(pause.lastSpeechAtMs, closed.endMs);
    }
    this.trackRise(pause, positionMs, level);

    if (positionMs - pause.lastSpeechAtMs >= this.pauseNeededMs(observation.unfinished === true) && pause.riseAtMs === undefined) {
      signals.push({ kind: 'ended', atMs: positionMs, startMs: turn.segmentStartMs, lastSpeechAtMs: pause.lastSpeechAtMs });
      this.turn = undefined;
    }
    return signals;
  }

  private pauseNeededMs(unfinished: boolean): number {
    const { silenceMs, unfinishedSilenceMs = silenceMs } = this.options;
    return unfinished ? Math.max(silenceMs, unfinishedSilenceMs) : silenceMs;
  }

  private trackRise(pause: Pause, positionMs: number, level: number): void {
    const { riseDb, minResumeDbfs } = this.timing;
    pause.floorDbfs = Math.min(pause.floorDbfs, level);
    const risen = level >= Math.max(pause.floorDbfs + riseDb, minResumeDbfs);
    if (pause.riseAtMs !== undefined && positionMs - pause.riseAtMs >= this.resumeWindowMs) {
      // Not confirmed as speech in time: a click or a cough. Stop holding the turn.
      pause.riseAtMs = undefined;
      pause.armed = false;
    }
    if (!risen) pause.armed = true;
    else if (pause.armed && pause.riseAtMs === undefined) {
      pause.riseAtMs = positionMs;
      pause.armed = false;
    }
  }

  /**
   * Ends the turn now (finalize, close). If the caller is still speaking, a
   * new utterance starts at once.
   */
  forceEnd(positionMs: number, speakingNow: boolean): TurnSignal[] {
    const turn = this.turn;
    if (!turn) return [];
    const signals: TurnSignal[] = [
      { kind: 'ended', atMs: positionMs, startMs: turn.segmentStartMs, lastSpeechAtMs: turn.pause?.lastSpeechAtMs ?? positionMs },
    ];
    this.turn = undefined;
    if (speakingNow) {
      this.turn = { segmentStartMs: positionMs, onsetEstimated: false, pause: undefined };
      signals.push({ kind: 'started', atMs: positionMs });
    }
    return signals;
  }
}
