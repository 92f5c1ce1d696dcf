import { describe, expect, it } from 'vitest';
import { SILENCE_DBFS, int16View, linear16Bytes, meanSquare, rms, rmsDbfs } from '../src';

describe('linear16 views', () => {
  it('views aligned little-endian bytes without copying', () => {
    const bytes = new Uint8Array([0x01, 0x00, 0xff, 0xff, 0x00, 0x80]);
    const samples = int16View(bytes);
    expect(Array.from(samples)).toEqual([1, -1, -32768]);
    samples[0] = 0x0203;
    expect(bytes[0]).toBe(0x03);
    expect(bytes[1]).toBe(0x02);
  });

  it('copies when the bytes start at an odd offset, with the same values', () => {
    const backing = new Uint8Array([0xaa, 0x34, 0x12, 0xcd, 0xab]);
    const samples = int16View(backing.subarray(1));
    expect(Array.from(samples)).toEqual([0x1234, 0xabcd - 0x10000]);
    samples[0] = 0;
    expect(backing[1]).toBe(0x34);
  });

  it('rejects an odd number of bytes', () => {
    expect(() => int16View(new Uint8Array(3))).toThrow(RangeError);
  });

  it('gives the bytes of samples as a view', () => {
    const samples = Int16Array.from([1, -2]);
    const bytes = linear16Bytes(samples);
    expect(Array.from(bytes)).toEqual([1, 0, 0xfe, 0xff]);
    expect(bytes.buffer).toBe(samples.buffer);
  });
});

describe('levels', () => {
  const sine = (amplitude: number) => Int16Array.from({ length: 8000 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 1000 * i) / 8000 + 0.1)));

  it('puts a full-scale square wave at 0 dBFS and a full-scale sine near -3 dBFS', () => {
    const square = Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 32767 : -32768));
    expect(rmsDbfs(square)).toBeCloseTo(0, 2);
    expect(rmsDbfs(sine(32767))).toBeCloseTo(-3.01, 1);
  });

  it('drops 20 dB per tenfold amplitude and reports silence as a finite floor', () => {
    expect(rmsDbfs(sine(3276.7)) - rmsDbfs(sine(32767))).toBeCloseTo(-20, 1);
    expect(rms(sine(16384))).toBeCloseTo(0.5 / Math.SQRT2, 3);
    expect(meanSquare(new Int16Array(0))).toBe(0);
    expect(rmsDbfs(new Int16Array(160))).toBe(SILENCE_DBFS);
    expect(rmsDbfs(Int16Array.of(1))).toBeGreaterThan(SILENCE_DBFS);
  });
});
