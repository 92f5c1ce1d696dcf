import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalSpeechToText, SpeechEvent } from '../src/index';
import { collect, concat, durationMs, finals, localEngine, noise, pushAll, silence, speak, trimSilence, types, wordErrorRate } from './speech';

let engine: LocalSpeechToText;
let question: Int16Array;
let firstHalf: Int16Array;
let secondHalf: Int16Array;

beforeAll(async () => {
  engine = await localEngine();
  question = speak('what time do you open on saturday').samples;
  // flite's own lead-in and tail are cut so that the pauses the tests build are exact.
  firstHalf = trimSilence(speak('my name is').samples);
  secondHalf = trimSilence(speak('john smith').samples);
});

/** Streams `audio` (8 kHz) through a fresh stream in 20 ms frames, closes it and returns every event. */
async function transcribe(audio: Int16Array, on: LocalSpeechToText = engine): Promise<SpeechEvent[]> {
  const stream = on.stream({ sampleRateHz: 8000 });
  const events = collect(stream);
  pushAll(stream, audio);
  await stream.close();
  return events;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('local engine: transcripts', () => {
  it('transcribes a phone-band question with word timings and a confidence', async () => {
    const audio = concat(silence(300), question, silence(1000));
    const events = await transcribe(audio);
    const [final, ...more] = finals(events);
    expect(more).toEqual([]);
    expect(final).toBeDefined();
    // Tolerant of the tiny model: most words right, the key ones present.
    expect(wordErrorRate('what time do you open on saturday', final!.text)).toBeLessThanOrEqual(0.3);
    expect(final!.text).toMatch(/\btime\b.*\bopen\b/);
    expect(final!.text).toBe(final!.words.map((w) => w.word).join(' '));
    expect(final!.confidence).toBeGreaterThan(0);
    expect(final!.confidence).toBeLessThanOrEqual(1);
    for (const [i, word] of final!.words.entries()) {
      expect(word.startMs).toBeGreaterThanOrEqual(final!.startMs);
      expect(word.endMs).toBeGreaterThanOrEqual(word.startMs);
      expect(word.endMs).toBeLessThanOrEqual(final!.endMs);
      if (i > 0) expect(word.startMs).toBeGreaterThanOrEqual(final!.words[i - 1]!.startMs);
    }
    // Speech spans the question, inside the audio and after the leading silence.
    expect(final!.startMs).toBeGreaterThanOrEqual(200);
    expect(final!.endMs).toBeLessThanOrEqual(durationMs(audio));
  });

  it('orders events: speech_started, partials, final, end_of_utterance', async () => {
    const events = await transcribe(concat(silence(300), question, silence(1000)));
    expect(types(events)).toEqual(['speech_started', 'final', 'end_of_utterance']);
    const partials = events.filter((e) => e.type === 'partial');
    expect(partials.length).toBeGreaterThan(0);
    expect(events.findIndex((e) => e.type === 'partial')).toBeGreaterThan(events.findIndex((e) => e.type === 'speech_started'));
    const started = events[0] as Extract<SpeechEvent, { type: 'speech_started' }>;
    // Onset near the true one (300 ms of silence, then flite's own lead-in).
    expect(started.atMs).toBeGreaterThanOrEqual(250);
    expect(started.atMs).toBeLessThan(800);
  });

  it('reads partials as they come when the reader keeps up', async () => {
    const stream = engine.stream({ sampleRateHz: 8000 });
    const seen: SpeechEvent[] = [];
    const reading = (async () => {
      for await (const event of stream) seen.push(event);
    })();
    const audio = concat(silence(300), question, silence(1000));
    for (let at = 0; at < audio.length; at += 160) {
      stream.pushFrame(audio.subarray(at, at + 160));
      await tick();
    }
    await stream.close();
    await reading;
    const partials = seen.filter((e) => e.type === 'partial');
    expect(partials.length).toBeGreaterThan(2);
    // Each partial extends what came before; the final settles the last of them.
    const atMs = partials.map((p) => p.atMs);
    expect(atMs).toEqual([...atMs].sort((a, b) => a - b));
    expect(finals(seen)[0]!.text.startsWith(partials[0]!.text.split(' ')[0]!)).toBe(true);
  });

  it('gives the same events for the same audio (audio position drives every decision)', async () => {
    const audio = concat(silence(500), firstHalf, silence(300), secondHalf, silence(900));
    expect(await transcribe(audio)).toEqual(await transcribe(audio));
  });

  it('accepts little-endian bytes in frames of any size', async () => {
    const audio = concat(silence(300), question, silence(1000));
    const stream = engine.stream({ sampleRateHz: 8000 });
    const events = collect(stream);
    const bytes = new Uint8Array(audio.buffer, audio.byteOffset, audio.byteLength);
    // 7 ms frames, and an odd byte offset into a larger buffer.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    for (let at = 1; at < shifted.length; at += 112) stream.pushFrame(shifted.subarray(at, Math.min(at + 112, shifted.length)));
    await stream.close();
    const viaBytes = finals(await events)[0]!;
    const viaSamples = finals(await transcribe(audio))[0]!;
    expect(viaBytes.text).toBe(viaSamples.text);
    expect(() => engine.stream({ sampleRateHz: 8000 }).pushFrame(new Uint8Array(3))).toThrow(/bytes come in pairs; got 3 bytes/);
  });

  it('takes wideband audio too (16 kHz, no resampling)', async () => {
    const wide = speak('what time do you open on saturday', 'slt');
    expect(wide.sampleRateHz).toBe(16000);
    const stream = engine.stream({ sampleRateHz: 16000 });
    const events = collect(stream);
    pushAll(stream, concat(silence(300, 16000), wide.samples, silence(1000, 16000)), 16000);
    await stream.close();
    const [final] = finals(await events);
    expect(wordErrorRate('what time do you open on saturday', final!.text)).toBeLessThanOrEqual(0.5);
  });
});

describe('local engine: turns', () => {
  it('keeps the turn open across a 300 ms pause mid-sentence', async () => {
    const events = await transcribe(concat(silence(500), firstHalf, silence(300), secondHalf, silence(1000)));
    expect(types(events)).toEqual(['speech_started', 'final', 'end_of_utterance']);
    expect(wordErrorRate('my name is john smith', finals(events)[0]!.text)).toBeLessThanOrEqual(0.2);
  });

  it('ends the turn at a 1 s pause: two utterances', async () => {
    const events = await transcribe(concat(silence(500), firstHalf, silence(1000), secondHalf, silence(1000)));
    expect(types(events)).toEqual(['speech_started', 'final', 'end_of_utterance', 'speech_started', 'final', 'end_of_utterance']);
    const [one, two] = finals(events);
    expect(one!.text).toBe('my name is');
    expect(two!.text).toBe('john smith');
    expect(two!.startMs).toBeGreaterThan(one!.endMs);
  });

  it('locks the turn TURN_SILENCE_MS after the last speech, measured in audio', async () => {
    const events = await transcribe(concat(silence(500), question, silence(1500)));
    const end = events.find((e) => e.type === 'end_of_utterance')!;
    const final = finals(events)[0]!;
    expect(end.atMs - end.lastSpeechAtMs).toBeGreaterThanOrEqual(engine.turn.silenceMs);
    // Decided at the first 20 ms frame past the pause.
    expect(end.atMs - end.lastSpeechAtMs).toBeLessThan(engine.turn.silenceMs + 20);
    expect(final.endMs).toBe(end.lastSpeechAtMs);
    // Speech ends with the question (flite trails off a little; the detector adds its window).
    expect(end.lastSpeechAtMs).toBeGreaterThan(500 + durationMs(trimSilence(question)) - 100);
    expect(end.lastSpeechAtMs).toBeLessThan(500 + durationMs(question) + 200);
  });

  it('honours the configured silence: with 1.2 s a 1 s pause no longer ends the turn', async () => {
    const patient = await localEngine({ silenceMs: 1200 });
    const audio = concat(silence(500), firstHalf, silence(1000), secondHalf, silence(1500));
    expect(types(await transcribe(audio, patient))).toEqual(['speech_started', 'final', 'end_of_utterance']);
  });

  it('settles a long utterance at a pause in several finals, with one end of utterance', async () => {
    const brief = await localEngine({ maxUtteranceMs: 800 });
    const events = await transcribe(concat(silence(500), firstHalf, silence(300), secondHalf, silence(1000)), brief);
    expect(types(events)).toEqual(['speech_started', 'final', 'final', 'end_of_utterance']);
    const [one, two] = finals(events);
    expect(one!.text).toBe('my name is');
    expect(two!.text).toBe('john smith');
    expect(two!.startMs).toBeGreaterThanOrEqual(one!.endMs);
  });

  it('produces nothing from silence or noise', async () => {
    expect(await transcribe(silence(5000))).toEqual([]);
    for (const amplitude of [0.02, 0.3, 0.8]) {
      const events = await transcribe(concat(silence(500), noise(3000, amplitude), silence(1000)));
      expect(finals(events)).toEqual([]);
      expect(events).toEqual([]);
    }
    const hum = Int16Array.from({ length: 24_000 }, (_, i) => Math.round(Math.sin((2 * Math.PI * 440 * i) / 8000) * 0.3 * 32767));
    expect(await transcribe(concat(silence(500), hum, silence(1000)))).toEqual([]);
  });

  it('finalize() settles the utterance at once, before the pause is long enough', async () => {
    const stream = engine.stream({ sampleRateHz: 8000 });
    const seen: SpeechEvent[] = [];
    const reading = (async () => {
      for await (const event of stream) seen.push(event);
    })();
    pushAll(stream, concat(silence(300), question, silence(150)));
    await tick();
    expect(types(seen)).toEqual(['speech_started']);
    stream.finalize();
    await tick();
    expect(types(seen)).toEqual(['speech_started', 'final', 'end_of_utterance']);
    expect(finals(seen)[0]!.text).toMatch(/\btime\b.*\bopen\b/);
    // Nothing left to settle: a second finalize and the rest of the pause add nothing.
    stream.finalize();
    pushAll(stream, silence(1000));
    await stream.close();
    await reading;
    expect(types(seen)).toEqual(['speech_started', 'final', 'end_of_utterance']);
  });

  it('finalize() mid-speech settles what was said and starts a new utterance', async () => {
    const stream = engine.stream({ sampleRateHz: 8000 });
    const events = collect(stream);
    const sentence = concat(firstHalf, secondHalf);
    const cut = Math.round(firstHalf.length / 160) * 160;
    pushAll(stream, concat(silence(300), sentence.subarray(0, cut)));
    stream.finalize();
    pushAll(stream, concat(sentence.subarray(cut), silence(1000)));
    await stream.close();
    const all = await events;
    expect(types(all)).toEqual(['speech_started', 'final', 'end_of_utterance', 'speech_started', 'final', 'end_of_utterance']);
    // The cut falls between the halves, as a caller's finalize might.
    expect(finals(all)[0]!.text).toBe('my name is');
    expect(finals(all)[1]!.text).toBe('john smith');
  });
});

describe('local engine: stream lifecycle', () => {
  it('close() settles speech in progress, ends the events and releases the stream', async () => {
    const before = engine.activeStreams;
    const stream = engine.stream({ sampleRateHz: 8000 });
    expect(engine.activeStreams).toBe(before + 1);
    const events = collect(stream);
    pushAll(stream, concat(silence(300), question));
    await stream.close();
    expect(types(await events)).toEqual(['speech_started', 'final', 'end_of_utterance']);
    expect(engine.activeStreams).toBe(before);
    expect(() => stream.pushFrame(silence(20))).toThrow(/pushFrame\(\) after close\(\)/);
    await stream.close();
    stream.finalize();
    expect(engine.activeStreams).toBe(before);
  });

  it('reuses the voice activity detector of a closed call, reset to a fresh state', async () => {
    const audio = concat(silence(500), firstHalf, silence(1000), secondHalf, silence(1000));
    const pooled = await localEngine();
    const fresh = await transcribe(audio, pooled);
    expect(pooled.idleDetectorCount).toBe(1);
    // Same detector, mid-speech when its first call closed: the next call must not notice.
    const interrupted = pooled.stream({ sampleRateHz: 8000 });
    pushAll(interrupted, concat(silence(500), firstHalf.subarray(0, 4000)));
    await interrupted.close();
    expect(pooled.idleDetectorCount).toBe(1);
    expect(await transcribe(audio, pooled)).toEqual(fresh);
    expect(pooled.idleDetectorCount).toBe(1);
  });

  it('holds at most maxQueuedEvents for a reader that does not read, then says what it dropped', async () => {
    const small = await localEngine({}, 4);
    const stream = small.stream({ sampleRateHz: 8000 });
    const utterance = concat(firstHalf, silence(1000));
    for (let i = 0; i < 4; i++) pushAll(stream, utterance);
    expect((stream as unknown as { queuedEvents: number }).queuedEvents).toBe(4);
    await stream.close();
    const events = await collect(stream);
    // Four utterances of four events each (started, partial, final, end): the newest four survive, the last utterance whole.
    expect(events[0]).toEqual({ type: 'error', message: '12 speech event(s) dropped: the reader fell behind (at most 4 are held)' });
    expect(events.slice(1).map((e) => e.type)).toEqual(['speech_started', 'partial', 'final', 'end_of_utterance']);
  });

  it('refuses what it cannot do, clearly', () => {
    expect(() => engine.stream({ sampleRateHz: 8000, channels: 2 })).toThrow(/takes mono audio \(channels: 1\), got 2: open one stream per channel/);
    expect(() => engine.stream({ sampleRateHz: 44.1 })).toThrow(/sampleRateHz must be a whole number of Hz from 8000 to 48000; got 44.1/);
    expect(() => engine.stream({ sampleRateHz: 8000, language: 'de-DE' })).toThrow(/English only; language "de-DE" needs STT_ENGINE=deepgram or aws/);
    expect(() => engine.stream({ sampleRateHz: 8000, language: 'en-GB', keyterms: ['Saturday'] }).close()).not.toThrow();
  });
});
