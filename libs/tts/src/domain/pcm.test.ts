import { resample } from '@voiceagent/audio';
import { describe, expect, it } from 'vitest';
import { SentenceFramer, assertFrameRate, bytesOf, concatBytes, parseWav, rms, samples, toFrames, trimSilence } from './pcm';

function wav(sampleRateHz: number, pcm: Int16Array, dataSize = pcm.byteLength): Uint8Array {
  const out = new Uint8Array(44 + pcm.byteLength);
  const v = new DataView(out.buffer);
  out.set(new TextEncoder().encode('RIFF'), 0);
  v.setUint32(4, 36 + dataSize, true);
  out.set(new TextEncoder().encode('WAVEfmt '), 8);
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRateHz, true);
  v.setUint32(28, sampleRateHz * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  out.set(new TextEncoder().encode('data'), 36);
  v.setUint32(40, dataSize, true);
  out.set(bytesOf(pcm), 44);
  return out;
}

function tone(hz: number, sampleRateHz: number, seconds: number, amplitude = 10000): Int16Array {
  return Int16Array.from({ length: Math.round(sampleRateHz * seconds) }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRateHz)));
}

/** Sign changes per second / 2 = frequency of a pure tone. */
function frequency(pcm: Int16Array, sampleRateHz: number): number {
  let crossings = 0;
  for (let i = 1; i < pcm.length; i++) if (pcm[i - 1]! < 0 !== pcm[i]! < 0) crossings++;
  return (crossings / 2) * (sampleRateHz / pcm.length);
}

describe('parseWav', () => {
  it('reads rate and samples, and takes a streamed (oversized) data chunk to the end', () => {
    const pcm = Int16Array.from([1, -2, 300, -32768]);
    expect(parseWav(wav(8000, pcm))).toEqual({ sampleRateHz: 8000, pcm });
    expect(parseWav(wav(22050, pcm, 0x7fffffff)).pcm).toEqual(pcm);
    expect(() => parseWav(new Uint8Array(10))).toThrow(/not a WAV/);
  });
});

describe('concatBytes', () => {
  it('joins the parts in order into a new array, views at an offset included', () => {
    const pool = Uint8Array.from([9, 1, 2, 9]);
    const parts = [pool.subarray(1, 3), new Uint8Array(0), Uint8Array.from([3])];
    const whole = concatBytes(parts);
    expect([...whole]).toEqual([1, 2, 3]);
    whole[0] = 7;
    expect(pool[1]).toBe(1); // a copy, never a view of a part
    expect(concatBytes([]).byteLength).toBe(0);
  });
});

describe('toFrames', () => {
  it('cuts 20 ms frames, pads the last, flags the sentence end and copies the audio', () => {
    const audio = new Uint8Array(320 * 2 + 10).fill(7);
    const frames = toFrames(audio, 8000, { sentenceIndex: 4, replyIndex: 1, text: 'Hi.', replyEnd: true });
    expect(frames.map((f) => f.audio.byteLength)).toEqual([320, 320, 320]);
    expect(frames[2]!.audio.subarray(0, 10).every((b) => b === 7)).toBe(true);
    expect(frames[2]!.audio.subarray(10).every((b) => b === 0)).toBe(true);
    expect(frames.map((f) => [f.sentenceEnd, f.replyEnd, f.text])).toEqual([
      [false, false, 'Hi.'],
      [false, false, undefined],
      [true, true, undefined],
    ]);
    audio.fill(9);
    expect(frames[0]!.audio[0]).toBe(7);
    expect(toFrames(new Uint8Array(0), 16000, { sentenceIndex: 0, replyIndex: 0, replyEnd: false })).toHaveLength(1);
  });

  it('refuses rates where 20 ms is not whole samples', () => {
    expect(() => assertFrameRate(8000)).not.toThrow();
    expect(() => assertFrameRate(22050)).not.toThrow();
    expect(() => assertFrameRate(8001)).toThrow(/multiple of 50/);
  });
});

describe('trimSilence', () => {
  it('keeps a short margin of silence before and after the speech', () => {
    const pcm = new Int16Array(8000); // 1 s
    pcm.set(tone(440, 8000, 0.25), 2000); // speech from 250 ms to 500 ms
    const trimmed = trimSilence(pcm, 8000, { leadMs: 20, trailMs: 100 });
    expect(trimmed.length / 8).toBeCloseTo(20 + 250 + 100, -1);
    expect(trimSilence(new Int16Array(800), 8000, { leadMs: 20, trailMs: 100 })).toHaveLength(0);
  });
});

// The shared resampler, checked for what the local voices rely on (22.05 and 16 kHz voices on 8 kHz calls).
describe('resample (@voiceagent/audio)', () => {
  it('keeps a tone at its pitch and level between 8, 16 and 22.05 kHz', () => {
    for (const [from, to] of [[16000, 8000], [8000, 16000], [22050, 8000], [8000, 24000]] as const) {
      const out = resample(tone(440, from, 1), from, to);
      expect(out.length).toBe(to);
      expect(frequency(out, to)).toBeCloseTo(440, -1);
      expect(rms(bytesOf(out.subarray(200, -200)))).toBeCloseTo(10000 / Math.SQRT2, -2);
    }
  });

  it('filters out what the lower rate cannot carry instead of folding it back', () => {
    const high = resample(tone(6000, 16000, 1), 16000, 8000); // would alias to 2 kHz
    expect(rms(bytesOf(high))).toBeLessThan(100);
  });

  it('reads samples from a Buffer at an odd offset in a shared pool (network chunks)', () => {
    const pool = Buffer.from([0xff, 0x01, 0x00, 0x02, 0x00, 0x03]);
    expect([...samples(pool.subarray(1, 6))]).toEqual([1, 2]);
  });

  it('SentenceFramer frames audio as it arrives, holding back the last frame for its flags', () => {
    const meta = { sentenceIndex: 4, replyIndex: 2, text: 'Hi there.', replyEnd: false };
    const framer = new SentenceFramer(8000, meta);
    const audio = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    expect(framer.push(audio.subarray(0, 320))).toEqual([]); // exactly one frame: it may be the last
    const early = framer.push(audio.subarray(320, 777)); // odd sizes: bytes, not samples
    expect(early.map((f) => [f.text, f.sentenceEnd, f.replyEnd, f.audio.byteLength])).toEqual([
      ['Hi there.', false, false, 320],
      [undefined, false, false, 320],
    ]);
    meta.replyEnd = true; // a flush while the sentence was in flight
    const rest = framer.end(audio.subarray(777));
    expect(rest.map((f) => [f.text, f.sentenceEnd, f.replyEnd])).toEqual([
      [undefined, false, false],
      [undefined, true, true],
    ]);
    const frames = [...early, ...rest];
    const joined = new Uint8Array(frames.length * 320);
    frames.forEach((f, i) => joined.set(f.audio, i * 320));
    expect(joined.subarray(0, 1000)).toEqual(audio);
    expect(joined.subarray(1000).every((b) => b === 0)).toBe(true);
  });

  it('SentenceFramer gives one silent frame, with the text, for a sentence without audio', () => {
    const frames = new SentenceFramer(16000, { sentenceIndex: 0, replyIndex: 0, text: '...', replyEnd: true }).end();
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ text: '...', sentenceEnd: true, replyEnd: true });
    expect(frames[0]!.audio.byteLength).toBe(640);
  });
});
