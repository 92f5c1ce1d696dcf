import { SILENCE_DBFS } from '@voiceagent/audio';
import { describe, expect, it } from 'vitest';
import { CallerTimeline } from './caller-timeline';

describe('CallerTimeline', () => {
  it('maps audio positions to capture times, frame by frame', () => {
    const timeline = new CallerTimeline();
    expect(timeline.wallClockAt(0)).toBeUndefined();
    timeline.add({ durationMs: 20, capturedAtMs: 10_000, levelDbfs: -50 });
    timeline.add({ durationMs: 20, capturedAtMs: 10_020, levelDbfs: -50 });
    // A frame lost on the way: the next one is captured 20 ms later than its position says.
    timeline.add({ durationMs: 20, capturedAtMs: 10_060, levelDbfs: -50 });
    expect(timeline.positionMs).toBe(60);
    expect(timeline.wallClockAt(0)).toBe(10_000);
    expect(timeline.wallClockAt(25)).toBe(10_025);
    expect(timeline.wallClockAt(45)).toBe(10_065);
    // Past the last frame: extrapolated at real time from it.
    expect(timeline.wallClockAt(100)).toBe(10_120);
  });

  it('finds the loudest frame in a stretch', () => {
    const timeline = new CallerTimeline();
    for (const level of [-60, -20, -40, -30]) timeline.add({ durationMs: 20, capturedAtMs: 0, levelDbfs: level });
    expect(timeline.peakDbfs(0, 80)).toBe(-20);
    expect(timeline.peakDbfs(40, 80)).toBe(-30);
    expect(timeline.peakDbfs(45, 50)).toBe(-40);
    expect(timeline.peakDbfs(200, 300)).toBe(SILENCE_DBFS);
  });

  it('keeps only recent audio, yet still maps positions', () => {
    const timeline = new CallerTimeline(1_000);
    for (let i = 0; i < 5_000; i++) timeline.add({ durationMs: 20, capturedAtMs: 5_000 + i * 20, levelDbfs: -30 });
    expect(timeline.positionMs).toBe(100_000);
    expect(timeline.wallClockAt(99_990)).toBe(104_990);
    // The first minute is forgotten; its positions are extrapolated from the oldest frame kept.
    expect(timeline.peakDbfs(0, 1_000)).toBe(SILENCE_DBFS);
    expect(timeline.wallClockAt(0)).toBe(5_000);
  });
});
