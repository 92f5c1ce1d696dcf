import { DEEPGRAM_FLUSH_LIMIT_WARNING, DEEPGRAM_SPEAK_MAX_CHARS, DeepgramSpeakServer, deepgramSpeakAudio, eventually } from '@voiceagent/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeepgramTextToSpeech, splitText, type DeepgramTtsOptions } from '../src/adapters/deepgram/deepgram-tts';
import { concatBytes as join } from '../src/domain/pcm';
import { TtsSetupError, TtsSynthesisError, type SynthesisStream, type SynthesizedFrame } from '../src/index';
import { readReplies } from './frames';

const FRAME_8K = 320; // bytes of 20 ms at 8 kHz

let server: DeepgramSpeakServer;
const engines: DeepgramTextToSpeech[] = [];

beforeEach(async () => {
  server = await DeepgramSpeakServer.start();
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  await server.stop();
});

function deepgram(options: Partial<DeepgramTtsOptions> = {}): DeepgramTextToSpeech {
  const tts = new DeepgramTextToSpeech({ apiKey: 'test-key', url: server.url, ...options });
  engines.push(tts);
  return tts;
}


/** Reads until the iterator throws; returns the error (fails if the stream ends instead). */
async function readUntilError(stream: SynthesisStream): Promise<unknown> {
  try {
    for await (const _frame of stream) {
      // frames before the failure
    }
  } catch (error) {
    return error;
  }
  throw new Error('the stream ended without an error');
}

/** Byte-for-byte equality (vitest's deep equality is slow on long typed arrays), naming the first difference. */
function expectSameAudio(actual: Uint8Array, expected: Uint8Array): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  const at = a.findIndex((byte, i) => byte !== b[i]);
  expect.fail(`audio differs: ${a.byteLength} bytes vs ${b.byteLength} expected, first difference at byte ${at < 0 ? Math.min(a.byteLength, b.byteLength) : at}`);
}

/** The server's audio for `text`, padded with silence to whole 20 ms frames, as the stream should hand it out. */
function framed(text: string, sampleRateHz = 8000): Uint8Array {
  const audio = deepgramSpeakAudio(text, sampleRateHz);
  const frameBytes = (sampleRateHz / 50) * 2;
  const padded = new Uint8Array(Math.ceil(audio.byteLength / frameBytes) * frameBytes);
  padded.set(audio);
  return padded;
}

describe('splitText (Deepgram takes at most 2000 characters a message)', () => {
  it('cuts after whitespace into pieces that join back to the whole', () => {
    const text = Array.from({ length: 700 }, (_, i) => `word${i}`).join(' ');
    const pieces = splitText(text, DEEPGRAM_SPEAK_MAX_CHARS);
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.every((p) => p.length <= DEEPGRAM_SPEAK_MAX_CHARS)).toBe(true);
    expect(pieces.slice(0, -1).every((p) => p.endsWith(' '))).toBe(true);
    expect(pieces.join('')).toBe(text);
  });

  it('cuts a run with no space at the limit, but never inside a surrogate pair', () => {
    expect(splitText('a'.repeat(5), 2)).toEqual(['aa', 'aa', 'a']);
    expect(splitText('a😀b', 2)).toEqual(['a', '😀', 'b']);
    expect(splitText('short', 2000)).toEqual(['short']);
  });
});

