/**
 * One pacing clock for every RTP session in the process: a single timer
 * ticks every 20 ms against a monotonic clock instead of a setInterval per
 * call, so hundreds of calls cost one wake-up per period and share its drift
 * correction. Tick k is due at origin + k x period; a late wake-up runs every
 * tick that has come due (catch-up), so the tick count never drifts from
 * the clock. The timer only runs while a task is registered.
 */

export interface PacingClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Runs `callback` once pending I/O has been handled; without it ticks run straight from the timer. */
  defer?(callback: () => void): void;
}

export const systemPacingClock: PacingClock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  // setImmediate runs after the poll phase: packets that queued up while the
  // loop was late are read before the ticks play out, instead of concealed.
  defer: (callback) => void setImmediate(callback),
};

/** Called once per tick with the tick's number; numbers keep counting across skipped ticks. */
export type PacedTask = (tick: number) => void;

export interface PacingSchedulerOptions {
  readonly clock?: PacingClock;
  /** Default 20 ms. */
  readonly periodMs?: number;
  /**
   * Most ticks run in one wake-up after a stall; older due ticks are skipped
   * (their numbers still advance). Default 10 (200 ms): a longer burst would
   * only flood the far end's jitter buffer.
   */
  readonly maxCatchUpTicks?: number;
  /** A task that throws is reported here and keeps its registration; default: written to stderr. */
  readonly onTaskError?: (error: unknown) => void;
}

export interface PacingStats {
  /** Ticks run since the scheduler was created. */
  readonly ticks: number;
  /** Wake-ups that found more than one tick due. */
  readonly lateWakeUps: number;
  /** Due ticks dropped because a stall exceeded `maxCatchUpTicks`. */
  readonly skippedTicks: number;
}

function reportTaskError(error: unknown): void {
  process.stderr.write(`paced task failed: ${error instanceof Error ? error.stack : String(error)}\n`);
}

export class PacingScheduler {
  readonly clock: PacingClock;
  readonly periodMs: number;
  private readonly maxCatchUpTicks: number;
  private readonly onTaskError: (error: unknown) => void;
  private readonly tasks = new Set<PacedTask>();
  private timer: unknown;
  private running = false;
  /** Bumped on every start, so a wake-up from an earlier run stops short if tasks went and came back meanwhile. */
  private generation = 0;
  private origin = 0;
  /** Ticks since `origin` that have run (or been skipped). */
  private elapsedTicks = 0;
  /** Tick number handed to tasks; continues across stop and restart. */
  private tickNumber = 0;
  private ticks = 0;
  private lateWakeUps = 0;
  private skippedTicks = 0;

  constructor(options: PacingSchedulerOptions = {}) {
    this.clock = options.clock ?? systemPacingClock;
    this.periodMs = options.periodMs ?? 20;
    this.maxCatchUpTicks = options.maxCatchUpTicks ?? 10;
    this.onTaskError = options.onTaskError ?? reportTaskError;
  }

  /** Runs `task` on every tick from the next one on; returns the function that removes it. */
  register(task: PacedTask): () => void {
    this.tasks.add(task);
    if (!this.running) this.start();
    return () => this.unregister(task);
  }

  /** Registered tasks. */
  get size(): number {
    return this.tasks.size;
  }

  /** Whether the timer is armed (only while tasks are registered). */
  get active(): boolean {
    return this.running;
  }

  stats(): PacingStats {
    return { ticks: this.ticks, lateWakeUps: this.lateWakeUps, skippedTicks: this.skippedTicks };
  }

  private unregister(task: PacedTask): void {
    this.tasks.delete(task);
    if (this.tasks.size === 0 && this.running) {
      this.running = false;
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private start(): void {
    this.running = true;
    this.generation++;
    this.origin = this.clock.now();
    this.elapsedTicks = 0;
    this.arm();
  }

  private arm(): void {
    const dueAt = this.origin + (this.elapsedTicks + 1) * this.periodMs;
    this.timer = this.clock.setTimeout(() => this.wake(), Math.max(1, dueAt - this.clock.now()));
  }

  private wake(): void {
    if (!this.running) return;
    const generation = this.generation;
    if (this.clock.defer) this.clock.defer(() => this.runDueTicks(generation));
    else this.runDueTicks(generation);
  }

  private runDueTicks(generation: number): void {
    if (!this.running || this.generation !== generation) return;
    const due = Math.floor((this.clock.now() - this.origin) / this.periodMs) - this.elapsedTicks;
    if (due > 1) this.lateWakeUps++;
    if (due > this.maxCatchUpTicks) {
      const skipped = due - this.maxCatchUpTicks;
      this.skippedTicks += skipped;
      this.elapsedTicks += skipped;
      this.tickNumber += skipped;
    }
    for (let i = Math.min(due, this.maxCatchUpTicks); i > 0 && this.running && this.generation === generation; i--) {
      this.elapsedTicks++;
      this.tickNumber++;
      this.ticks++;
      // A snapshot: tasks registered during a tick start on the next one; removed ones stop at once.
      const running = Array.from(this.tasks);
      for (const task of running) {
        if (!this.tasks.has(task)) continue;
        try {
          task(this.tickNumber);
        } catch (error) {
          this.onTaskError(error);
        }
      }
    }
    if (this.running && this.generation === generation) this.arm();
  }
}

/** The process-wide scheduler RTP sessions use unless given another. */
export const sharedPacingScheduler = new PacingScheduler();
