import { describe, expect, it } from 'vitest';
import { linear16ToFloat32, SampleHistory } from './pcm';
import { wordsFromTokens } from './words';

describe('wordsFromTokens', () => {
  const result = {
    tokens: [' WHAT', ' TIME', ' SA', 'T', 'UR', 'DAY'],
    timestamps: [0.4, 0.64, 1.76, 1.88, 2.04, 2.12],
    logProbs: [-0.1, -0.2, -1, -1, -1, -1],
  };

  it('joins sub-word tokens into lower-case words timed from the stream origin', () => {
    const t = wordsFromTokens(result, 1000, { endMs: 3300 });
    expect(t.text).toBe('what time saturday');
    expect(t.words.map((w) => [w.word, w.startMs, w.endMs])).toEqual([
      ['what', 1400, 1640],
      ['time', 1640, 2760],
      ['saturday', 2760, 3300],
    ]);
    expect(t.words[0]!.confidence).toBeCloseTo(Math.exp(-0.1));
    expect(t.words[2]!.confidence).toBeCloseTo(Math.exp(-1));
    expect(t.confidence).toBeCloseTo(Math.exp(-4.3 / 6));
  });

  it('leaves out tokens before the onset and handles the SentencePiece marker', () => {
    const t = wordsFromTokens({ tokens: ['▁UM', '▁HELLO', '▁THERE'], timestamps: [0.1, 1.0, 1.3] }, 0, { fromMs: 500 });
    expect(t.text).toBe('hello there');
    expect(t.words.at(-1)).toMatchObject({ startMs: 1300, endMs: 1340, confidence: 1 });
  });

  it('keeps word times inside the speech the detector found', () => {
    const t = wordsFromTokens(result, 1000, { endMs: 2900, clamp: { startMs: 1450 } });
    expect(t.words.map((w) => [w.word, w.startMs, w.endMs])).toEqual([
      ['what', 1450, 1640],
      ['time', 1640, 2760],
      ['saturday', 2760, 2900],
    ]);
    // A last word emitted after the speech ended sits at its end, not beyond.
    const late = wordsFromTokens({ tokens: [' HI'], timestamps: [1.0] }, 0, { endMs: 900, clamp: { startMs: 500 } });
    expect(late.words).toEqual([{ word: 'hi', startMs: 900, endMs: 900, confidence: 1 }]);
  });

  it('gives an empty transcript for no tokens', () => {
    expect(wordsFromTokens({ tokens: [], timestamps: [] }, 0)).toEqual({ text: '', words: [], confidence: 0 });
  });
});

describe('linear16 input', () => {
  it('reads samples and little-endian bytes alike, at any byte offset', () => {
    const samples = Int16Array.from([0, 16384, -32768, 32767, -1]);
    const bytes = new Uint8Array(11);
    bytes.set(new Uint8Array(samples.buffer), 1);
    const fromBytes = linear16ToFloat32(bytes.subarray(1));
    expect(Array.from(fromBytes)).toEqual(Array.from(linear16ToFloat32(samples)));
    expect(Array.from(fromBytes)).toEqual([0, 0.5, -1, 32767 / 32768, -1 / 32768]);
    expect(() => linear16ToFloat32(new Uint8Array(5))).toThrow(/bytes come in pairs/);
  });

  it('SampleHistory keeps the newest samples, oldest first', () => {
    const history = new SampleHistory(4);
    expect(Array.from(history.latest())).toEqual([]);
    history.push(Float32Array.from([1, 2, 3]));
    expect(Array.from(history.latest())).toEqual([1, 2, 3]);
    history.push(Float32Array.from([4, 5]));
    expect(Array.from(history.latest())).toEqual([2, 3, 4, 5]);
    expect(Array.from(history.latest(2))).toEqual([4, 5]);
    history.push(Float32Array.from([6, 7, 8, 9, 10, 11]));
    expect(Array.from(history.latest())).toEqual([8, 9, 10, 11]);
  });
});