describe('DeepgramTextToSpeech stream() over the /v1/speak WebSocket', () => {
  it('connects once per stream with exactly model, encoding=linear16 and the sample rate, and the key as Authorization: Token', async () => {
    const tts = deepgram();
    tts.stream({ sampleRateHz: 8000 });
    tts.stream({ sampleRateHz: 16000, voice: 'aura-2-zeus-en' });
    await eventually(() => expect(server.connections).toHaveLength(2));
    const queries = server.connections.map((c) => Object.fromEntries(c.query));
    expect(queries).toContainEqual({ model: 'aura-2-thalia-en', encoding: 'linear16', sample_rate: '8000' });
    expect(queries).toContainEqual({ model: 'aura-2-zeus-en', encoding: 'linear16', sample_rate: '16000' });
    expect(server.connections.map((c) => c.headers.authorization)).toEqual(['Token test-key', 'Token test-key']);
    expect(() => tts.stream({ sampleRateHz: 11025 })).toThrow(RangeError);
    expect(() => tts.stream({ sampleRateHz: 12000 })).toThrow(/8000, 16000, 24000/);
  });

  it('speaks each sentence as Speak + Flush and yields exact 20 ms frames with sentence and reply indexes', async () => {
    const stream = deepgram().stream({ sampleRateHz: 8000 });
    stream.pushText('Hello there. How are');
    stream.pushText(' you today?');
    stream.flush();
    stream.pushText('Second reply.');
    stream.endInput();

    const frames: SynthesizedFrame[] = [];
    for await (const frame of stream) frames.push(frame); // ends after endInput
    expect(frames.every((f) => f.audio.byteLength === FRAME_8K && f.sampleRateHz === 8000)).toBe(true);
    const sentences = [
      { index: 0, reply: 0, text: 'Hello there.' },
      { index: 1, reply: 0, text: 'How are you today?' },
      { index: 2, reply: 1, text: 'Second reply.' },
    ];
    for (const { index, reply, text } of sentences) {
      const own = frames.filter((f) => f.sentenceIndex === index);
      expect(own.every((f) => f.replyIndex === reply)).toBe(true);
      expect(own.map((f) => f.text)).toEqual([text, ...own.slice(1).map(() => undefined)]);
      expect(own.map((f) => f.sentenceEnd)).toEqual([...own.slice(1).map(() => false), true]);
      expectSameAudio(join(own.map((f) => f.audio)), framed(text));
    }
    expect(frames.map((f) => f.sentenceIndex)).toEqual([...frames.map((f) => f.sentenceIndex)].sort((a, b) => a - b));
    expect(frames.filter((f) => f.replyEnd).map((f) => f.sentenceIndex)).toEqual([1, 2]);
    expect(frames.at(-1)!.replyEnd).toBe(true);

    expect(server.connections).toHaveLength(1);
    expect(server.last.types.slice(0, 6)).toEqual(['Speak', 'Flush', 'Speak', 'Flush', 'Speak', 'Flush']);
    expect(server.last.spoken).toEqual(['Hello there.', 'How are you today?', 'Second reply.']);
    await stream.close();
  });

  it('sends a sentence longer than 2000 characters as several Speak messages before one Flush', async () => {
    const long = Array.from({ length: 900 }, (_, i) => `alpha${i}`).join(' '); // ~7000 characters, no full stop
    const stream = deepgram({ limits: { maxSentenceChars: 10_000, maxPendingChars: 20_000 } }).stream({ sampleRateHz: 8000 });
    stream.pushText(long);
    stream.flush();
    const frames = await readReplies(stream);
    const spoken = server.last.spoken;
    expect(spoken.length).toBe(4);
    expect(spoken.every((t) => t.length <= DEEPGRAM_SPEAK_MAX_CHARS)).toBe(true);
    expect(spoken.join('')).toBe(long);
    expect(server.last.types).toEqual(['Speak', 'Speak', 'Speak', 'Speak', 'Flush']);
    expectSameAudio(join(frames.map((f) => f.audio)), framed(long)); // one sentence: the server speaks the joined text
    expect(new Set(frames.map((f) => f.sentenceIndex))).toEqual(new Set([0]));
  });

  it('cancel sends Clear and drops everything up to Cleared; the next reply is spoken cleanly', async () => {
    const tts = deepgram();
    const stream = tts.stream({ sampleRateHz: 8000 });
    const reader = stream[Symbol.asyncIterator]();
    server.holdAudio = true;
    stream.pushText('This reply gets interrupted halfway through.');
    stream.flush();
    const first = (await reader.next()).value as SynthesizedFrame;
    expect(first).toMatchObject({ sentenceIndex: 0, replyIndex: 0, text: 'This reply gets interrupted halfway through.' });
    expect(server.last.holding).toBe(true);

    stream.cancel(); // barge-in while Deepgram is still sending the sentence
    expect(stream.replyIndex).toBe(1);
    // The next reply goes out at once, so it is in flight while the server answers the Clear with the
    // rest of the old audio and its Flushed (already on the wire), then Cleared.
    server.holdAudio = false;
    stream.pushText('Fresh start.');
    stream.flush();
    const frames = await readReplies(stream);
    expect(frames.every((f) => f.replyIndex === 1 && f.sentenceIndex === 1)).toBe(true);
    expect(frames[0]!.text).toBe('Fresh start.');
    expectSameAudio(join(frames.map((f) => f.audio)), framed('Fresh start.'));
    expect(server.last.types).toEqual(['Speak', 'Flush', 'Clear', 'Speak', 'Flush']);
    expect(server.connections).toHaveLength(1);
    expect(tts.openConnections).toBe(1);
    await stream.close();
  });

  it('a Warning other than the flush limit fails the sentence: the iterator throws a TtsSynthesisError naming it', async () => {
    server.faults.push({ kind: 'warning', code: 'SOME_WARNING', description: 'something Deepgram wants known' });
    const stream = deepgram().stream({ sampleRateHz: 8000 });
    stream.pushText('Hello.');
    stream.flush();
    const error = await readUntilError(stream);
    expect(error).toBeInstanceOf(TtsSynthesisError);
    expect((error as Error).message).toMatch(/Deepgram text-to-speech warning: SOME_WARNING: something Deepgram wants known/);
    expect(server.connections).toHaveLength(1); // not retried
    expect(() => stream.pushText('more')).toThrow(/closed/);
  });

  it('an Error message fails the sentence and closes the connection', async () => {
    server.faults.push({ kind: 'error', code: 'INTERNAL_SERVER_ERROR', description: 'model crashed' });
    const tts = deepgram();
    const stream = tts.stream({ sampleRateHz: 8000 });
    stream.pushText('Hello.');
    stream.flush();
    const error = await readUntilError(stream);
    expect(error).toBeInstanceOf(TtsSynthesisError);
    expect((error as Error).message).toMatch(/Deepgram text-to-speech error: INTERNAL_SERVER_ERROR: model crashed/);
    await eventually(() => expect(server.openConnections).toBe(0));
    expect(tts.openConnections).toBe(0);
  });

  it('a refused API key is a TtsSetupError that says to check DEEPGRAM_API_KEY, at start-up and on a stream', async () => {
    await expect(DeepgramTextToSpeech.create({ apiKey: 'wrong', url: server.url })).rejects.toThrow(TtsSetupError);
    await expect(DeepgramTextToSpeech.create({ apiKey: 'wrong', url: server.url })).rejects.toThrow(
      /Deepgram refused the API key \(HTTP 401, INVALID_AUTH: Invalid credentials\.\): check DEEPGRAM_API_KEY/,
    );
    const stream = deepgram({ apiKey: 'wrong' }).stream({ sampleRateHz: 8000 });
    stream.pushText('Hello.');
    stream.flush();
    const error = await readUntilError(stream);
    expect(error).toBeInstanceOf(TtsSetupError);
    expect((error as Error).message).not.toContain('wrong'); // the key itself is never in a message
    expect(server.connections).toHaveLength(0);
    expect(server.rejected.every((r) => r.status === 401)).toBe(true);
  });

  it('an unknown voice or an unreachable server stops start-up with a TtsSetupError', async () => {
    await expect(DeepgramTextToSpeech.create({ apiKey: 'test-key', url: server.url, voice: 'thalia' })).rejects.toThrow(/HTTP 400.*No such model: thalia.*check TTS_VOICE/);
    const closed = await DeepgramSpeakServer.start();
    await closed.stop();
    await expect(DeepgramTextToSpeech.create({ apiKey: 'test-key', url: closed.url })).rejects.toThrow(/not reachable at ws:\/\/127\.0\.0\.1:\d+\/v1\/speak: .*ECONNREFUSED/);
    expect(() => new DeepgramTextToSpeech({ apiKey: ' ', url: server.url })).toThrow(/set DEEPGRAM_API_KEY/);
    expect(() => new DeepgramTextToSpeech({ apiKey: 'k', url: 'ftp://x' })).toThrow(TtsSetupError);
    expect(() => new DeepgramTextToSpeech({ apiKey: 'k', url: 'ftp://x' })).toThrow(/DEEPGRAM_URL must be an http\(s\) or ws\(s\) URL/);
    const secure = new DeepgramTextToSpeech({ apiKey: 'k', url: server.url.replace('http:', 'ws:') }); // the same DEEPGRAM_URL the speech-to-text engine takes
    engines.push(secure);
    const tts = await DeepgramTextToSpeech.create({ apiKey: 'test-key', url: server.url });
    engines.push(tts);
    expect(Object.fromEntries(server.last.query)).toEqual({ model: 'aura-2-thalia-en', encoding: 'linear16', sample_rate: '24000' });
    await eventually(() => expect(server.last.closed).toBe(true)); // the start-up check does not keep its socket
  });

  it('a socket dropped mid-sentence fails the stream; a new stream connects again', async () => {
    server.faults.push({ kind: 'drop', afterBytes: 1500 });
    const tts = deepgram();
    const stream = tts.stream({ sampleRateHz: 8000 });
    stream.pushText('This one is cut off.');
    stream.flush();
    const error = await readUntilError(stream);
    expect(error).toBeInstanceOf(TtsSynthesisError);
    expect((error as Error).message).toMatch(/Deepgram text-to-speech connection to 127\.0\.0\.1:\d+ closed \(code 1006/);
    expect(server.connections).toHaveLength(1); // audio had been heard: not retried

    const next = tts.stream({ sampleRateHz: 8000 });
    next.pushText('Back again.');
    next.flush();
    expectSameAudio(join((await readReplies(next)).map((f) => f.audio)), framed('Back again.'));
    expect(server.connections).toHaveLength(2);
  });

  it('a socket dropped between replies is reconnected for the next reply', async () => {
    const tts = deepgram();
    const stream = tts.stream({ sampleRateHz: 8000 });
    stream.pushText('First reply.');
    stream.flush();
    await readReplies(stream);
    server.dropAll();
    await eventually(() => expect(tts.openConnections).toBe(0));

    stream.pushText('Second reply.');
    stream.flush();
    const frames = await readReplies(stream);
    expect(frames.every((f) => f.replyIndex === 1 && f.sentenceIndex === 1)).toBe(true);
    expectSameAudio(join(frames.map((f) => f.audio)), framed('Second reply.'));
    expect(server.connections).toHaveLength(2);
    expect(server.connections[1]!.spoken).toEqual(['Second reply.']);
  });

  it('retries a sentence once on a fresh connection when the socket died before any of its audio, not twice', async () => {
    server.faults.push({ kind: 'drop' });
    const tts = deepgram();
    const stream = tts.stream({ sampleRateHz: 8000 });
    stream.pushText('Try me again.');
    stream.flush();
    expectSameAudio(join((await readReplies(stream)).map((f) => f.audio)), framed('Try me again.'));
    expect(server.connections.map((c) => c.spoken)).toEqual([['Try me again.'], ['Try me again.']]);

    server.faults.push({ kind: 'close', code: 1008, reason: 'DATA-0000' }, { kind: 'close', code: 1008, reason: 'DATA-0000' });
    stream.pushText('Refused twice.');
    stream.flush();
    const error = await readUntilError(stream);
    expect((error as Error).message).toMatch(/closed \(code 1008: DATA-0000\)/);
    expect(server.connections.map((c) => c.spoken)).toEqual([['Try me again.'], ['Try me again.', 'Refused twice.'], ['Refused twice.']]);
  });

  it('moves a chatty call to a fresh connection before Deepgram’s 21st Flush in 60 s: every sentence is spoken, nothing refused', async () => {
    const tts = deepgram();
    const stream = tts.stream({ sampleRateHz: 8000 });
    const texts = Array.from({ length: 45 }, (_, i) => `Sentence number ${i}.`);
    for (const text of texts) {
      stream.pushText(text);
      stream.flush(); // a reply per sentence, as the speaker does
    }
    const frames = await readReplies(stream, texts.length);
    texts.forEach((text, i) => expectSameAudio(join(frames.filter((f) => f.sentenceIndex === i).map((f) => f.audio)), framed(text)));
    expect(server.connections.map((c) => c.types.filter((t) => t === 'Flush').length)).toEqual([20, 20, 5]);
    expect(server.connections.map((c) => c.refusedFlushes)).toEqual([0, 0, 0]);
    expect(server.connections.flatMap((c) => c.spoken)).toEqual(texts);
    // The spent connections were closed after their last Flushed, cleanly.
    await eventually(() => expect(server.connections.slice(0, 2).map((c) => c.closeCode)).toEqual([1000, 1000]));
    expect(server.connections[0]!.types.slice(-3)).toEqual(['Speak', 'Flush', 'Close']);
    expect(tts.openConnections).toBe(1);
    await stream.close();
    await eventually(() => expect(server.openConnections).toBe(0));
  });

  it('counts Flushes over a sliding window: those older than the window no longer count against the connection', async () => {
    // The server's window is shorter than the engine's, so the engine never over-sends whichever clock runs ahead.
    await server.stop();
    server = await DeepgramSpeakServer.start({ flushLimit: { flushes: 2, windowMs: 100 } });
    const stream = deepgram({ flushLimit: { flushes: 2, windowMs: 250 } }).stream({ sampleRateHz: 8000 });
    const speak = async (text: string) => {
      stream.pushText(text);
      stream.flush();
      await readReplies(stream);
    };
    await speak('One.');
    await new Promise((resolve) => setTimeout(resolve, 300)); // One's Flush leaves the engine's window
    await speak('Two.');
    await speak('Three.');
    expect(server.connections).toHaveLength(1);
    await speak('Four.'); // Two and Three are within the window: a fresh connection
    expect(server.connections.map((c) => c.spoken)).toEqual([['One.', 'Two.', 'Three.'], ['Four.']]);
    expect(server.connections.map((c) => c.refusedFlushes)).toEqual([0, 0]);
    await stream.close();
  });

  it('a spent connection closes only once Deepgram has answered the Clear of a cancelled sentence; the next sentence speaks on a fresh one', async () => {
    const tts = deepgram({ flushLimit: { flushes: 2, windowMs: 60_000 } });
    const stream = tts.stream({ sampleRateHz: 8000 });
    stream.pushText('First sentence.');
    stream.flush();
    await readReplies(stream);
    server.holdAudio = true;
    server.holdCleared = true;
    const reader = stream[Symbol.asyncIterator]();
    stream.pushText('This one is interrupted.');
    stream.flush();
    await reader.next(); // its audio has started; the connection's second and last Flush is spent
    const spent = server.connections[0]!;
    stream.cancel();
    server.holdAudio = false;
    stream.pushText('Fresh start.');
    stream.flush();
    const frames = await readReplies(stream);
    expect(frames.every((f) => f.sentenceIndex === 2)).toBe(true);
    expectSameAudio(join(frames.map((f) => f.audio)), framed('Fresh start.'));
    expect(server.connections[1]!.spoken).toEqual(['Fresh start.']);
    expect(spent.types).toEqual(['Speak', 'Flush', 'Speak', 'Flush', 'Clear']); // still waiting for its Cleared
    expect(spent.closed).toBe(false);

    server.release(); // the rest of the old audio, its Flushed, then Cleared
    await eventually(() => expect(spent.closeCode).toBe(1000));
    expect(spent.types.at(-1)).toBe('Close');
    expect(tts.openConnections).toBe(1);
    await stream.close();
  });

  it('a spent connection whose Clear Deepgram never answers is closed after responseTimeoutMs', async () => {
    const tts = deepgram({ flushLimit: { flushes: 1, windowMs: 60_000 }, responseTimeoutMs: 200 });
    const stream = tts.stream({ sampleRateHz: 8000 });
    server.holdAudio = true;
    server.holdCleared = true;
    const reader = stream[Symbol.asyncIterator]();
    stream.pushText('Interrupted.');
    stream.flush();
    await reader.next();
    stream.cancel();
    await eventually(() => expect(server.connections).toHaveLength(2)); // the next connection opens at once
    await eventually(() => expect(server.connections[0]!.closed).toBe(true));
    expect(server.connections[0]!.types).toEqual(['Speak', 'Flush', 'Clear', 'Close']);
    expect(tts.openConnections).toBe(1);
    await stream.close();
  });

  it('a flush-limit Warning is like a lost connection: the sentence is spoken again on a fresh one, once', async () => {
    // An engine that does not count (a larger allowance than Deepgram's) runs into the server's limit.
    const tts = deepgram({ flushLimit: { flushes: 100, windowMs: 60_000 } });
    const stream = tts.stream({ sampleRateHz: 8000 });
    const texts = Array.from({ length: 21 }, (_, i) => `Line ${i}.`);
    for (const text of texts) {
      stream.pushText(text);
      stream.flush();
    }
    const frames = await readReplies(stream, texts.length);
    expectSameAudio(join(frames.filter((f) => f.sentenceIndex === 20).map((f) => f.audio)), framed('Line 20.'));
    const [first, second] = server.connections;
    expect(first!.refusedFlushes).toBe(1);
    expect(second!.spoken).toEqual(['Line 20.']);
    // The refused text is cleared, not spoken by the Close.
    await eventually(() => expect(first!.closeCode).toBe(1000));
    expect(first!.types.slice(-3)).toEqual(['Flush', 'Clear', 'Close']);

    // Refused on the fresh connection too: the stream fails, naming Deepgram's warning.
    const warning = { kind: 'warning', code: DEEPGRAM_FLUSH_LIMIT_WARNING.warn_code, description: DEEPGRAM_FLUSH_LIMIT_WARNING.warn_msg } as const;
    server.faults.push(warning, warning);
    stream.pushText('Refused twice.');
    stream.flush();
    const error = await readUntilError(stream);
    expect(error).toBeInstanceOf(TtsSynthesisError);
    expect((error as Error).message).toMatch(/Deepgram refused a Flush .*\(EXCESSIVE_FLUSH: Rate limit exceeded for flushes/);
    expect(server.connections.map((c) => c.spoken.filter((t) => t === 'Refused twice.').length)).toEqual([0, 1, 1]);
  });

  it('fails a sentence Deepgram never answers after responseTimeoutMs', async () => {
    server.faults.push({ kind: 'stall' });
    const tts = deepgram({ responseTimeoutMs: 300 });
    const stream = tts.stream({ sampleRateHz: 8000 });
    stream.pushText('Anyone there?');
    stream.flush();
    const error = await readUntilError(stream);
    expect(error).toBeInstanceOf(TtsSynthesisError);
    expect((error as Error).message).toMatch(/sent nothing for 300 ms/);
    await eventually(() => expect(server.openConnections).toBe(0));
  });

  it('close() sends Close, releases the socket and ends the reader, even mid-sentence', async () => {
    const tts = deepgram();
    const stream = tts.stream({ sampleRateHz: 8000 });
    const reader = stream[Symbol.asyncIterator]();
    server.holdAudio = true;
    stream.pushText('Goodbye for now.');
    stream.flush();
    await reader.next();
    await stream.close();
    expect(tts.openConnections).toBe(0);
    expect((await reader.next()).done).toBe(true);
    await eventually(() => expect(server.last.closed).toBe(true));
    expect(server.last.types).toEqual(['Speak', 'Flush', 'Clear', 'Close']);
    expect(() => stream.pushText('more')).toThrow(/closed/);
  });

  it('engine close() closes every stream and its socket', async () => {
    const tts = deepgram();
    const streams = [tts.stream({ sampleRateHz: 8000 }), tts.stream({ sampleRateHz: 8000 })];
    await eventually(() => expect(server.openConnections).toBe(2));
    await tts.close();
    expect(tts.openConnections).toBe(0);
    for (const stream of streams) expect((await stream[Symbol.asyncIterator]().next()).done).toBe(true);
    await eventually(() => expect(server.openConnections).toBe(0));
    expect(() => tts.stream({ sampleRateHz: 8000 })).toThrow(/closed/);
  });
});

describe('DeepgramTextToSpeech synthesize() over REST POST /v1/speak', () => {
  it('returns the audio stream() would yield: a request per sentence with container=none', async () => {
    const tts = deepgram({ voice: 'aura-2-andromeda-en' });
    const audio = await tts.synthesize('Thank you for calling. How can I help?', { sampleRateHz: 8000 });
    expectSameAudio(audio, join([framed('Thank you for calling.'), framed('How can I help?')]));
    expect(audio.byteLength % FRAME_8K).toBe(0);
    expect(server.requests.map((r) => r.text)).toEqual(['Thank you for calling.', 'How can I help?']);
    expect(Object.fromEntries(server.requests[0]!.query)).toEqual({ container: 'none', encoding: 'linear16', model: 'aura-2-andromeda-en', sample_rate: '8000' });
    expect(server.requests[0]!.headers.authorization).toBe('Token test-key');
    expect(server.requests[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(server.connections).toHaveLength(0);

    const streamed = tts.stream({ sampleRateHz: 8000, voice: 'aura-2-andromeda-en' });
    streamed.pushText('Thank you for calling. How can I help?');
    streamed.flush();
    expectSameAudio(join((await readReplies(streamed)).map((f) => f.audio)), audio);
  });

  it('splits text over 2000 characters into several requests', async () => {
    const long = Array.from({ length: 600 }, (_, i) => `beta${i}`).join(' ');
    const audio = await deepgram({ limits: { maxSentenceChars: 10_000, maxPendingChars: 20_000 } }).synthesize(long, { sampleRateHz: 16000 });
    expect(server.requests.length).toBe(3);
    expect(server.requests.every((r) => r.text.length <= DEEPGRAM_SPEAK_MAX_CHARS)).toBe(true);
    expect(server.requests.map((r) => r.text).join('')).toBe(long);
    expect(audio.byteLength % 640).toBe(0);
  });

  it('a refused key is a TtsSetupError; other HTTP errors are TtsSynthesisErrors with Deepgram’s message', async () => {
    await expect(deepgram({ apiKey: 'wrong' }).synthesize('Hello.', { sampleRateHz: 8000 })).rejects.toThrow(TtsSetupError);
    server.restFault = { status: 404, body: { err_code: 'NOT_FOUND', err_msg: 'gone' } };
    const failed = deepgram().synthesize('Hello.', { sampleRateHz: 8000 });
    await expect(failed).rejects.toThrow(TtsSynthesisError);
    await expect(failed).rejects.toThrow(/HTTP 404, NOT_FOUND: gone/);
  });
});
