import { describe, expect, it } from 'vitest';
import { Resampler, resample } from '../src';

const tone = (frequencyHz: number, rateHz: number, seconds: number, amplitude = 10000) =>
  Int16Array.from({ length: Math.round(rateHz * seconds) }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / rateHz)));

/** Level of `signal` against `reference` in dB, over the middle of the signal (edges carry the filter's ramp). */
function snrDb(signal: Int16Array, reference: Int16Array): number {
  const margin = Math.floor(signal.length / 10);
  let power = 0;
  let error = 0;
  for (let i = margin; i < signal.length - margin; i++) {
    power += reference[i]! ** 2;
    error += (signal[i]! - reference[i]!) ** 2;
  }
  return 10 * Math.log10(power / error);
}

function rmsOf(samples: Int16Array): number {
  const margin = Math.floor(samples.length / 10);
  let sum = 0;
  for (let i = margin; i < samples.length - margin; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / (samples.length - 2 * margin));
}

describe('resample (one shot, delay compensated)', () => {
  it.each([
    [8000, 16000],
    [16000, 8000],
    [24000, 8000],
    [48000, 8000],
    [8000, 48000],
    [24000, 16000],
  ])('%i Hz -> %i Hz keeps a 1 kHz tone in place (SNR > 40 dB)', (from, to) => {
    const out = resample(tone(1000, from, 0.5), from, to);
    expect(out.length).toBe(Math.floor((tone(1000, from, 0.5).length * to) / from));
    expect(snrDb(out, tone(1000, to, 0.5))).toBeGreaterThan(40);
  });

  it('removes content above the new Nyquist frequency instead of aliasing it (> 50 dB down)', () => {
    for (const [from, frequency] of [
      [48000, 6000],
      [16000, 5000],
      [24000, 7000],
    ] as const) {
      const out = resample(tone(frequency, from, 0.5), from, 8000);
      expect(20 * Math.log10(rmsOf(out) / (10000 / Math.SQRT2)), `${frequency} Hz from ${from}`).toBeLessThan(-50);
    }
  });

  it('passes the telephone band flat within 1 dB up to 3 kHz', () => {
    for (const frequency of [300, 1000, 2000, 3000]) {
      const out = resample(tone(frequency, 16000, 0.5), 16000, 8000);
      expect(Math.abs(20 * Math.log10(rmsOf(out) / (10000 / Math.SQRT2))), `${frequency} Hz`).toBeLessThan(1);
    }
  });
});

describe('Resampler (streaming)', () => {
  it('turns every 20 ms chunk into exactly 20 ms at the new rate', () => {
    const up = new Resampler(8000, 16000);
    const down = new Resampler(48000, 8000);
    for (let i = 0; i < 10; i++) {
      expect(up.process(new Int16Array(160)).length).toBe(320);
      expect(down.process(new Int16Array(960)).length).toBe(160);
    }
  });

  it('gives the same output whatever the chunking', () => {
    const input = tone(440, 24000, 0.3);
    const whole = new Resampler(24000, 8000).process(input);
    const chunked = new Resampler(24000, 8000);
    const parts: number[] = [];
    const sizes = [1, 7, 480, 13, 999, 2, 480];
    for (let at = 0, k = 0; at < input.length; k++) {
      const size = sizes[k % sizes.length]!;
      parts.push(...chunked.process(input.subarray(at, at + size)));
      at += size;
    }
    expect(parts).toEqual(Array.from(whole));
  });

  it('is delayed by its reported group delay, and reset() starts afresh', () => {
    const resampler = new Resampler(8000, 16000);
    const input = tone(500, 8000, 0.2);
    const out = resampler.process(input);
    const delay = Math.round(resampler.delaySamples);
    expect(snrDb(out.subarray(delay), tone(500, 16000, 0.2).subarray(0, out.length - delay))).toBeGreaterThan(40);
    resampler.reset();
    expect(Array.from(resampler.process(input))).toEqual(Array.from(out));
  });

  it('round-trips 8k -> 16k -> 8k', () => {
    const input = tone(1200, 8000, 0.5);
    expect(snrDb(resample(resample(input, 8000, 16000), 16000, 8000), input)).toBeGreaterThan(40);
  });

  it('clamps instead of wrapping on full-scale input and checks its arguments', () => {
    const loud = Int16Array.from({ length: 800 }, (_, i) => (Math.floor(i / 20) % 2 ? 32767 : -32768));
    const out = resample(loud, 8000, 16000);
    let jumps = 0;
    for (let i = 1; i < out.length; i++) if (Math.abs(out[i]! - out[i - 1]!) > 40000) jumps++;
    expect(jumps).toBe(0);
    expect(() => new Resampler(8000, 0)).toThrow(RangeError);
    expect(() => new Resampler(8000.5, 16000)).toThrow(RangeError);
    expect(() => new Resampler(8000, 16000).processInto(new Int16Array(160), new Int16Array(100))).toThrow(RangeError);
  });
});
