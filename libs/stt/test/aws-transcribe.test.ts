import { eventually, TranscribeServer, type TranscribeServerOptions, type TranscribeWord } from '@voiceagent/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsSpeechToText, type AwsSpeechToText, type AwsSpeechToTextOptions, type SpeechEvent, type SpeechStream } from '../src/index';

const servers: TranscribeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function transcribeServer(options: TranscribeServerOptions = {}): Promise<TranscribeServer> {
  const server = await TranscribeServer.start(options);
  servers.push(server);
  return server;
}

/** The adapter against the local server, with static fake credentials. */
function engine(server: TranscribeServer, options: Partial<AwsSpeechToTextOptions> = {}): AwsSpeechToText {
  return createAwsSpeechToText({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    endpoint: server.endpoint,
    ...options,
  });
}

/** Pushes `ms` of a non-silent signal in 20 ms frames (8 kHz unless said). */
function pushAudio(stream: SpeechStream, ms: number, { sampleRateHz = 8000, channels = 1 } = {}): void {
  const frame = new Int16Array(((sampleRateHz * 20) / 1000) * channels).fill(1200);
  for (let at = 0; at < ms; at += 20) stream.pushFrame(frame);
}

/** Reads events in the background; `events` fills as they come, `done` resolves when the stream ends. */
function reader(stream: SpeechStream): { events: SpeechEvent[]; done: Promise<SpeechEvent[]> } {
  const events: SpeechEvent[] = [];
  const done = (async () => {
    for await (const event of stream) events.push(event);
    return events;
  })();
  return { events, done };
}

const words = (...spec: [string, number, number, string?][]): TranscribeWord[] =>
  spec.map(([word, startSec, endSec, punctuation]) => ({ word, startSec, endSec, ...(punctuation ? { punctuation } : {}) }));

const types = (events: readonly SpeechEvent[]) => events.map((e) => e.type);

describe('AWS Transcribe adapter: the request', () => {
  it('opens StartStreamTranscription with the stream settings as x-amzn-transcribe-* headers, SigV4-signed', async () => {
    const server = await transcribeServer();
    const stt = engine(server, { language: 'en-GB' });
    const stream = stt.stream({ sampleRateHz: 8000 });
    const { done } = reader(stream);
    pushAudio(stream, 1000);
    await stream.close();
    expect(await done).toEqual([]);

    const [session] = server.sessions;
    expect(session!.rejected).toBeUndefined();
    expect(session!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/transcribe\/aws4_request, /);
    expect(session!.setting('language-code')).toBe('en-GB');
    expect(session!.setting('sample-rate')).toBe('8000');
    expect(session!.setting('media-encoding')).toBe('pcm');
    expect(session!.setting('enable-partial-results-stabilization')).toBe('true');
    expect(session!.setting('partial-results-stability')).toBe('high');
    expect(session!.setting('show-speaker-label')).toBe('false');
    expect(session!.setting('enable-channel-identification')).toBeUndefined();
    // Every byte pushed reached the service, in signed events, and the audio was ended.
    expect(session!.audioBytes).toBe(16_000);
    expect(session!.audioMs).toBe(1000);
    expect(session!.unsignedEvents).toBe(0);
    expect(session!.silentEvents).toBe(0);
    expect(session!.inputEnded).toBe(true);
  });

  it('asks for channel identification on two-channel audio, and the stream language wins over the default', async () => {
    const server = await transcribeServer();
    const stream = engine(server).stream({ sampleRateHz: 16000, channels: 2, language: 'es-US' });
    pushAudio(stream, 200, { sampleRateHz: 16000, channels: 2 });
    await stream.close();
    const [session] = server.sessions;
    expect(session!.rejected).toBeUndefined();
    expect(session!.setting('enable-channel-identification')).toBe('true');
    expect(session!.setting('number-of-channels')).toBe('2');
    expect(session!.setting('sample-rate')).toBe('16000');
    expect(session!.setting('language-code')).toBe('es-US');
    expect(session!.audioMs).toBe(200);
  });

  it('refuses what Transcribe cannot take, with a clear error', async () => {
    const server = await transcribeServer();
    const stt = engine(server);
    expect(() => stt.stream({ sampleRateHz: 7000 })).toThrow(/sampleRateHz must be a whole number of Hz from 8000 to 48000; got 7000/);
    expect(() => stt.stream({ sampleRateHz: 8000, channels: 3 })).toThrow('AWS Transcribe takes channels: a whole number from 1 to 2; got 3');
    expect(() => createAwsSpeechToText({ region: '' })).toThrow(/needs a region \(AWS_REGION\)/);
    const stereo = stt.stream({ sampleRateHz: 8000, channels: 2 });
    expect(() => stereo.pushFrame(new Uint8Array(6))).toThrow(/a frame of 2 linear16 channels is 4 bytes; got 6 bytes/);
    await stereo.close();
    const mono = stt.stream({ sampleRateHz: 8000 });
    expect(() => mono.pushFrame(new Uint8Array(3))).toThrow(/bytes come in pairs; got 3 bytes/);
    await mono.close();
    expect(() => mono.pushFrame(new Int16Array(160))).toThrow(/pushFrame\(\) after close\(\)/);
  });
});

