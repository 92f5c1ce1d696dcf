import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { PhraseCache } from '../../domain/phrase-cache';
import { rms } from '../../domain/pcm';
import { TtsSetupError, type SynthesisOptions, type SynthesizedFrame } from '../../ports/text-to-speech';
import { LocalTextToSpeech } from './local-tts';
import type { ProcessExit, ProcessInfo } from './processes';

const TEN_WORDS = 'Your appointment is confirmed for Tuesday at nine thirty tomorrow.';

/** Records every synthesis process the engine starts and ends. */
function watcher() {
  const spawned: ProcessInfo[] = [];
  const exited: ProcessExit[] = [];
  return { spawned, exited, observer: { onSpawn: (p: ProcessInfo) => spawned.push(p), onExit: (p: ProcessExit) => exited.push(p) } };
}

/** 'gone' once the process has exited and been reaped; a zombie counts as still there. */
function processState(pid: number): 'gone' | 'zombie' | 'running' {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z') ? 'zombie' : 'running';
  } catch {
    return 'gone';
  }
}

async function readAll(tts: LocalTextToSpeech, text: string, options: SynthesisOptions): Promise<SynthesizedFrame[]> {
  const stream = tts.stream(options);
  stream.pushText(text);
  stream.endInput();
  const frames: SynthesizedFrame[] = [];
  for await (const frame of stream) frames.push(frame);
  return frames;
}

