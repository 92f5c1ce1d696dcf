import { describe, expect, it } from 'vitest';
import { PacingScheduler, systemPacingClock } from '../src/rtp';
import { FakeClock, seededRandom, sleep } from './rtp-helpers';

describe('PacingScheduler on a simulated clock', () => {
  it('runs exactly one tick per 20 ms over 10 simulated minutes of late timers, never early and never drifting', () => {
    const random = seededRandom(11);
    // Timers fire 0-15 ms late, and one in fifty is 60-150 ms late (a loaded event loop).
    const clock = new FakeClock(() => (random() < 0.02 ? 60 + random() * 90 : random() * 15));
    const scheduler = new PacingScheduler({ clock });
    const runs: Array<{ tick: number; at: number }> = [];
    const stop = scheduler.register((tick) => runs.push({ tick, at: clock.now() }));
    const origin = clock.now();
    clock.advance(10 * 60 * 1000);

    expect(runs.length).toBeGreaterThanOrEqual(30_000 - 8);
    expect(runs.length).toBeLessThanOrEqual(30_000);
    let worstLateness = 0;
    runs.forEach(({ tick, at }, i) => {
      if (tick !== runs[0]!.tick + i) throw new Error(`tick ${tick} out of order at run ${i}`);
      const due = origin + (i + 1) * 20;
      if (at < due) throw new Error(`tick ${i + 1} ran at ${at}, before it was due at ${due}`);
      worstLateness = Math.max(worstLateness, at - due);
    });
    // Lateness never accumulates: it is bounded by the worst single timer delay.
    expect(worstLateness).toBeLessThanOrEqual(151);
    expect(scheduler.stats()).toMatchObject({ skippedTicks: 0 });
    expect(scheduler.stats().lateWakeUps).toBeGreaterThan(100);
    stop();
  });

  it('catches up missed ticks in one wake-up, and skips beyond maxCatchUpTicks while keeping tick numbers on time', () => {
    // The next timer armed fires this much late; then timers are punctual again.
    let nextLateness = 0;
    const clock = new FakeClock(() => {
      const lateness = nextLateness;
      nextLateness = 0;
      return lateness;
    });
    const scheduler = new PacingScheduler({ clock, maxCatchUpTicks: 10 });
    const ticks: number[] = [];
    scheduler.register((tick) => ticks.push(tick));
    clock.advance(100);
    expect(ticks).toEqual([1, 2, 3, 4, 5]);
    nextLateness = 65;
    clock.advance(200);
    expect(ticks).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(scheduler.stats().lateWakeUps).toBe(1);
    nextLateness = 1000;
    clock.advance(1100);
    // 51 ticks came due during the stall: 10 ran, the rest were skipped, and numbering stayed on the clock.
    expect(scheduler.stats().skippedTicks).toBe(41);
    expect(ticks.at(-1)).toBe(clock.now() / 20);
    expect(new Set(ticks).size).toBe(ticks.length);
  });

  it('keeps its timer only while tasks are registered', () => {
    const clock = new FakeClock();
    const scheduler = new PacingScheduler({ clock });
    expect(clock.pendingTimers).toBe(0);
    const a = scheduler.register(() => undefined);
    const b = scheduler.register(() => undefined);
    expect(scheduler.size).toBe(2);
    expect(clock.pendingTimers).toBe(1);
    a();
    expect(scheduler.active).toBe(true);
    b();
    expect(scheduler.size).toBe(0);
    expect(scheduler.active).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1000);
    expect(scheduler.stats().ticks).toBe(0);
  });

  it('keeps ticking the other tasks when one throws', () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const scheduler = new PacingScheduler({ clock, onTaskError: (error) => errors.push(error) });
    let healthy = 0;
    scheduler.register(() => {
      throw new Error('boom');
    });
    scheduler.register(() => healthy++);
    clock.advance(200);
    expect(healthy).toBe(10);
    expect(errors).toHaveLength(10);
  });

  it('lets a task unregister itself, and another register, during a tick', () => {
    const clock = new FakeClock();
    const scheduler = new PacingScheduler({ clock });
    const seen: string[] = [];
    const stopFirst = scheduler.register((tick) => {
      seen.push(`first ${tick}`);
      stopFirst();
      scheduler.register((t) => seen.push(`second ${t}`));
    });
    clock.advance(60);
    expect(seen.slice(0, 2)).toEqual(['first 1', 'second 2']);
    expect(seen).toHaveLength(3);
  });
});

describe('PacingScheduler on the real clock', () => {
  it('ticks about every 20 ms over ~2 s (loose bounds: the machine may be busy)', async () => {
    const scheduler = new PacingScheduler({ clock: systemPacingClock });
    const times: number[] = [];
    const stop = scheduler.register(() => times.push(performance.now()));
    await sleep(2000);
    stop();
    expect(scheduler.active).toBe(false);
    expect(times.length).toBeGreaterThanOrEqual(85);
    expect(times.length).toBeLessThanOrEqual(101);
    const meanSpacing = (times.at(-1)! - times[0]!) / (times.length - 1);
    expect(meanSpacing).toBeGreaterThan(18);
    expect(meanSpacing).toBeLessThan(23);
  });
});
