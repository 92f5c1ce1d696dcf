import { describe, expect, it } from 'vitest';
import { alaw, mulaw, type G711Codec } from '../src';

/** The decoders as ITU-T G.711 describes them (segment and step), written independently of the tables. */
function muLawSpec(code: number): number {
  const inverted = ~code & 0xff;
  const segment = (inverted >> 4) & 7;
  const step = inverted & 15;
  const magnitude = ((2 * step + 33) * 2 ** segment - 33) * 4;
  return inverted & 0x80 && magnitude !== 0 ? -magnitude : magnitude;
}

function aLawSpec(code: number): number {
  const value = code ^ 0x55;
  const segment = (value >> 4) & 7;
  const step = value & 15;
  const magnitude = segment === 0 ? 8 * (2 * step + 1) : 8 * (2 * step + 33) * 2 ** (segment - 1);
  return value & 0x80 ? magnitude : -magnitude;
}

const codecs: Array<{ codec: G711Codec; spec: (code: number) => number; clippedError: number }> = [
  { codec: mulaw, spec: muLawSpec, clippedError: 644 },
  { codec: alaw, spec: aLawSpec, clippedError: 512 },
];

describe('G.711 known values', () => {
  it('μ-law: 0xFF <-> 0, 0x00 <-> -32124, 0x80 <-> 32124, clipping at both ends', () => {
    expect(mulaw.decodeSample(0xff)).toBe(0);
    expect(mulaw.decodeSample(0x7f)).toBe(0);
    expect(mulaw.decodeSample(0x00)).toBe(-32124);
    expect(mulaw.decodeSample(0x80)).toBe(32124);
    expect(mulaw.encodeSample(0)).toBe(0xff);
    expect(mulaw.encodeSample(-32124)).toBe(0x00);
    expect(mulaw.encodeSample(32767)).toBe(0x80);
    expect(mulaw.encodeSample(-32768)).toBe(0x00);
    expect(mulaw.silenceByte).toBe(0xff);
    expect(mulaw.payloadType).toBe(0);
  });

  it('A-law: 0xD5 <-> 8, 0x55 <-> -8, 0xAA <-> 32256, 0x2A <-> -32256', () => {
    expect(alaw.decodeSample(0xd5)).toBe(8);
    expect(alaw.decodeSample(0x55)).toBe(-8);
    expect(alaw.decodeSample(0xaa)).toBe(32256);
    expect(alaw.decodeSample(0x2a)).toBe(-32256);
    expect(alaw.encodeSample(0)).toBe(0xd5);
    expect(alaw.encodeSample(8)).toBe(0xd5);
    expect(alaw.encodeSample(-8)).toBe(0x55);
    expect(alaw.encodeSample(32767)).toBe(0xaa);
    expect(alaw.encodeSample(-32768)).toBe(0x2a);
    expect(alaw.silenceByte).toBe(0xd5);
    expect(alaw.payloadType).toBe(8);
  });
});

describe.each(codecs)('$codec.name', ({ codec, spec, clippedError }) => {
  it('decodes every code as the standard specifies', () => {
    for (let code = 0; code < 256; code++) expect(codec.decodeSample(code), `code 0x${code.toString(16)}`).toBe(spec(code));
  });

  it('re-encodes every decoded value to the same code (μ-law -0 becomes +0)', () => {
    for (let code = 0; code < 256; code++) {
      const expected = codec === mulaw && code === 0x7f ? 0xff : code;
      expect(codec.encodeSample(codec.decodeSample(code))).toBe(expected);
    }
  });

  it('round-trips the whole int16 range within the quantisation step, monotonically', () => {
    const samples = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const back = codec.decode(codec.encode(samples));
    const offBound: number[] = [];
    const nonMonotonic: number[] = [];
    samples.forEach((sample, i) => {
      // Half a quantisation step: 8 near zero, about 1/24 of the value above, plus clipping at full scale.
      if (Math.abs(back[i]! - sample) > Math.min(clippedError, Math.max(8, Math.abs(sample) / 23))) offBound.push(sample);
      if (i > 0 && back[i]! < back[i - 1]!) nonMonotonic.push(sample);
    });
    expect(offBound).toEqual([]);
    expect(nonMonotonic).toEqual([]);
    expect(Math.max(...samples.map((s, i) => Math.abs(back[i]! - s)))).toBe(clippedError);
  });

  it('keeps a 1 kHz tone at over 35 dB SNR', () => {
    const tone = Int16Array.from({ length: 8000 }, (_, i) => Math.round(16000 * Math.sin((2 * Math.PI * 1000 * i) / 8000 + 0.3)));
    const back = codec.decode(codec.encode(tone));
    let signal = 0;
    let noise = 0;
    tone.forEach((s, i) => {
      signal += s * s;
      noise += (s - back[i]!) ** 2;
    });
    expect(10 * Math.log10(signal / noise)).toBeGreaterThan(35);
  });

  it('encodes and decodes into caller buffers at an offset, and refuses buffers that are too small', () => {
    const samples = Int16Array.from([0, 1000, -1000, 32767]);
    const packet = new Uint8Array(12 + samples.length).fill(0xee);
    expect(codec.encodeInto(samples, packet, 12)).toBe(4);
    expect(Array.from(packet.subarray(0, 12)).every((b) => b === 0xee)).toBe(true);
    expect(Array.from(packet.subarray(12))).toEqual(Array.from(samples, (s) => codec.encodeSample(s)));
    const out = new Int16Array(6);
    expect(codec.decodeInto(packet.subarray(12), out, 2)).toBe(4);
    expect(Array.from(out.subarray(2))).toEqual(Array.from(codec.decode(packet.subarray(12))));
    expect(() => codec.encodeInto(samples, new Uint8Array(3))).toThrow(RangeError);
    expect(() => codec.decodeInto(packet, new Int16Array(4))).toThrow(RangeError);
  });
});