describe('AWS Transcribe adapter: events', () => {
  it('maps partials and a final with items to speech_started, partials, final (word timings in ms) and end_of_utterance', async () => {
    const server = await transcribeServer({
      script: () => [
        { afterAudioMs: 500, result: { partial: true, words: words(['Hello', 0.2, 0.45]) } },
        { afterAudioMs: 800, result: { partial: true, words: words(['Hello', 0.2, 0.45], ['how', 0.5, 0.7]) } },
        // Stabilized partials repeat: the same text is not announced twice.
        { afterAudioMs: 900, result: { partial: true, words: words(['Hello', 0.2, 0.45], ['how', 0.5, 0.7]) } },
        {
          afterAudioMs: 1300,
          result: {
            partial: false,
            words: [
              { word: 'Hello', startSec: 0.2, endSec: 0.45, confidence: 0.95, punctuation: ',' },
              { word: 'how', startSec: 0.5, endSec: 0.7, confidence: 0.9 },
              { word: 'are', startSec: 0.72, endSec: 0.9, confidence: 0.8 },
              { word: 'you', startSec: 0.92, endSec: 1.104, confidence: 0.75, punctuation: '?' },
            ],
          },
        },
        { afterAudioMs: 1900, result: { resultId: 'result-2', partial: false, words: words(['Fine', 1.5, 1.8, '.']) } },
      ],
    });
    const stream = engine(server).stream({ sampleRateHz: 8000 });
    const { done } = reader(stream);
    pushAudio(stream, 2000);
    await stream.close();
    const events = await done;

    expect(types(events)).toEqual(['speech_started', 'partial', 'partial', 'final', 'end_of_utterance', 'speech_started', 'final', 'end_of_utterance']);
    const [started, first, second, final, end, started2, final2, end2] = events as [SpeechEvent, ...SpeechEvent[]];
    expect(started).toEqual({ type: 'speech_started', atMs: 200 });
    expect(first).toMatchObject({ type: 'partial', text: 'Hello' });
    expect(second).toMatchObject({ type: 'partial', text: 'Hello how' });
    // A partial is dated by the audio pushed when it arrived: at least its own end, at most all the audio.
    for (const partial of [first, second]) {
      expect(partial!.type === 'partial' && partial!.atMs).toBeGreaterThanOrEqual(450);
      expect(partial!.type === 'partial' && partial!.atMs).toBeLessThanOrEqual(2000);
    }
    expect(final).toEqual({
      type: 'final',
      text: 'Hello, how are you?',
      words: [
        { word: 'Hello', startMs: 200, endMs: 450, confidence: 0.95 },
        { word: 'how', startMs: 500, endMs: 700, confidence: 0.9 },
        { word: 'are', startMs: 720, endMs: 900, confidence: 0.8 },
        { word: 'you', startMs: 920, endMs: 1104, confidence: 0.75 },
      ],
      confidence: expect.closeTo(0.85, 9),
      startMs: 200,
      endMs: 1104,
    });
    expect(end).toMatchObject({ type: 'end_of_utterance', lastSpeechAtMs: 1104 });
    expect(end!.type === 'end_of_utterance' && end!.atMs).toBeGreaterThanOrEqual(1300);
    expect(started2).toEqual({ type: 'speech_started', atMs: 1500 });
    expect(final2).toMatchObject({ type: 'final', text: 'Fine.', words: [{ word: 'Fine', startMs: 1500, endMs: 1800, confidence: 0.9 }], startMs: 1500, endMs: 1800 });
    expect(end2).toMatchObject({ type: 'end_of_utterance', lastSpeechAtMs: 1800 });
  });

  it('gives each channel of two-channel audio its own utterances (ch_1 → channel 1)', async () => {
    const server = await transcribeServer({
      script: () => [
        { afterAudioMs: 400, result: { partial: true, channel: 0, resultId: 'a', words: words(['agent', 0.1, 0.3]) } },
        { result: { partial: true, channel: 1, resultId: 'b', words: words(['caller', 0.2, 0.35]) } },
        { result: { partial: false, channel: 0, resultId: 'a', words: words(['agent', 0.1, 0.3], ['here', 0.32, 0.4]) } },
        { afterAudioMs: 600, result: { partial: false, channel: 1, resultId: 'b', words: words(['caller', 0.2, 0.35], ['too', 0.4, 0.55]) } },
      ],
    });
    const stream = engine(server).stream({ sampleRateHz: 8000, channels: 2 });
    const { done } = reader(stream);
    pushAudio(stream, 800, { channels: 2 });
    await stream.close();
    const events = await done;
    const channel = (n: number) => events.filter((e) => 'channel' in e && e.channel === n);
    expect(events.every((e) => e.type !== 'error' && 'channel' in e)).toBe(true);
    expect(types(channel(0))).toEqual(['speech_started', 'partial', 'final', 'end_of_utterance']);
    expect(types(channel(1))).toEqual(['speech_started', 'partial', 'final', 'end_of_utterance']);
    expect(channel(0)[2]).toMatchObject({ text: 'agent here', startMs: 100, endMs: 400 });
    expect(channel(1)[2]).toMatchObject({ text: 'caller too', startMs: 200, endMs: 550 });
  });

  it('finalize() settles the utterance with the words so far; later words of the same segment make a new utterance', async () => {
    const server = await transcribeServer({
      script: () => [
        { afterAudioMs: 500, result: { partial: true, words: words(['I', 0.1, 0.2], ['want', 0.25, 0.45]) } },
        { afterAudioMs: 1500, result: { partial: true, words: words(['I', 0.1, 0.2], ['want', 0.25, 0.45], ['a', 0.9, 1.0]) } },
        { afterInputEnd: true, result: { partial: false, words: words(['I', 0.1, 0.2], ['want', 0.25, 0.45], ['a', 0.9, 1.0], ['table', 1.05, 1.4, '.']) } },
      ],
    });
    const stream = engine(server).stream({ sampleRateHz: 8000 });
    const { events, done } = reader(stream);
    pushAudio(stream, 600);
    await eventually(() => expect(types(events)).toEqual(['speech_started', 'partial']));
    stream.finalize();
    await eventually(() => expect(events).toHaveLength(4));
    expect(events.slice(2)).toEqual([
      { type: 'final', text: 'I want', words: [{ word: 'I', startMs: 100, endMs: 200, confidence: 0.9 }, { word: 'want', startMs: 250, endMs: 450, confidence: 0.9 }], confidence: 0.9, startMs: 100, endMs: 450 },
      { type: 'end_of_utterance', atMs: 600, lastSpeechAtMs: 450 },
    ]);
    pushAudio(stream, 1000);
    await stream.close();
    const rest = (await done).slice(4);
    expect(types(rest)).toEqual(['speech_started', 'partial', 'final', 'end_of_utterance']);
    expect(rest[0]).toEqual({ type: 'speech_started', atMs: 900 });
    expect(rest[1]).toMatchObject({ text: 'a' });
    expect(rest[2]).toMatchObject({ text: 'a table.', startMs: 900, endMs: 1400, words: [{ word: 'a' }, { word: 'table' }] });
  });
});

