import { StartStreamTranscriptionCommand, TranscribeStreamingClient, type AudioStream } from '@aws-sdk/client-transcribe-streaming';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsEventStreamServer, type AwsInputEvent } from './aws-event-stream-server';

const servers: AwsEventStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function client(server: AwsEventStreamServer): TranscribeStreamingClient {
  return new TranscribeStreamingClient({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    logger: silentLogger,
  });
}

async function* audio(...chunks: number[]): AsyncGenerator<AudioStream> {
  for (const size of chunks) yield { AudioEvent: { AudioChunk: new Uint8Array(size).fill(7) } };
}

const transcribe = (server: AwsEventStreamServer, stream: AsyncIterable<AudioStream>) =>
  client(server).send(new StartStreamTranscriptionCommand({ LanguageCode: 'en-US', MediaEncoding: 'pcm', MediaSampleRateHertz: 8000, AudioStream: stream }));

describe('AwsEventStreamServer harness', () => {
  it('hands the handler the unwrapped, signed input events, and the SDK decodes what it emits', async () => {
    const received: AwsInputEvent[] = [];
    const server = await AwsEventStreamServer.start(async (request) => {
      expect(request.path).toBe('/stream-transcription');
      for await (const event of request.events) {
        received.push(event);
        request.emit('TranscriptEvent', { Transcript: { Results: [{ ResultId: `r${received.length}`, IsPartial: true, Alternatives: [{ Transcript: `${event.body.byteLength} bytes` }] }] } });
      }
      request.end();
    });
    servers.push(server);
    const output = await transcribe(server, audio(320, 1000, 2));
    const texts: string[] = [];
    for await (const event of output.TranscriptResultStream!) texts.push(event.TranscriptEvent?.Transcript?.Results?.[0]?.Alternatives?.[0]?.Transcript ?? '?');
    expect(texts).toEqual(['320 bytes', '1000 bytes', '2 bytes']);
    expect(received.map((e) => [e.eventType, e.messageType, e.signed, e.body.byteLength])).toEqual([
      ['AudioEvent', 'event', true, 320],
      ['AudioEvent', 'event', true, 1000],
      ['AudioEvent', 'event', true, 2],
    ]);
    expect(received[0]!.body.every((b) => b === 7)).toBe(true);
    expect(server.requests).toBe(1);
  });

  it('sends modelled exceptions and HTTP errors as the SDK expects them', async () => {
    const server = await AwsEventStreamServer.start(async (request) => {
      if (request.headers['x-amzn-transcribe-language-code'] === 'en-US') {
        request.exception('BadRequestException', 'no audio for 15 seconds');
        return;
      }
      request.reject(400, 'BadRequestException', 'bad language');
    });
    servers.push(server);
    // An exception as the first message already fails send(): the SDK reads ahead for an initial response.
    await expect(
      (async () => {
        const output = await transcribe(server, audio(320));
        for await (const _ of output.TranscriptResultStream!) void _;
      })(),
    ).rejects.toMatchObject({ name: 'BadRequestException', message: 'no audio for 15 seconds' });

    const refused = client(server).send(new StartStreamTranscriptionCommand({ LanguageCode: 'xx-XX' as 'en-US', MediaEncoding: 'pcm', MediaSampleRateHertz: 8000, AudioStream: audio(320) }));
    await expect(refused).rejects.toMatchObject({ name: 'BadRequestException', message: 'bad language', $metadata: { httpStatusCode: 400 } });
  });
});
