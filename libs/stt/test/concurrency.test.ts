import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalSpeechToText, SpeechStream } from '../src/index';
import { collect, concat, finals, localEngine, silence, speak, types, wordErrorRate } from './speech';

const phrases = [
  'what time do you open on saturday',
  'i would like to book a haircut',
  'can i speak to a person please',
  'my name is john smith',
  'do you have anything tomorrow afternoon',
  'is there parking near the shop',
];

/** The phrase a transcript is closest to: each call must hear its own caller, not another's. */
const nearest = (text: string) => phrases.reduce((best, p) => (wordErrorRate(p, text) < wordErrorRate(best, text) ? p : best));

let engine: LocalSpeechToText;
let clips: Int16Array[];

beforeAll(async () => {
  engine = await localEngine();
  clips = phrases.map((p) => concat(silence(300), speak(p).samples, silence(800)));
});

describe('local engine: many streams at once', () => {
  it('keeps 12 interleaved calls apart, each with its own turns and transcript', { timeout: 60_000 }, async () => {
    const calls = 12;
    const streams: SpeechStream[] = Array.from({ length: calls }, () => engine.stream({ sampleRateHz: 8000 }));
    expect(engine.activeStreams).toBeGreaterThanOrEqual(calls);
    const events = streams.map((s) => collect(s));
    // Call i says phrase i, then phrase i+1, in step with every other call, 20 ms at a time.
    const audio = streams.map((_, i) => concat(clips[i % clips.length]!, clips[(i + 1) % clips.length]!));
    const longest = Math.max(...audio.map((a) => a.length));
    for (let at = 0; at < longest; at += 160) {
      streams.forEach((stream, i) => {
        if (at < audio[i]!.length) stream.pushFrame(audio[i]!.subarray(at, at + 160));
      });
    }
    await Promise.all(streams.map((s) => s.close()));
    const results = await Promise.all(events);
    results.forEach((result, i) => {
      expect(types(result)).toEqual(['speech_started', 'final', 'end_of_utterance', 'speech_started', 'final', 'end_of_utterance']);
      const [first, second] = finals(result);
      expect(nearest(first!.text)).toBe(phrases[i % phrases.length]);
      expect(nearest(second!.text)).toBe(phrases[(i + 1) % phrases.length]);
    });
  });
});
