import { PollyServer, eventually, pollyTone, pollyToneSamples } from '@voiceagent/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PollyTextToSpeech, type PollyTtsOptions } from '../src/adapters/aws/polly-tts';
import { TtsSetupError, TtsSynthesisError, type SynthesizedFrame } from '../src/index';
import { audioOf, readReplies } from './frames';

const FRAME_8K = 320; // bytes of 20 ms at 8 kHz
const credentials = { accessKeyId: 'AKIDPOLLYTEST', secretAccessKey: 'polly-test-secret' };

let server: PollyServer;
const engines: PollyTextToSpeech[] = [];

beforeEach(async () => {
  server = await PollyServer.start();
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  await server.close();
});

function polly(options: Partial<PollyTtsOptions> = {}, client: PollyTtsOptions['client'] = {}): PollyTextToSpeech {
  const tts = new PollyTextToSpeech({ region: 'us-east-1', ...options, client: { endpoint: server.url, credentials, ...client } });
  engines.push(tts);
  return tts;
}


/** The tone for `text` padded with silence to whole frames, as the stream should hand it out. */
function framedTone(text: string, sampleRateHz: number): Uint8Array {
  const tone = pollyTone(text, sampleRateHz);
  const frameBytes = (sampleRateHz / 50) * 2;
  const padded = new Uint8Array(Math.ceil(tone.byteLength / frameBytes) * frameBytes);
  padded.set(tone);
  return padded;
}