describe('AWS Transcribe adapter: long streams', () => {
  it('sends silence while no audio is pushed, so the idle timeout never ends the stream, and maps times across it', async () => {
    // The real service gives up after 15 s without audio; this one after 400 ms.
    const server = await transcribeServer({ idleTimeoutMs: 400 });
    const stream = engine(server, { keepAliveMs: 100 }).stream({ sampleRateHz: 8000 });
    const { done } = reader(stream);
    pushAudio(stream, 200);
    const session = await eventually(() => {
      const first = server.sessions[0];
      if (!first) throw new Error('no request yet');
      return first;
    });
    // Over a second idle: without keep-alives the stream would have timed out twice over.
    await eventually(() => expect(session.silentEvents).toBeGreaterThanOrEqual(10), { timeoutMs: 5000 });
    expect(session.closed).toBe(false);
    pushAudio(stream, 300);
    await eventually(() => expect(session.chunks.at(-1)?.silent).toBe(false));
    // Transcribe's clock counts the keep-alive silence; the stream's audio does not.
    const resumedAtMs = session.chunks.find((chunk, i) => i > 0 && !chunk.silent && session.chunks[i - 1]!.silent)!.atMs;
    expect(resumedAtMs).toBeGreaterThanOrEqual(200 + 10 * 100);
    session.result({ partial: false, words: words(['still', (resumedAtMs + 100) / 1000, (resumedAtMs + 250) / 1000]) });
    await eventually(() => expect(session.audioMs).toBe(resumedAtMs + 300));
    await stream.close();
    const events = await done;
    expect(events).toEqual([
      { type: 'speech_started', atMs: 300 },
      { type: 'final', text: 'still', words: [{ word: 'still', startMs: 300, endMs: 450, confidence: 0.9 }], confidence: 0.9, startMs: 300, endMs: 450 },
      { type: 'end_of_utterance', atMs: 500, lastSpeechAtMs: 450 },
    ]);
    expect(session.chunks.filter((c) => !c.silent).reduce((ms, c) => ms + c.ms, 0)).toBe(500);
  });

  it('replaces the session after maxStreamMs, draining the old one first, with positions continuous across both', async () => {
    const server = await transcribeServer({
      script: (index) =>
        index === 0
          ? [{ afterAudioMs: 600, result: { partial: false, words: words(['first', 0.2, 0.5]) } }]
          : [{ afterAudioMs: 400, result: { partial: false, resultId: 'next-1', words: words(['second', 0.1, 0.4]) } }],
    });
    const stream = engine(server, { maxStreamMs: 1000 }).stream({ sampleRateHz: 8000 });
    const { events, done } = reader(stream);
    pushAudio(stream, 700);
    await eventually(() => expect(types(events)).toEqual(['speech_started', 'final', 'end_of_utterance']));
    // The first session reached its age limit: a new one takes the audio, the old one's audio ends.
    await eventually(() => expect(server.sessions).toHaveLength(2), { timeoutMs: 5000 });
    await eventually(() => expect(server.sessions[0]!.closed).toBe(true));
    expect(server.sessions[0]!.inputEnded).toBe(true);
    pushAudio(stream, 500);
    await stream.close();
    expect((await done).slice(3)).toEqual([
      { type: 'speech_started', atMs: 800 },
      { type: 'final', text: 'second', words: [{ word: 'second', startMs: 800, endMs: 1100, confidence: 0.9 }], confidence: 0.9, startMs: 800, endMs: 1100 },
      { type: 'end_of_utterance', atMs: 1200, lastSpeechAtMs: 1100 },
    ]);
    const [first, second] = server.sessions;
    expect(first!.audioMs + second!.audioMs).toBe(1200);
    expect(second!.rejected).toBeUndefined();
    expect(second!.inputEnded).toBe(true);
  });
});

