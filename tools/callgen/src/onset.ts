import { rmsDbfs } from '@voiceagent/audio';

/** A 20 ms frame louder than this is speech: phone speech sits around -30 to -15 dBFS, line noise below -50. */
export const SPEECH_DBFS = -40;

export interface OnsetOptions {
  /** Default SPEECH_DBFS. */
  readonly thresholdDbfs?: number;
  /** Consecutive loud frames needed, so a click is not speech. */
  readonly minFrames?: number;
  /** Quiet needed before a run for it to be new speech, not more of the last (an echo's tail, a breath). */
  readonly minGapMs?: number;
}

/**
 * Finds where speech starts in a stream of 20 ms frames by energy. The onset
 * is the first frame of a run of `minFrames` loud frames that follows at least
 * `minGapMs` of quiet, so a run confirmed late still reports when it began.
 */
export class SpeechOnsetDetector {
  private readonly threshold: number;
  private readonly minFrames: number;
  private readonly minGapMs: number;
  private run = 0;
  private runStartedAt = 0;
  private gapBeforeRun = Infinity;
  /** When the last loud frame was heard. */
  lastSpeechAt = -Infinity;

  constructor(options: OnsetOptions = {}) {
    this.threshold = options.thresholdDbfs ?? SPEECH_DBFS;
    this.minFrames = options.minFrames ?? 2;
    this.minGapMs = options.minGapMs ?? 0;
  }

  /** Feeds one frame heard at `atMs`; returns the onset time once new speech is confirmed. */
  push(samples: Int16Array, atMs: number): number | undefined {
    if (rmsDbfs(samples) < this.threshold) {
      this.run = 0;
      return undefined;
    }
    if (this.run++ === 0) {
      this.runStartedAt = atMs;
      this.gapBeforeRun = atMs - this.lastSpeechAt;
    }
    this.lastSpeechAt = atMs;
    return this.run === this.minFrames && this.gapBeforeRun > this.minGapMs ? this.runStartedAt : undefined;
  }
}

/** Index just past the last sample louder than the threshold (per 20 ms frame), or 0 for silence. */
export function speechEnd(samples: Int16Array, sampleRateHz: number, thresholdDbfs = SPEECH_DBFS): number {
  const frame = sampleRateHz / 50;
  for (let end = samples.length; end > 0; end -= frame) {
    const start = Math.max(0, end - frame);
    if (rmsDbfs(samples.subarray(start, end)) >= thresholdDbfs) return end;
  }
  return 0;
}