describe('PollyTextToSpeech (SynthesizeSpeech)', () => {
  it('asks for pcm at 8 kHz with the configured engine and voice, signed with SigV4 for us-east-1', async () => {
    const stream = polly().stream({ sampleRateHz: 8000 });
    stream.pushText('Hello there.');
    stream.flush();
    await readReplies(stream);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.input).toEqual({ Engine: 'neural', OutputFormat: 'pcm', SampleRate: '8000', Text: 'Hello there.', TextType: 'text', VoiceId: 'Joanna' });
    expect(request!.headers[':path']).toBe('/v1/speech');
    expect(request!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDPOLLYTEST\/\d{8}\/us-east-1\/polly\/aws4_request, ?SignedHeaders=\S+, ?Signature=[0-9a-f]{64}$/);
  });

  it('uses POLLY_ENGINE, a per-stream voice and 16 kHz when the stream asks for it', async () => {
    const stream = polly({ engine: 'standard', voice: 'Ruth' }).stream({ sampleRateHz: 16000, voice: 'Matthew' });
    stream.pushText('Sixteen thousand.');
    stream.flush();
    const frames = await readReplies(stream);
    expect(server.requests[0]!.input).toMatchObject({ Engine: 'standard', VoiceId: 'Matthew', SampleRate: '16000' });
    expect(frames.every((f) => f.audio.byteLength === 640 && f.sampleRateHz === 16000)).toBe(true);
    expect(audioOf(frames)).toEqual(framedTone('Sixteen thousand.', 16000));
  });

  it('hands out exact 20 ms frames with sentence and reply indexes, the audio unchanged', async () => {
    const stream = polly().stream({ sampleRateHz: 8000 });
    stream.pushText('Hello there. How are');
    stream.pushText(' you today?');
    stream.flush();
    stream.pushText('Second reply.');
    stream.flush();
    const frames = await readReplies(stream, 2);

    expect(frames.every((f) => f.audio.byteLength === FRAME_8K && f.sampleRateHz === 8000)).toBe(true);
    const sentences = ['Hello there.', 'How are you today?', 'Second reply.'];
    sentences.forEach((text, index) => {
      const own = frames.filter((f) => f.sentenceIndex === index);
      expect(own).toHaveLength(Math.ceil((pollyToneSamples(text, 8000) * 2) / FRAME_8K));
      expect(own.map((f) => f.text)).toEqual([text, ...Array<undefined>(own.length - 1).fill(undefined)]);
      expect(own.map((f) => f.sentenceEnd)).toEqual([...Array<boolean>(own.length - 1).fill(false), true]);
      expect(own.every((f) => f.replyIndex === (index < 2 ? 0 : 1))).toBe(true);
      expect(audioOf(own)).toEqual(framedTone(text, 8000));
    });
    expect(frames.filter((f) => f.replyEnd).map((f) => f.sentenceIndex)).toEqual([1, 2]);
    expect(server.requests.map((r) => r.input.Text)).toEqual(sentences);
  });

  it('hands out the first frame before Polly has sent the whole answer', async () => {
    server.holdAfter(1000);
    const stream = polly().stream({ sampleRateHz: 8000 });
    stream.pushText('A sentence long enough to stream.');
    stream.flush();
    const reader = stream[Symbol.asyncIterator]();
    const first = await reader.next();
    expect(first.value).toMatchObject({ sentenceIndex: 0, text: 'A sentence long enough to stream.', sentenceEnd: false });
    expect(server.requests[0]!.completed).toBe(false);
    expect(server.requests[0]!.bytesSent).toBeLessThanOrEqual(1000); // the rest waits for release()
    server.release();
    const rest: SynthesizedFrame[] = [];
    for (let next = await reader.next(); !next.done; next = next.value.replyEnd ? { done: true, value: undefined } : await reader.next()) rest.push(next.value);
    expect(audioOf([first.value as SynthesizedFrame, ...rest])).toEqual(framedTone('A sentence long enough to stream.', 8000));
  });

  it('cancel aborts the request in flight, and no audio of it follows', async () => {
    server.holdAfter(1500);
    const stream = polly().stream({ sampleRateHz: 8000 });
    stream.pushText('This sentence will be interrupted. This one never starts. ');
    const reader = stream[Symbol.asyncIterator]();
    expect((await reader.next()).value).toMatchObject({ sentenceIndex: 0, replyIndex: 0 });
    stream.cancel();
    await eventually(() => expect(server.requests[0]!.aborted).toBe(true));
    server.release();

    stream.pushText('Fresh start.');
    stream.flush();
    const frames = await readReplies(stream);
    expect(frames.every((f) => f.sentenceIndex === 2 && f.replyIndex === 1)).toBe(true);
    expect(audioOf(frames)).toEqual(framedTone('Fresh start.', 8000));
    expect(server.requests.map((r) => r.input.Text)).toEqual(['This sentence will be interrupted.', 'Fresh start.']);
    expect(server.requests[0]!.completed).toBe(false);
  });

  it.each([
    ['ThrottlingException', 'Rate exceeded'],
    ['TextLengthExceededException', 'Maximum text length has been exceeded'],
    ['InvalidSampleRateException', 'Invalid sample rate'],
  ])('a %s fails the stream with a TtsSynthesisError that names it', async (errorType, message) => {
    server.failNext({ errorType, message });
    const stream = polly({}, { maxAttempts: 1 }).stream({ sampleRateHz: 8000 });
    stream.pushText('This will fail.');
    stream.flush();
    const failure = readReplies(stream);
    await expect(failure).rejects.toThrow(TtsSynthesisError);
    await expect(failure).rejects.toThrow(`${errorType}: ${message}`);
  });

  it('the SDK retries a throttled request, then the audio comes', async () => {
    server.failNext({ errorType: 'ThrottlingException', message: 'Rate exceeded' });
    const stream = polly().stream({ sampleRateHz: 8000 });
    stream.pushText('Second time lucky.');
    stream.flush();
    expect(audioOf(await readReplies(stream))).toEqual(framedTone('Second time lucky.', 8000));
    expect(server.requests).toHaveLength(2);
  });

  it('a connection dropped in the middle of the audio fails the stream', async () => {
    server.dropNext(1200);
    const stream = polly().stream({ sampleRateHz: 8000 });
    stream.pushText('The line goes dead half way.');
    stream.flush();
    await expect(readReplies(stream)).rejects.toThrow(TtsSynthesisError);
    expect(server.requests[0]!.bytesSent).toBe(1200);
  });

  it('a stalled answer fails its sentence after the idle timeout instead of hanging', async () => {
    server.holdAfter(700);
    const stream = polly({ idleTimeoutMs: 300 }).stream({ sampleRateHz: 8000 });
    stream.pushText('Polly goes quiet.');
    stream.flush();
    await expect(readReplies(stream)).rejects.toThrow(/stopped before its end .*idle for 300 ms/);
    expect(server.requests[0]!.completed).toBe(false);
  });

  it('resamples rates Polly does not make from its 16 kHz', async () => {
    const stream = polly().stream({ sampleRateHz: 24000 });
    stream.pushText('Twenty four thousand.');
    stream.flush();
    const frames = await readReplies(stream);
    expect(server.requests[0]!.input.SampleRate).toBe('16000');
    expect(frames.every((f) => f.audio.byteLength === 960)).toBe(true);
    const samples24k = Math.floor((pollyToneSamples('Twenty four thousand.', 16000) * 24000) / 16000);
    expect(frames).toHaveLength(Math.ceil(samples24k / 480));
  });

  it('synthesize() returns the whole phrase as whole frames', async () => {
    const audio = await polly().synthesize('Your table is booked.', { sampleRateHz: 8000 });
    expect(audio).toEqual(framedTone('Your table is booked.', 8000));
  });

  it('close() aborts work in flight, ends the streams and releases the connections', async () => {
    server.holdAfter(1000);
    const tts = polly();
    const stream = tts.stream({ sampleRateHz: 8000 });
    stream.pushText('Interrupted by shutdown. ');
    const reader = stream[Symbol.asyncIterator]();
    await reader.next();
    expect(server.openConnections).toBe(1);
    await tts.close();
    expect((await reader.next()).done).toBe(true);
    await eventually(() => expect(server.requests[0]!.aborted).toBe(true));
    await eventually(() => expect(server.openConnections).toBe(0));
    expect(() => tts.stream({ sampleRateHz: 8000 })).toThrow(/closed/);
  });

  it('refuses an unknown voice and a missing region at set-up', () => {
    expect(() => polly({ voice: 'Kal' })).toThrow(TtsSetupError);
    expect(() => polly({ voice: 'Kal' })).toThrow(/no voice "Kal"/);
    expect(() => polly({ region: ' ' })).toThrow(/AWS_REGION/);
    expect(() => polly().stream({ sampleRateHz: 8000, voice: 'Nobody' })).toThrow(TtsSetupError);
  });
});