describe('LocalTextToSpeech (flite, espeak-ng)', () => {
  const watch = watcher();
  let tts: LocalTextToSpeech;
  let scratch: string;
  let hangingFlite: string;

  beforeAll(async () => {
    tts = await LocalTextToSpeech.create({ observer: watch.observer });
    // A flite that never finishes a sentence containing "hang", so cancel always finds a live process.
    scratch = await mkdtemp(join(tmpdir(), 'tts-test-'));
    hangingFlite = join(scratch, 'flite');
    await writeFile(hangingFlite, '#!/bin/sh\ncase "$*" in *hang*) exec sleep 10;; esac\nexec flite "$@"\n');
    await chmod(hangingFlite, 0o755);
  });

  afterAll(async () => {
    await tts.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('defaults to kal at its native 8 kHz', () => {
    expect(tts).toMatchObject({ engine: 'local', voice: 'kal', sampleRateHz: 8000 });
  });

  it.each([
    ['kal', 8000],
    ['kal', 16000],
    ['slt', 8000],
    ['espeak-ng', 8000],
    ['espeak-ng:en-us', 16000],
  ] as const)('%s at %i Hz: exact 20 ms frames of speech, as long as the text', async (voice, sampleRateHz) => {
    const frames = await readAll(tts, TEN_WORDS, { sampleRateHz, voice });
    expect(frames.every((f) => f.audio.byteLength === sampleRateHz / 25 && f.sampleRateHz === sampleRateHz)).toBe(true);
    const seconds = frames.length * 0.02;
    expect(seconds).toBeGreaterThan(2);
    expect(seconds).toBeLessThan(5.5);
    const voiced = frames.filter((f) => rms(f.audio) > 300).length;
    expect(voiced / frames.length).toBeGreaterThan(0.6);
    // Leading silence is trimmed: speech starts within the first few frames.
    expect(frames.slice(0, 5).some((f) => rms(f.audio) > 300)).toBe(true);
    expect(frames.at(-1)).toMatchObject({ sentenceEnd: true, replyEnd: true });
    expect(frames[0]!.text).toBe(TEN_WORDS);

    const short = await readAll(tts, 'Hello.', { sampleRateHz, voice });
    expect(short.length).toBeLessThan(frames.length / 3);
  });

  it('synthesize() returns exactly the audio the stream yields, a whole number of frames', async () => {
    const text = 'Thanks for calling. We open at 9:30 am.';
    const frames = await readAll(tts, text, { sampleRateHz: 8000 });
    const whole = await tts.synthesize(text, { sampleRateHz: 8000 });
    expect(whole.byteLength).toBe(frames.length * 320);
    expect(Buffer.from(whole).equals(Buffer.concat(frames.map((f) => f.audio)))).toBe(true);
    expect(new Set(frames.map((f) => f.sentenceIndex))).toEqual(new Set([0, 1]));
  });

  it('streams: the first sentence plays before the rest is written, let alone synthesized', async () => {
    const stream = tts.stream({ sampleRateHz: 8000 });
    const reader = stream[Symbol.asyncIterator]();
    const before = { spawned: watch.spawned.length, exited: watch.exited.length };
    stream.pushText('Thanks for calling Main Street Salon. How can');
    const first = (await reader.next()).value as SynthesizedFrame;
    expect(first).toMatchObject({ sentenceIndex: 0, text: 'Thanks for calling Main Street Salon.' });
    expect(watch.exited.length - before.exited).toBe(1);

    stream.pushText(' I help you today? We have openings on Monday. And on Tuesday.');
    stream.flush();
    let sentencesSynthesizedAtSecond: number | undefined;
    const seen = new Set<number>();
    for (;;) {
      const { value, done } = await reader.next();
      if (done) break;
      if (value.sentenceIndex === 1 && !seen.has(1)) sentencesSynthesizedAtSecond = watch.exited.length - before.exited;
      seen.add(value.sentenceIndex);
      if (value.replyEnd) break;
    }
    expect([...seen]).toEqual([0, 1, 2, 3]);
    expect(sentencesSynthesizedAtSecond).toBe(2); // sentences 3 and 4 were still to come
    expect(watch.spawned.length - before.spawned).toBe(4);
    await stream.close();
  });

  it('cancel drops unplayed audio at once and kills the synthesis process', async () => {
    const w = watcher();
    const engine = await LocalTextToSpeech.create({ flitePath: hangingFlite, observer: w.observer });
    try {
      const stream = engine.stream({ sampleRateHz: 8000 });
      const reader = stream[Symbol.asyncIterator]();
      stream.pushText('Hello there, welcome. Please hang on a moment. ');
      expect((await reader.next()).value).toMatchObject({ sentenceIndex: 0 });
      await vi.waitFor(() => expect(w.spawned.at(-1)?.args).toContain('Please hang on a moment.'));
      const { pid } = w.spawned.at(-1)!;
      expect(processState(pid)).toBe('running');

      stream.cancel();
      stream.pushText('Sorry, go ahead.');
      stream.flush();
      // The rest of "Hello there, welcome." was buffered: none of it may play after the cancel.
      expect((await reader.next()).value).toMatchObject({ sentenceIndex: 2, replyIndex: 1, text: 'Sorry, go ahead.' });
      await vi.waitFor(() => expect(processState(pid)).toBe('gone'), { timeout: 2000 });
      expect(w.exited.find((e) => e.pid === pid)?.signal).toBe('SIGKILL');
      await stream.close();
      expect(engine.activeProcesses).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('close releases everything: processes reaped before it resolves, reader ended, temp files gone', async () => {
    const w = watcher();
    const engine = await LocalTextToSpeech.create({ flitePath: hangingFlite, observer: w.observer });
    onTestFinished(() => engine.close()); // no stray process even when an expectation fails
    const stream = engine.stream({ sampleRateHz: 8000 });
    const other = engine.stream({ sampleRateHz: 16000 });
    const reader = stream[Symbol.asyncIterator]();
    const waiting = reader.next();
    stream.pushText('Please hang on. ');
    other.pushText('Please hang on too. ');
    await vi.waitFor(() => expect(w.spawned.filter((p) => p.args.some((a) => a.includes('hang')))).toHaveLength(2));
    const [a, b] = w.spawned.filter((p) => p.args.some((a) => a.includes('hang')));

    await stream.close();
    expect(processState(a!.pid)).toBe('gone');
    expect((await waiting).done).toBe(true);
    expect(() => stream.pushText('More.')).toThrow(/closed/);

    const tempDir = dirname(b!.args[b!.args.indexOf('-o') + 1]!);
    expect(existsSync(tempDir)).toBe(true);
    await engine.close(); // closes the other stream too
    expect(processState(b!.pid)).toBe('gone');
    expect(engine.activeProcesses).toBe(0);
    expect(existsSync(tempDir)).toBe(false);
    expect(() => engine.stream({ sampleRateHz: 8000 })).toThrow(/closed/);
  });

  it('caps concurrent synthesis processes per engine and queues the rest', async () => {
    const w = watcher();
    let running = 0;
    let peak = 0;
    const engine = await LocalTextToSpeech.create({
      maxConcurrentProcesses: 2,
      observer: { onSpawn: (p) => (w.observer.onSpawn(p), (peak = Math.max(peak, ++running))), onExit: () => running-- },
    });
    try {
      peak = 0;
      const texts = ['One is here.', 'Two is here.', 'Three is here.', 'Four is here.', 'Five is here.'];
      const audio = await Promise.all(texts.map((t) => engine.synthesize(t, { sampleRateHz: 8000 })));
      expect(audio.every((a) => a.byteLength > 0)).toBe(true);
      expect(peak).toBe(2);
    } finally {
      await engine.close();
    }
  });

  it('a phrase cache hit returns identical audio without starting a process', async () => {
    const cache = new PhraseCache(tts);
    const options = { sampleRateHz: 8000 };
    await cache.warm(['Thanks for calling Main Street Salon.', 'One moment please.', 'Sorry, we are closed right now.'], options);
    const spawnedBefore = watch.spawned.length;
    const hit = await cache.synthesize('One moment please.', options);
    expect(cache.get('One moment please.', options)).toBe(hit);
    expect(watch.spawned.length).toBe(spawnedBefore);
    const fresh = await tts.synthesize('One moment please.', options);
    expect(watch.spawned.length).toBe(spawnedBefore + 1);
    expect(Buffer.from(hit).equals(Buffer.from(fresh))).toBe(true);
  });

  it('names the Debian package when a synthesizer is missing, and rejects unknown voices', async () => {
    const missing = LocalTextToSpeech.create({ flitePath: '/nonexistent/bin/flite' });
    await expect(missing).rejects.toThrow(TtsSetupError);
    await expect(missing).rejects.toThrow(/flite.*not found.*install the Debian package flite \(apt-get install flite\)/);

    const noEspeak = await LocalTextToSpeech.create({ espeakPath: '/nonexistent/bin/espeak-ng' });
    try {
      expect(() => noEspeak.stream({ sampleRateHz: 8000, voice: 'espeak-ng:en-us' })).toThrow(/Debian package espeak-ng/);
      expect(noEspeak.stream({ sampleRateHz: 8000 })).toBeDefined(); // flite still works
    } finally {
      await noEspeak.close();
    }
    await expect(LocalTextToSpeech.create({ voice: 'espeak-ng', espeakPath: '/nonexistent/bin/espeak-ng' })).rejects.toThrow(/apt-get install espeak-ng/);
    await expect(LocalTextToSpeech.create({ voice: 'nosuchvoice' })).rejects.toThrow(/flite has no voice "nosuchvoice" \(installed: .*kal/);
    expect(() => tts.stream({ sampleRateHz: 8000, voice: 'nosuchvoice' })).toThrow(TtsSetupError);
  });
});