describe('AWS Transcribe adapter: backlog', () => {
  it('drops the oldest audio beyond maxBufferedAudioMs, says so once, and keeps positions right', async () => {
    const server = await transcribeServer({
      script: () => [{ afterAudioMs: 400, result: { partial: false, words: words(['later', 0.1, 0.3]) } }],
    });
    const stream = engine(server, { maxBufferedAudioMs: 500 }).stream({ sampleRateHz: 8000 });
    const { done } = reader(stream);
    // Pushed faster than anything can be sent (all before the request is even written): only the newest 500 ms stay.
    pushAudio(stream, 1000);
    await stream.close();
    const events = await done;
    expect(events[0]).toEqual({ type: 'error', message: 'AWS Transcribe is not taking audio as fast as it comes: audio beyond 500 ms of backlog is being dropped' });
    // Transcribe's 0.1 s is 0.1 s into what it got: the call's 600 ms.
    expect(events.slice(1)).toEqual([
      { type: 'speech_started', atMs: 600 },
      { type: 'final', text: 'later', words: [{ word: 'later', startMs: 600, endMs: 800, confidence: 0.9 }], confidence: 0.9, startMs: 600, endMs: 800 },
      { type: 'end_of_utterance', atMs: 1000, lastSpeechAtMs: 800 },
    ]);
    expect(server.sessions[0]!.audioMs).toBe(500);
  });
});

