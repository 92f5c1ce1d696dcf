import { createHash } from 'node:crypto';
import {
  DeepgramListenServer,
  deepgramResults,
  deepgramSpeechStarted,
  deepgramUtteranceEnd,
  eventually,
  type DeepgramListenServerOptions,
} from '@voiceagent/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DeepgramSpeechToText, createDeepgramSpeechToText, type DeepgramSpeechToTextOptions, type SpeechEvent, type SpeechStream } from '../src/index';

const servers: DeepgramListenServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function server(options: DeepgramListenServerOptions = {}): Promise<DeepgramListenServer> {
  const started = await DeepgramListenServer.start(options);
  servers.push(started);
  return started;
}

/** An engine without the start-up check (each test opens the sockets it looks at). */
function engine(target: DeepgramListenServer, options: Partial<DeepgramSpeechToTextOptions> = {}) {
  return new DeepgramSpeechToText({ apiKey: 'test-key', url: target.url, ...options });
}

/** Every event until the stream ends. */
async function collect(stream: SpeechStream): Promise<SpeechEvent[]> {
  const events: SpeechEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** 20 ms frames of quiet audio at 8 kHz (320 bytes each), `count` of them. */
function pushFrames(stream: SpeechStream, count: number, channels = 1): void {
  for (let i = 0; i < count; i++) stream.pushFrame(new Int16Array(160 * channels).fill(3));
}

const frameBytes = 320;
const words = (...list: [string, number, number][]) => list.map(([word, start, end]) => ({ word, start, end, confidence: 0.9 }));

describe('Deepgram engine: connection', () => {
  it('opens /v1/listen with the key and the query a voice agent needs (keyterms repeated)', async () => {
    const target = await server();
    const stt = engine(target, { language: 'en-US' });
    const stream = stt.stream({ sampleRateHz: 8000, language: 'en-GB', keyterms: ['Acme Dental', 'Dr Okafor', 'Acme Dental', ' '] });
    await eventually(() => expect(target.connections).toHaveLength(1));
    const { query, headers, path } = target.connection;
    expect(path).toBe('/v1/listen');
    expect(headers.authorization).toBe('Token test-key');
    expect([...query.entries()].sort()).toEqual(
      [
        ['encoding', 'linear16'],
        ['endpointing', '400'],
        ['interim_results', 'true'],
        ['keyterm', 'Acme Dental'],
        ['keyterm', 'Dr Okafor'],
        ['language', 'en-GB'],
        ['model', 'nova-3'],
        ['punctuate', 'true'],
        ['sample_rate', '8000'],
        ['utterance_end_ms', '1000'],
        ['vad_events', 'true'],
      ].sort(),
    );
    await stream.close();
  });

  it('asks for multichannel transcription of interleaved channels, with the configured model and turn settings', async () => {
    const target = await server();
    const lines: string[] = [];
    const stt = engine(target, { model: 'nova-2-phonecall', language: 'en-US', endpointingMs: 300, utteranceEndMs: 1500, log: (line) => lines.push(line) });
    const stream = stt.stream({ sampleRateHz: 16000, channels: 2, keyterms: ['Acme'] });
    await eventually(() => expect(target.connections).toHaveLength(1));
    expect(Object.fromEntries(target.connection.query)).toEqual({
      model: 'nova-2-phonecall',
      encoding: 'linear16',
      sample_rate: '16000',
      channels: '2',
      multichannel: 'true',
      language: 'en-US',
      punctuate: 'true',
      interim_results: 'true',
      endpointing: '300',
      utterance_end_ms: '1500',
      vad_events: 'true',
    });
    expect(lines).toContain('deepgram: keyterms need a nova-3 model; ignored for nova-2-phonecall');
    await stream.close();
  });

  it('refuses bad settings with a clear error', async () => {
    const target = await server();
    await expect(createDeepgramSpeechToText({ apiKey: ' ', url: target.url })).rejects.toThrow(/STT_ENGINE=deepgram needs DEEPGRAM_API_KEY/);
    expect(() => new DeepgramSpeechToText({ apiKey: 'k', url: 'ftp://example.com' })).toThrow(/DEEPGRAM_URL must be an http\(s\) or ws\(s\) URL/);
    const stt = engine(target);
    expect(() => stt.stream({ sampleRateHz: 7000 })).toThrow(/sampleRateHz must be a whole number of Hz from 8000 to 48000/);
    expect(() => stt.stream({ sampleRateHz: 8000, channels: 0 })).toThrow('Deepgram takes channels: a whole number from 1 to 8; got 0');
    const stereo = stt.stream({ sampleRateHz: 8000, channels: 2 });
    expect(() => stereo.pushFrame(new Uint8Array(6))).toThrow(/2 channel\(s\) comes in 4-byte frames; got 6 bytes/);
    await stereo.close();
  });

  it('create() opens and closes one /v1/listen socket with the engine’s query, so start-up proves the key and URL', async () => {
    const target = await server();
    const stt = await createDeepgramSpeechToText({ apiKey: 'test-key', url: `${target.url}/`, model: 'nova-3-general' });
    expect(target.connections).toHaveLength(1);
    expect(target.connection.headers.authorization).toBe('Token test-key');
    expect(Object.fromEntries(target.connection.query)).toMatchObject({ model: 'nova-3-general', encoding: 'linear16', sample_rate: '8000' });
    await eventually(() => expect(target.connection.closed).toBe(true)); // the check keeps no socket
    expect(target.connection.audioBytes).toBe(0);
    expect(stt.activeStreams).toBe(0);
  });

  it('create() stops start-up with a clear error for a refused key or an unreachable server, never showing the key', async () => {
    const target = await server({ apiKey: 'right-key' });
    const refused = createDeepgramSpeechToText({ apiKey: 'wrong-key', url: target.url });
    await expect(refused).rejects.toThrow('Deepgram refused the API key (HTTP 401): check DEEPGRAM_API_KEY');
    await expect(refused).rejects.not.toThrow(/wrong-key/);
    expect(target.rejected).toEqual([{ path: '/v1/listen', status: 401 }]);

    const gone = await DeepgramListenServer.start();
    await gone.stop();
    await expect(createDeepgramSpeechToText({ apiKey: 'test-key', url: gone.url })).rejects.toThrow(
      /^Deepgram speech-to-text is not reachable at ws:\/\/127\.0\.0\.1:\d+\/v1\/listen: connect ECONNREFUSED .* \(check DEEPGRAM_URL\)$/,
    );
  });

  it('holds the audio pushed before the socket opens and sends it in order, whatever the caller does with its buffer after', async () => {
    const target = await server();
    const stream = engine(target).stream({ sampleRateHz: 8000 });
    const frame = new Int16Array(160);
    const sent = createHash('sha256');
    for (let i = 0; i < 20; i++) {
      frame.fill(i);
      sent.update(new Uint8Array(frame.buffer));
      stream.pushFrame(frame);
      if (i === 9) await eventually(() => expect(target.connections).toHaveLength(1));
    }
    await stream.close();
    expect(target.connection.audioBytes).toBe(20 * frameBytes);
    expect(target.connection.audioSha256).toBe(sent.digest('hex'));
    expect(target.connection.controlMessages).toEqual(['CloseStream']);
  });

  it('keeps at most maxPendingAudioMs while connecting: the oldest goes, the reader is told and positions stay true', async () => {
    const target = await server({
      // Deepgram's clock starts at the first byte it gets: 300 ms into the stream.
      script: [{ afterAudioBytes: 1, send: [deepgramResults({ start: 0, duration: 0.2, isFinal: true, speechFinal: true, words: words(['hello', 0.05, 0.15]) })] }],
    });
    const stream = engine(target, { maxPendingAudioMs: 200 }).stream({ sampleRateHz: 8000 });
    pushFrames(stream, 25); // 500 ms before the socket is open
    const events = collect(stream);
    await eventually(() => expect(target.connections).toHaveLength(1));
    await stream.close();
    expect(target.connection.audioBytes).toBe(10 * frameBytes);
    expect(await events).toEqual([
      { type: 'error', message: '300 ms of audio dropped while connecting to Deepgram (at most 200 ms are held)' },
      { type: 'speech_started', atMs: 350 },
      { type: 'final', text: 'hello', words: [{ word: 'hello', startMs: 350, endMs: 450, confidence: 0.9 }], confidence: 0.98, startMs: 350, endMs: 450 },
      { type: 'end_of_utterance', atMs: 500, lastSpeechAtMs: 450 },
    ]);
  });
});

describe('Deepgram engine: speech events', () => {
  it('maps SpeechStarted, interim and final Results, speech_final and UtteranceEnd onto one turn each', async () => {
    const target = await server({
      script: [
        {
          afterAudioBytes: 10 * frameBytes,
          send: [
            deepgramSpeechStarted(0.12),
            deepgramResults({ start: 0, duration: 0.5, words: words(['what', 0.14, 0.3], ['time', 0.3, 0.48]) }),
            deepgramResults({ start: 0, duration: 0.6, words: words(['what', 0.14, 0.3], ['time', 0.3, 0.48]) }), // same text: no new partial
            deepgramResults({ start: 0, duration: 1.0, isFinal: true, transcript: 'What time do you open', words: words(['what', 0.14, 0.3], ['time', 0.3, 0.48], ['do', 0.5, 0.6], ['you', 0.6, 0.7], ['open', 0.7, 0.95]), confidence: 0.93 }),
            deepgramResults({ start: 1.0, duration: 0.6, words: words(['on', 1.05, 1.2]) }),
            deepgramResults({ start: 1.0, duration: 0.9, isFinal: true, speechFinal: true, transcript: 'on Saturday?', words: words(['on', 1.05, 1.2], ['saturday', 1.2, 1.7]), confidence: 0.9 }),
            // Deepgram also reports the gap after the same words: the turn is already over.
            deepgramUtteranceEnd(1.7),
          ],
        },
        {
          // A second turn whose SpeechStarted never came, ended by UtteranceEnd alone (endpointing missed it).
          afterAudioBytes: 20 * frameBytes,
          send: [
            deepgramResults({ start: 2.0, duration: 0.8, isFinal: true, words: words(['thanks', 2.1, 2.5]) }),
            deepgramResults({ start: 2.8, duration: 0.8, isFinal: true }),
            deepgramUtteranceEnd(2.5),
          ],
        },
      ],
    });
    const stream = engine(target).stream({ sampleRateHz: 8000 });
    const events = collect(stream);
    pushFrames(stream, 20);
    await eventually(() => expect(target.connection.audioBytes).toBe(20 * frameBytes));
    await stream.close();
    expect(await events).toEqual([
      { type: 'speech_started', atMs: 120 },
      { type: 'partial', text: 'what time', atMs: 500 },
      {
        type: 'final',
        text: 'What time do you open',
        words: [
          { word: 'what', startMs: 140, endMs: 300, confidence: 0.9 },
          { word: 'time', startMs: 300, endMs: 480, confidence: 0.9 },
          { word: 'do', startMs: 500, endMs: 600, confidence: 0.9 },
          { word: 'you', startMs: 600, endMs: 700, confidence: 0.9 },
          { word: 'open', startMs: 700, endMs: 950, confidence: 0.9 },
        ],
        confidence: 0.93,
        startMs: 140,
        endMs: 950,
      },
      // A partial is the whole utterance so far: the settled part, then the interim text.
      { type: 'partial', text: 'What time do you open on', atMs: 1600 },
      {
        type: 'final',
        text: 'on Saturday?',
        words: [
          { word: 'on', startMs: 1050, endMs: 1200, confidence: 0.9 },
          { word: 'saturday', startMs: 1200, endMs: 1700, confidence: 0.9 },
        ],
        confidence: 0.9,
        startMs: 1050,
        endMs: 1700,
      },
      { type: 'end_of_utterance', atMs: 1900, lastSpeechAtMs: 1700 },
      { type: 'speech_started', atMs: 2100 },
      { type: 'final', text: 'thanks', words: [{ word: 'thanks', startMs: 2100, endMs: 2500, confidence: 0.9 }], confidence: 0.98, startMs: 2100, endMs: 2500 },
      { type: 'end_of_utterance', atMs: 3600, lastSpeechAtMs: 2500 },
    ]);
  });

  it('ends a SpeechStarted that never became words (noise) once Deepgram has heard utterance_end_ms past it', async () => {
    const target = await server({
      script: [
        {
          afterAudioBytes: frameBytes,
          send: [
            deepgramSpeechStarted(0.2),
            deepgramResults({ start: 0, duration: 1.0, isFinal: true }),
            deepgramResults({ start: 1.0, duration: 0.5, isFinal: true }),
            // A late UtteranceEnd about earlier words must not end a turn that has none of its own.
            deepgramSpeechStarted(1.6),
            deepgramUtteranceEnd(0.9),
          ],
        },
      ],
    });
    const stream = engine(target).stream({ sampleRateHz: 8000 });
    const events = collect(stream);
    pushFrames(stream, 1);
    await eventually(() => expect(target.connection.audioBytes).toBe(frameBytes));
    await stream.close();
    expect(await events).toEqual([
      { type: 'speech_started', atMs: 200 },
      { type: 'end_of_utterance', atMs: 1500, lastSpeechAtMs: 200 },
      { type: 'speech_started', atMs: 1600 },
      // close() ends the turn still open, at the end of the audio Deepgram heard.
      { type: 'end_of_utterance', atMs: 1600, lastSpeechAtMs: 1600 },
    ]);
  });

  it('settles the utterance on finalize() with Deepgram\'s from_finalize result', async () => {
    const target = await server({
      script: [{ afterAudioBytes: 5 * frameBytes, send: [deepgramSpeechStarted(0.02), deepgramResults({ start: 0, duration: 0.1, words: words(['book', 0.03, 0.09]) })] }],
      onFinalize: () => [deepgramResults({ start: 0, duration: 0.1, isFinal: true, fromFinalize: true, words: words(['book', 0.03, 0.06], ['it', 0.06, 0.09]) })],
    });
    const stream = engine(target).stream({ sampleRateHz: 8000 });
    const iterator = stream[Symbol.asyncIterator]();
    pushFrames(stream, 5);
    expect((await iterator.next()).value).toEqual({ type: 'speech_started', atMs: 20 });
    expect((await iterator.next()).value).toEqual({ type: 'partial', text: 'book', atMs: 100 });
    stream.finalize();
    expect((await iterator.next()).value).toMatchObject({ type: 'final', text: 'book it', startMs: 30, endMs: 90 });
    expect((await iterator.next()).value).toEqual({ type: 'end_of_utterance', atMs: 100, lastSpeechAtMs: 90 });
    await stream.close();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(target.connection.controlMessages).toEqual(['Finalize', 'CloseStream']);
  });

  it('tags each channel of multichannel audio and keeps their turns apart', async () => {
    const stereo = { channels: 2 };
    const target = await server({
      script: [
        {
          afterAudioBytes: 2 * frameBytes,
          send: [
            deepgramSpeechStarted(0.1, 0, 2),
            deepgramSpeechStarted(0.2, 1, 2),
            deepgramResults({ start: 0, duration: 0.5, isFinal: true, words: words(['hello', 0.1, 0.4]), channel: 0, ...stereo }),
            deepgramResults({ start: 0, duration: 0.5, words: words(['thank', 0.2, 0.45]), channel: 1, ...stereo }),
            deepgramUtteranceEnd(0.4, 0, 2),
            deepgramResults({ start: 0, duration: 0.9, isFinal: true, speechFinal: true, words: words(['thank', 0.2, 0.45], ['you', 0.45, 0.7]), channel: 1, ...stereo }),
          ],
        },
      ],
    });
    const stream = engine(target).stream({ sampleRateHz: 8000, channels: 2 });
    const events = collect(stream);
    pushFrames(stream, 1, 2);
    await eventually(() => expect(target.connection.audioBytes).toBe(2 * frameBytes));
    await stream.close();
    expect((await events).map((e) => [e.type, 'channel' in e ? e.channel : undefined, 'text' in e ? e.text : ''])).toEqual([
      ['speech_started', 0, ''],
      ['speech_started', 1, ''],
      ['final', 0, 'hello'],
      ['partial', 1, 'thank'],
      ['end_of_utterance', 0, ''],
      ['final', 1, 'thank you'],
      ['end_of_utterance', 1, ''],
    ]);
  });
});

describe('Deepgram engine: keep-alive, close and failures', () => {
  it('sends KeepAlive text messages while no audio is pushed', async () => {
    const target = await server();
    const stream = engine(target, { keepAliveIntervalMs: 20 }).stream({ sampleRateHz: 8000 });
    await eventually(() => expect(target.connections[0]?.keepAlives).toBeGreaterThanOrEqual(3));
    expect(target.connection.audioBytes).toBe(0);
    await stream.close();
    expect(target.connection.controlMessages.at(-1)).toBe('CloseStream');
    expect(new Set(target.connection.controlMessages)).toEqual(new Set(['KeepAlive', 'CloseStream']));
  });

  it('close() sends CloseStream, waits for Deepgram\'s last results and releases the socket', async () => {
    const target = await server({
      onFinalize: () => [],
      script: [{ afterAudioBytes: frameBytes, send: [deepgramResults({ start: 0, duration: 0.02, words: words(['hi', 0, 0.02]) })] }],
    });
    const stt = engine(target);
    const stream = stt.stream({ sampleRateHz: 8000 });
    const events = collect(stream);
    pushFrames(stream, 3);
    expect(stt.activeStreams).toBe(1);
    await eventually(() => expect(target.connection.audioBytes).toBe(3 * frameBytes));
    await Promise.all([stream.close(), stream.close()]);
    expect(stt.activeStreams).toBe(0);
    expect(await events).toEqual([
      { type: 'speech_started', atMs: 0 },
      { type: 'partial', text: 'hi', atMs: 20 },
      { type: 'end_of_utterance', atMs: 60, lastSpeechAtMs: 0 },
    ]);
    expect(target.connection.controlMessages).toEqual(['CloseStream']);
    await eventually(() => expect(target.connection.closeCode).toBe(1000));
    expect(() => stream.pushFrame(new Int16Array(160))).toThrow(/pushFrame\(\) after close\(\)/);
    stream.finalize();
    await stream.close();
  });

  it('gives up waiting after closeTimeoutMs when Deepgram never answers CloseStream, and still closes the socket', async () => {
    const target = await server({ answerCloseStream: false });
    const stt = engine(target, { closeTimeoutMs: 50 });
    const stream = stt.stream({ sampleRateHz: 8000 });
    const events = collect(stream);
    pushFrames(stream, 1);
    await eventually(() => expect(target.connections).toHaveLength(1));
    await stream.close();
    expect(await events).toEqual([{ type: 'error', message: 'Deepgram did not finish the stream within 50 ms of close(): the last results may be missing' }]);
    expect(stt.activeStreams).toBe(0);
    await eventually(() => expect(target.connection.closed).toBe(true));
  });

  it('reports a refused key as the error that ends the stream', async () => {
    const target = await server({ apiKey: 'right-key' });
    const stt = engine(target, { apiKey: 'wrong-key' });
    const stream = stt.stream({ sampleRateHz: 8000 });
    pushFrames(stream, 2);
    expect(await collect(stream)).toEqual([{ type: 'error', message: 'Deepgram connection failed: Unexpected server response: 401 (check DEEPGRAM_API_KEY)' }]);
    expect(target.rejected).toEqual([{ path: '/v1/listen', status: 401 }]);
    expect(target.connections).toHaveLength(0);
    expect(stt.activeStreams).toBe(0);
    // Nothing is retried, and frames after the failure are dropped quietly.
    pushFrames(stream, 1);
    await stream.close();
    expect(target.rejected).toHaveLength(1);
  });

  it('ends the open turn and then fails the stream when the connection drops', async () => {
    const target = await server({
      script: [{ afterAudioBytes: 2 * frameBytes, send: [deepgramSpeechStarted(0.01), deepgramResults({ start: 0, duration: 0.04, words: words(['my', 0.01, 0.03]) })], end: 'drop' }],
    });
    const stt = engine(target);
    const stream = stt.stream({ sampleRateHz: 8000 });
    const events = collect(stream);
    pushFrames(stream, 2);
    expect(await events).toEqual([
      { type: 'speech_started', atMs: 10 },
      { type: 'partial', text: 'my', atMs: 40 },
      { type: 'end_of_utterance', atMs: 40, lastSpeechAtMs: 10 },
      { type: 'error', message: 'Deepgram closed the stream unexpectedly (code 1006)' },
    ]);
    expect(stt.activeStreams).toBe(0);
    expect(target.connections).toHaveLength(1);
    pushFrames(stream, 1);
    await stream.close();
  });

  it('reports Deepgram\'s Error message and its error close (1011 NET-0001) with the reason', async () => {
    const target = await server({
      script: [
        {
          afterAudioBytes: frameBytes,
          send: [{ type: 'Error', description: 'Internal processing error' }],
          end: { code: 1011, reason: 'NET-0001: did not receive audio data or a text message within the timeout window' },
        },
      ],
    });
    const stream = engine(target).stream({ sampleRateHz: 8000 });
    const events = collect(stream);
    pushFrames(stream, 1);
    expect(await events).toEqual([
      { type: 'error', message: 'Deepgram error: Internal processing error' },
      { type: 'error', message: 'Deepgram closed the stream unexpectedly (code 1011: NET-0001: did not receive audio data or a text message within the timeout window)' },
    ]);
    await stream.close();
  });
});