describe('PollyTextToSpeech (generative: StartSpeechSynthesisStream)', () => {
  it('opens one signed bidirectional stream per sentence: its TextEvent, then CloseStreamEvent', async () => {
    const stream = polly({ engine: 'generative' }).stream({ sampleRateHz: 8000 });
    stream.pushText('Hello there. How are you?');
    stream.flush();
    const frames = await readReplies(stream);
    expect(server.requests.map((r) => r.operation)).toEqual(['StartSpeechSynthesisStream', 'StartSpeechSynthesisStream']);
    for (const [i, text] of ['Hello there.', 'How are you?'].entries()) {
      const request = server.requests[i]!;
      expect(request.input).toMatchObject({ Engine: 'generative', VoiceId: 'Joanna', OutputFormat: 'pcm', SampleRate: '8000' });
      expect(request.headers[':path']).toBe('/v1/synthesisStream');
      expect(request.headers.authorization).toMatch(/Credential=AKIDPOLLYTEST\/\d{8}\/us-east-1\/polly\/aws4_request/);
      expect(request).toMatchObject({ textEvents: [{ Text: text, TextType: 'text' }], closeEvent: true, unsignedEvents: 0, completed: true });
      const own = frames.filter((f) => f.sentenceIndex === i);
      expect(own.every((f) => f.audio.byteLength === FRAME_8K && f.replyIndex === 0)).toBe(true);
      expect(own[0]!.text).toBe(text);
      expect(audioOf(own)).toEqual(framedTone(text, 8000));
    }
    expect(frames.at(-1)).toMatchObject({ sentenceIndex: 1, sentenceEnd: true, replyEnd: true });
  });

  it('hands out audio as AudioEvents arrive; cancel aborts the stream and close releases the connections', async () => {
    server.holdAfter(1000);
    const tts = polly({ engine: 'generative' });
    const stream = tts.stream({ sampleRateHz: 8000 });
    stream.pushText('A long generative sentence. Never spoken. ');
    const reader = stream[Symbol.asyncIterator]();
    expect((await reader.next()).value).toMatchObject({ sentenceIndex: 0, sentenceEnd: false });
    expect(server.requests[0]!.completed).toBe(false);
    stream.cancel();
    await eventually(() => expect(server.requests[0]!.aborted).toBe(true));
    server.release();
    stream.pushText('Back again.');
    stream.flush();
    const frames = await readReplies(stream);
    expect(frames.every((f) => f.sentenceIndex === 2 && f.replyIndex === 1)).toBe(true);
    expect(audioOf(frames)).toEqual(framedTone('Back again.', 8000));
    await tts.close();
    await eventually(() => expect(server.openConnections).toBe(0));
  });

  it('an exception event in the stream fails it with a TtsSynthesisError that names it', async () => {
    server.failNext({ errorType: 'ServiceQuotaExceededException', message: 'Input stream timed out', inStream: true, fields: { quotaCode: 'input-stream-timeout', serviceCode: 'polly' } });
    const stream = polly({ engine: 'generative' }).stream({ sampleRateHz: 8000 });
    stream.pushText('Too much.');
    stream.flush();
    const failure = readReplies(stream);
    await expect(failure).rejects.toThrow(TtsSynthesisError);
    await expect(failure).rejects.toThrow('ServiceQuotaExceededException: Input stream timed out');
    expect(server.requests[0]!.textEvents).toEqual([{ Text: 'Too much.', TextType: 'text' }]);
  });

  it('a refused stream (HTTP error before any event) fails with a TtsSynthesisError that names it', async () => {
    server.failNext({ errorType: 'ThrottlingException', message: 'Rate exceeded' });
    const stream = polly({ engine: 'generative' }).stream({ sampleRateHz: 8000 });
    stream.pushText('Refused.');
    stream.flush();
    const failure = readReplies(stream);
    await expect(failure).rejects.toThrow(TtsSynthesisError);
    await expect(failure).rejects.toThrow('ThrottlingException: Rate exceeded');
    expect(server.requests).toHaveLength(1); // a streaming request is not retried
    expect(server.requests[0]!.textEvents).toEqual([]);
  });

  it('a connection dropped in the middle of the stream fails it', async () => {
    server.dropNext(900);
    const stream = polly({ engine: 'generative' }).stream({ sampleRateHz: 8000 });
    stream.pushText('The line goes dead.');
    stream.flush();
    await expect(readReplies(stream)).rejects.toThrow(TtsSynthesisError);
    expect(server.requests[0]!.bytesSent).toBe(900);
  });
});