describe('AWS Transcribe adapter: failures and release', () => {
  it.each([
    ['BadRequestException', 'Your request timed out because no new audio was received for 15 seconds.'],
    ['LimitExceededException', 'You have reached your limit of concurrent streams.'],
    ['ServiceUnavailableException', 'Service is currently unavailable.'],
  ])('a %s event settles the open utterance, then ends the stream with an error', async (type, message) => {
    const server = await transcribeServer({
      script: () => [
        { afterAudioMs: 300, result: { partial: true, words: words(['hello', 0.1, 0.3]) } },
        { afterAudioMs: 500, exception: { type, message } },
      ],
    });
    const stt = engine(server);
    const stream = stt.stream({ sampleRateHz: 8000 });
    const { done } = reader(stream);
    pushAudio(stream, 800);
    // The events end by themselves: no close() needed.
    const events = await done;
    expect(types(events)).toEqual(['speech_started', 'partial', 'final', 'end_of_utterance', 'error']);
    expect(events[2]).toMatchObject({ text: 'hello' });
    expect(events.at(-1)).toEqual({ type: 'error', message: `AWS Transcribe stream failed: ${type}: ${message}` });
    // The caller's media loop goes on pushing: nothing throws.
    expect(() => pushAudio(stream, 100)).not.toThrow();
    await stream.close();
    expect(stt.activeStreams).toBe(0);
    await eventually(() => expect(server.sessions[0]!.closed).toBe(true));
  });

  it('a dropped connection ends the events with an error', async () => {
    const server = await transcribeServer({
      script: () => [
        { afterAudioMs: 300, result: { partial: true, words: words(['hello', 0.1, 0.3]) } },
        { afterAudioMs: 500, drop: true },
      ],
    });
    const stt = engine(server);
    const stream = stt.stream({ sampleRateHz: 8000 });
    const { events: seen, done } = reader(stream);
    pushAudio(stream, 400);
    // The partial is in before the drop (bytes still in flight when a socket dies are lost, as on a real network).
    await eventually(() => expect(types(seen)).toEqual(['speech_started', 'partial']));
    pushAudio(stream, 400);
    const events = await done;
    expect(types(events)).toEqual(['speech_started', 'partial', 'final', 'end_of_utterance', 'error']);
    expect(events.at(-1)).toMatchObject({ type: 'error', message: expect.stringMatching(/^AWS Transcribe (stream failed|ended the stream while audio was still coming)/) });
    await stream.close();
    expect(stt.activeStreams).toBe(0);
  });

  it('a refused request (an HTTP error before the stream) is the stream\'s error event', async () => {
    const server = await transcribeServer({
      refuse: () => ({ status: 429, type: 'LimitExceededException', message: 'You have reached your limit of concurrent streams.' }),
    });
    const stt = engine(server);
    const stream = stt.stream({ sampleRateHz: 8000 });
    const { done } = reader(stream);
    pushAudio(stream, 100);
    expect(await done).toEqual([{ type: 'error', message: 'AWS Transcribe stream failed: LimitExceededException: You have reached your limit of concurrent streams.' }]);
    await stream.close();
    expect(stt.activeStreams).toBe(0);

    // A language Transcribe does not know is refused the same way.
    const unknown = engine(server, { language: 'klingon' }).stream({ sampleRateHz: 8000 });
    const refused = await reader(unknown).done;
    expect(refused).toEqual([{ type: 'error', message: expect.stringMatching(/^AWS Transcribe stream failed: BadRequestException: .*'klingon' at 'languageCode'/) }]);
    await unknown.close();
  });

  it('close() ends the audio, waits for the last results and releases the connection', async () => {
    const server = await transcribeServer({
      script: () => [{ afterInputEnd: true, result: { partial: false, words: words(['goodbye', 0.1, 0.5]) } }],
    });
    const stt = engine(server);
    const stream = stt.stream({ sampleRateHz: 8000 });
    const { done } = reader(stream);
    pushAudio(stream, 600);
    expect(stt.activeStreams).toBe(1);
    await stream.close();
    // The final Transcribe sent after the audio ended still came through.
    expect(types(await done)).toEqual(['speech_started', 'final', 'end_of_utterance']);
    const [session] = server.sessions;
    expect(session!.inputEnded).toBe(true);
    await eventually(() => expect(session!.closed).toBe(true));
    await eventually(() => expect(server.connections).toBe(0));
    expect(stt.activeStreams).toBe(0);
    await stream.close();
  });

  it('close() gives up on a service that never finishes, after closeTimeoutMs', async () => {
    const server = await transcribeServer({
      script: () => [{ afterAudioMs: 200, result: { partial: true, words: words(['wait', 0.1, 0.2]) } }, { stall: true }],
    });
    const stt = engine(server, { closeTimeoutMs: 300 });
    const stream = stt.stream({ sampleRateHz: 8000 });
    const { events, done } = reader(stream);
    pushAudio(stream, 400);
    await eventually(() => expect(types(events)).toEqual(['speech_started', 'partial']));
    await stream.close();
    expect(types(await done)).toEqual(['speech_started', 'partial', 'final', 'end_of_utterance', 'error']);
    expect(events.at(-1)).toEqual({ type: 'error', message: 'AWS Transcribe did not finish within 300 ms of close(): its last results are lost' });
    await eventually(() => expect(server.sessions[0]!.closed).toBe(true));
    expect(stt.activeStreams).toBe(0);
  });
});
