import { SILENCE_DBFS } from '@voiceagent/audio';

interface Mark {
  /** Position in the speech stream where the frame starts, ms. */
  readonly startMs: number;
  readonly durationMs: number;
  /** Wall clock of the frame's first sample, ms since the epoch. */
  readonly capturedAtMs: number;
  readonly levelDbfs: number;
}

/**
 * The caller audio given to the speech stream, frame by frame: turns the
 * stream's audio positions back into wall-clock times (when the caller said
 * it, from each frame's capture time) and remembers how loud each stretch was.
 * Only the last `keepMs` of audio are kept: events are about recent speech.
 */
export class CallerTimeline {
  private readonly marks: Mark[] = [];
  private position = 0;

  constructor(private readonly keepMs = 30_000) {}

  /** Audio given so far, ms. */
  get positionMs(): number {
    return this.position;
  }

  add(frame: { durationMs: number; capturedAtMs: number; levelDbfs: number }): void {
    this.marks.push({ startMs: this.position, ...frame });
    this.position += frame.durationMs;
    // Pruned in batches: one splice per thousand frames instead of a shift per frame.
    const oldest = this.marks[0]?.startMs ?? this.position;
    if (this.marks.length > 1_000 && oldest < this.position - 2 * this.keepMs) {
      const from = this.indexAt(this.position - this.keepMs);
      this.marks.splice(0, from);
    }
  }

  /**
   * Wall clock (ms) when the sample at `positionMs` was captured: the capture
   * time of the frame holding it plus the offset inside the frame. Past the
   * last frame, extrapolated at real time; undefined before any audio.
   */
  wallClockAt(positionMs: number): number | undefined {
    const mark = this.marks[this.indexAt(positionMs)];
    if (!mark) return undefined;
    return mark.capturedAtMs + (positionMs - mark.startMs);
  }

  /** Loudest frame overlapping `fromMs`..`toMs`; SILENCE_DBFS if none. */
  peakDbfs(fromMs: number, toMs: number): number {
    let peak = SILENCE_DBFS;
    for (let i = this.indexAt(fromMs); i < this.marks.length; i++) {
      const mark = this.marks[i];
      if (!mark || mark.startMs >= toMs) break;
      if (mark.startMs + mark.durationMs > fromMs) peak = Math.max(peak, mark.levelDbfs);
    }
    return peak;
  }

  /** Index of the last mark starting at or before `positionMs` (0 if none does). */
  private indexAt(positionMs: number): number {
    let low = 0;
    let high = this.marks.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.marks[mid]?.startMs ?? Number.POSITIVE_INFINITY) <= positionMs) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}
