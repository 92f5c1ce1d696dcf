import { describe, expect, it } from 'vitest';
import { FrameSequence, bytesPerFrame, samplesPerFrame } from './index';

describe('frame format', () => {
  it('is 20 ms: 160 samples / 320 bytes at 8 kHz, 320 samples at 16 kHz', () => {
    expect(samplesPerFrame(8000)).toBe(160);
    expect(bytesPerFrame(8000)).toBe(320);
    expect(samplesPerFrame(16000)).toBe(320);
    expect(bytesPerFrame(8000, 2)).toBe(640);
  });
});

describe('FrameSequence', () => {
  it('counts gaps as lost', () => {
    const s = new FrameSequence();
    for (const n of [1, 2, 3, 6, 7]) s.accept(n);
    expect(s.summary()).toMatchObject({ received: 5, lost: 2, late: 0 });
    expect(s.lossRatio()).toBeCloseTo(2 / 7);
  });

  it('turns a lost frame into a late one when it shows up, and flags duplicates', () => {
    const s = new FrameSequence();
    for (const n of [10, 12]) s.accept(n);
    expect(s.lost).toBe(1);
    expect(s.accept(11)).toBe(false);
    expect(s.accept(12)).toBe(false);
    expect(s.summary()).toMatchObject({ received: 4, lost: 0, late: 2 });
  });

  it('survives uint32 wrap-around', () => {
    const s = new FrameSequence();
    for (const n of [0xfffffffe, 0xffffffff, 0, 1]) expect(s.accept(n)).toBe(true);
    expect(s.lost).toBe(0);
  });
});
