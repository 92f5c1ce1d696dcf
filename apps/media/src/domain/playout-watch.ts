export interface PlayoutTiming {
  /** How long to wait for an announcement's first frame before going on without it. */
  readonly startTimeoutMs: number;
  /** An announcement whose frames stop this long without its end-of-utterance mark is over. */
  readonly stallMs: number;
  /** How often the leg is asked whether it still plays (CallLeg has no playout-finished event). */
  readonly pollMs: number;
}

export const DEFAULT_PLAYOUT_TIMING: PlayoutTiming = { startTimeoutMs: 5_000, stallMs: 1_000, pollMs: 20 };

/**
 * Knows when the caller has heard what the leg is playing: an announcement
 * the speaker streams (its last frame queued, then the queue played out), or
 * audio queued here (the tone). One wait at a time; cancel() ends it.
 */
export class PlayoutWatch {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private settle: ((heard: boolean) => void) | undefined;
  private heard = false;
  private draining = false;

  constructor(
    private readonly isPlaying: () => boolean,
    private readonly timing: PlayoutTiming = DEFAULT_PLAYOUT_TIMING,
  ) {}

  /** Resolves true once an announcement has played out, false when none started in time (or on cancel). */
  announcement(): Promise<boolean> {
    return this.wait(() => this.arm(this.timing.startTimeoutMs, () => this.finish()));
  }

  /** A frame of the announcement was queued for playout; `last` marks its end. */
  frame(last: boolean): void {
    if (!this.settle || this.draining) return;
    this.heard = true;
    if (last) this.drain();
    else this.arm(this.timing.stallMs, () => this.drain());
  }

  /** Resolves true once the leg has played everything queued so far. */
  playedOut(): Promise<boolean> {
    return this.wait(() => {
      this.heard = true;
      this.drain();
    });
  }

  /** Ends the wait in progress (the call ended); its promise resolves false. */
  cancel(): void {
    this.heard = false;
    this.finish();
  }

  private wait(begin: () => void): Promise<boolean> {
    this.cancel();
    return new Promise((resolve) => {
      this.settle = resolve;
      this.heard = false;
      this.draining = false;
      begin();
    });
  }

  private drain(): void {
    this.draining = true;
    const poll = () => (this.isPlaying() ? this.arm(this.timing.pollMs, poll) : this.finish());
    poll();
  }

  private arm(ms: number, then: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(then, ms);
  }

  private finish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const settle = this.settle;
    this.settle = undefined;
    settle?.(this.heard);
  }
}
