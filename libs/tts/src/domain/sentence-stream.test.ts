import { describe, expect, it } from 'vitest';
import { TtsBufferFullError, TtsSynthesisError, type SynthesizedFrame } from '../ports/text-to-speech';
import { OpenStreams, SentenceSynthesisStream, type StreamLimits } from './sentence-stream';

const FRAME = 320; // bytes of 20 ms at 8 kHz

interface Call {
  text: string;
  signal: AbortSignal;
  urgent: boolean;
  finish(frames: number): void;
  fail(error: Error): void;
}

/** An engine the test drives by hand: each sentence waits until the test finishes it. */
function harness(limits?: StreamLimits, now?: () => number) {
  const calls: Call[] = [];
  const stream = new SentenceSynthesisStream(
    (text, signal, _onAudio, { urgent }) =>
      new Promise<Uint8Array>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason));
        calls.push({ text, signal, urgent, finish: (frames) => resolve(new Uint8Array(Math.round(frames * FRAME)).fill(1)), fail: reject });
      }),
    8000,
    limits,
    undefined,
    now,
  );
  const reader = stream[Symbol.asyncIterator]();
  const next = async () => (await reader.next()).value as SynthesizedFrame;
  return { calls, stream, reader, next };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SentenceSynthesisStream', () => {
  it('synthesizes sentences one at a time, in order, and flags sentence and reply ends', async () => {
    const { calls, stream, next } = harness();
    stream.pushText('First one. Second');
    stream.pushText(' one. Third');
    expect(calls.map((c) => c.text)).toEqual(['First one.']);
    calls[0]!.finish(1.5);
    await tick();
    expect(calls.map((c) => c.text)).toEqual(['First one.', 'Second one.']);
    stream.flush();
    calls[1]!.finish(1);
    await tick();
    calls[2]!.finish(1);

    const frames = [await next(), await next(), await next(), await next()];
    expect(frames.map((f) => [f.sentenceIndex, f.replyIndex, f.text, f.sentenceEnd, f.replyEnd])).toEqual([
      [0, 0, 'First one.', false, false],
      [0, 0, undefined, true, false],
      [1, 0, 'Second one.', true, false],
      [2, 0, 'Third', true, true],
    ]);
    expect(frames.every((f) => f.audio.byteLength === FRAME && f.sampleRateHz === 8000)).toBe(true);
  });

  it('calls a sentence urgent when little audio is left to play ahead of it (a reply\'s opening), not while the one before plays', async () => {
    let clock = 0;
    const { calls, stream, next } = harness(undefined, () => clock);
    stream.pushText('One. Two.');
    stream.flush();
    await tick();
    calls[0]!.finish(50); // 1 s of audio
    await tick();
    // "Two." starts as soon as "One." is done: a second of audio is ahead of it.
    expect(calls.map((c) => [c.text, c.urgent])).toEqual([
      ['One.', true],
      ['Two.', false],
    ]);
    for (let i = 0; i < 50; i++) await next(); // the reader plays it from clock 0: heard until 1000
    calls[1]!.finish(5);
    for (let i = 0; i < 5; i++) await next(); // heard until 1100
    clock = 950; // 150 ms left to hear
    stream.pushText('Three.');
    stream.flush();
    await tick();
    clock = 5000; // long after the last audio: the caller hears nothing
    calls[2]!.finish(1);
    await next();
    stream.pushText('Four.');
    stream.flush();
    await tick();
    expect(calls.slice(2).map((c) => [c.text, c.urgent])).toEqual([
      ['Three.', true],
      ['Four.', true],
    ]);
  });

  it('marks the reply end with one silent frame when its last frame was already read', async () => {
    const { calls, stream, next } = harness();
    stream.pushText('Hello there. ');
    calls[0]!.finish(1);
    expect((await next()).replyEnd).toBe(false);
    stream.flush();
    const marker = await next();
    expect(marker).toMatchObject({ sentenceIndex: 0, replyIndex: 0, sentenceEnd: true, replyEnd: true });
    expect(marker.audio.every((b) => b === 0)).toBe(true);
    stream.pushText('Next reply.');
    stream.flush();
    calls[1]!.finish(1);
    expect(await next()).toMatchObject({ sentenceIndex: 1, replyIndex: 1, replyEnd: true });
  });

  it('holds back the next sentence while the reader is behind (backpressure)', async () => {
    const { calls, stream, next } = harness({ maxBufferedAudioMs: 100 }); // 5 frames
    stream.pushText('One. Two. Three. ');
    calls[0]!.finish(8);
    await tick();
    expect(calls).toHaveLength(1);
    expect(stream.bufferedFrames).toBe(8);
    for (let i = 0; i < 3; i++) await next();
    expect(calls).toHaveLength(1); // still 5 buffered
    await next();
    expect(calls).toHaveLength(2);
  });

  it('refuses text past the limit and stays usable', () => {
    const { calls, stream } = harness({ maxPendingChars: 40 });
    stream.pushText('A first sentence. And more text');
    expect(() => stream.pushText(' that goes on and on')).toThrow(TtsBufferFullError);
    stream.pushText('.');
    expect(calls).toHaveLength(1);
  });

  it('on cancel aborts the sentence in flight, drops unread audio and starts afresh', async () => {
    const { calls, stream, next, reader } = harness();
    stream.pushText('One. Two. Three. ');
    calls[0]!.finish(3);
    await tick();
    expect((await next()).sentenceIndex).toBe(0);
    stream.cancel();
    const pending = reader.next();
    expect(calls[1]!.signal.aborted).toBe(true);
    expect(stream.bufferedFrames).toBe(0);
    calls[1]!.finish(3); // too late: ignored
    stream.pushText('After barge-in.');
    stream.flush();
    await tick();
    expect(calls.map((c) => c.text)).toEqual(['One.', 'Two.', 'After barge-in.']);
    calls[2]!.finish(1);
    const frame = (await pending).value as SynthesizedFrame;
    expect(frame).toMatchObject({ sentenceIndex: 3, replyIndex: 1, text: 'After barge-in.', replyEnd: true });
  });

  it('replyIndex names the reply of text pushed now, above every reply a cancel dropped', async () => {
    const { calls, stream, next } = harness();
    expect(stream.replyIndex).toBe(0);
    stream.pushText('One. ');
    stream.flush();
    expect(stream.replyIndex).toBe(1);
    const handedOut = next(); // handed out before the cancel, read after it
    calls[0]!.finish(1);
    await tick();
    stream.pushText('Two. Three');
    stream.cancel(); // drops reply 1 (sentence "Two." and the buffered rest)
    expect(stream.replyIndex).toBe(2);
    expect((await handedOut).replyIndex).toBeLessThan(stream.replyIndex);
    stream.cancel(); // nothing left to drop: the counter stays
    expect(stream.replyIndex).toBe(2);
    stream.pushText('Four.');
    stream.flush();
    await tick();
    calls.at(-1)!.finish(1);
    expect(await next()).toMatchObject({ replyIndex: 2, text: 'Four.' });
  });

  it('delivers what it has, then throws the engine failure and ends', async () => {
    const { calls, stream, reader } = harness();
    stream.pushText('Fine. Broken. ');
    calls[0]!.finish(1);
    await tick();
    calls[1]!.fail(new TtsSynthesisError('flite failed'));
    expect((await reader.next()).done).toBe(false);
    await expect(reader.next()).rejects.toThrow('flite failed');
    expect((await reader.next()).done).toBe(true);
  });

  it('a reader already waiting gets the engine failure, not a plain end', async () => {
    const { calls, stream, reader } = harness();
    stream.pushText('Broken. ');
    const waiting = reader.next();
    calls[0]!.fail(new TtsSynthesisError('flite failed'));
    await expect(waiting).rejects.toThrow('flite failed');
    expect((await reader.next()).done).toBe(true);
  });

  it('ends after endInput once the remaining audio is read', async () => {
    const { calls, stream } = harness();
    stream.pushText('Last words');
    stream.endInput();
    expect(() => stream.pushText('more')).toThrow(/ended/);
    calls[0]!.finish(2);
    const frames: SynthesizedFrame[] = [];
    for await (const frame of stream) frames.push(frame);
    expect(frames.map((f) => f.replyEnd)).toEqual([false, true]);
  });

  it('close aborts work, releases a waiting reader and refuses more text', async () => {
    const { calls, stream, reader } = harness();
    stream.pushText('Something long. ');
    const waiting = reader.next();
    await stream.close();
    expect(calls[0]!.signal.aborted).toBe(true);
    expect((await waiting).done).toBe(true);
    expect(() => stream.pushText('x')).toThrow(/closed/);
  });

  it('hands out frames of a sentence while the engine is still sending it', async () => {
    let send: (audio: Uint8Array) => void = () => undefined;
    let finish: () => void = () => undefined;
    const stream = new SentenceSynthesisStream(
      (_text, _signal, onAudio) =>
        new Promise<Uint8Array>((resolve) => {
          send = onAudio;
          finish = () => resolve(new Uint8Array(100).fill(3));
        }),
      8000,
    );
    const reader = stream[Symbol.asyncIterator]();
    stream.pushText('Streaming now');
    stream.flush(); // while the sentence is in flight
    send(new Uint8Array(700).fill(2));
    const first = (await reader.next()).value as SynthesizedFrame;
    expect(first).toMatchObject({ sentenceIndex: 0, text: 'Streaming now', sentenceEnd: false, replyEnd: false });
    expect(stream.bufferedFrames).toBe(1); // 700 bytes: two whole frames out, 60 bytes held
    finish();
    const rest = [(await reader.next()).value, (await reader.next()).value] as SynthesizedFrame[];
    expect(rest.map((f) => [f.sentenceEnd, f.replyEnd])).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(rest[1]!.audio.subarray(0, 60).every((b) => b === 2) && rest[1]!.audio.subarray(60, 160).every((b) => b === 3)).toBe(true);
    await stream.close();
  });

  it('drops audio an aborted sentence still sends', async () => {
    const sends: ((audio: Uint8Array) => void)[] = [];
    const stream = new SentenceSynthesisStream(
      (_text, signal, onAudio) =>
        new Promise<Uint8Array>((resolve) => {
          sends.push(onAudio);
          signal.addEventListener('abort', () => resolve(new Uint8Array(0))); // settles without rejecting
        }),
      8000,
    );
    stream.pushText('Old one. ');
    sends[0]!(new Uint8Array(1000));
    stream.cancel();
    sends[0]!(new Uint8Array(1000)); // late bytes from the aborted request
    expect(stream.bufferedFrames).toBe(0);
    stream.pushText('New one.');
    stream.flush();
    await tick();
    sends[1]!(new Uint8Array(1000).fill(5));
    expect((await stream[Symbol.asyncIterator]().next()).value).toMatchObject({ sentenceIndex: 1, replyIndex: 1, text: 'New one.' });
    await stream.close();
  });
});

describe('OpenStreams', () => {
  const silentSentence = async () => new Uint8Array(320);

  it('closes the streams still open when the engine closes, then refuses new ones', async () => {
    const streams = new OpenStreams();
    const kept = streams.open((onClose) => new SentenceSynthesisStream(silentSentence, 8000, undefined, onClose));
    const done = streams.open((onClose) => new SentenceSynthesisStream(silentSentence, 8000, undefined, onClose));
    await done.close();
    kept.pushText('Still talking.');

    expect(await streams.closeAll()).toBe(true);
    expect(() => kept.pushText('More.')).toThrow('synthesis stream is closed');
    expect(() => streams.open((onClose) => new SentenceSynthesisStream(silentSentence, 8000, undefined, onClose))).toThrow('text-to-speech engine is closed');
    expect(await streams.closeAll()).toBe(false);
  });
});
