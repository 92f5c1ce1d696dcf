import { SILENCE_DBFS } from '@voiceagent/audio';

interface Slot {
  readonly startMs: number;
  readonly endMs: number;
  readonly levelDbfs: number;
}

/** Slots kept for level look-ups: more than any window asked for. */
const keepMs = 5_000;

/**
 * When the caller can hear the agent, estimated from the frames on
 * `audio.out`. The speaker publishes as fast as it synthesises and media
 * plays the frames in real time, so each frame is heard right after the ones
 * before it (or now, if those have played out). Times are the caller of
 * these methods' wall clock, in ms.
 */
export class AgentPlayout {
  private until = Number.NEGATIVE_INFINITY;
  private readonly slots: Slot[] = [];

  /** A frame of agent audio, `durationMs` long, at `levelDbfs`. */
  frame(nowMs: number, durationMs: number, levelDbfs: number): void {
    const startMs = Math.max(nowMs, this.until);
    this.until = startMs + durationMs;
    this.slots.push({ startMs, endMs: this.until, levelDbfs });
    // Frames arrive in playout order, so the oldest slots are at the front.
    let stale = 0;
    while ((this.slots[stale]?.endMs ?? Number.POSITIVE_INFINITY) < nowMs - keepMs) stale++;
    if (stale > 0) this.slots.splice(0, stale);
  }

  /** Playback was flushed (barge-in): what was queued will never be heard. */
  flushed(nowMs: number): void {
    if (this.until <= nowMs) return;
    this.until = nowMs;
    while ((this.slots.at(-1)?.startMs ?? Number.NEGATIVE_INFINITY) >= nowMs) this.slots.pop();
  }

  isAudible(nowMs: number): boolean {
    return nowMs < this.until;
  }

  /** Whether the agent was heard at any time from `sinceMs` up to now. */
  audibleSince(sinceMs: number): boolean {
    return this.until > sinceMs;
  }

  /** End of the queued agent audio (−Infinity before the first frame). */
  get audibleUntilMs(): number {
    return this.until;
  }

  /** Loudest agent frame heard between `fromMs` and `toMs`; SILENCE_DBFS if none. */
  peakDbfs(fromMs: number, toMs: number): number {
    let peak = SILENCE_DBFS;
    for (const slot of this.slots) {
      if (slot.endMs > fromMs && slot.startMs <= toMs) peak = Math.max(peak, slot.levelDbfs);
    }
    return peak;
  }
}
