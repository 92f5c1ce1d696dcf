import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEEPGRAM_FLUSH_LIMIT_WARNING, DeepgramSpeakServer, deepgramSpeakAudio } from './deepgram-speak-server';
import { eventually } from './eventually';

let server: DeepgramSpeakServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** A /v1/speak client recording the text messages and the audio bytes it hears. */
async function connect(target: DeepgramSpeakServer) {
  const socket = new WebSocket(`ws://127.0.0.1:${target.port}/v1/speak?model=aura-2-thalia-en&encoding=linear16&sample_rate=8000`, {
    headers: { Authorization: `Token ${target.apiKey}` },
  });
  const messages: Record<string, unknown>[] = [];
  let audioBytes = 0;
  socket.on('message', (data, isBinary) => {
    if (isBinary) audioBytes += (data as Buffer).byteLength;
    else messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const speak = (text: string) => {
    socket.send(JSON.stringify({ type: 'Speak', text }));
    socket.send(JSON.stringify({ type: 'Flush' }));
  };
  const answers = () => messages.filter((m) => m['type'] === 'Flushed' || m['type'] === 'Warning');
  return { socket, messages, speak, answers, audioBytes: () => audioBytes };
}

describe('DeepgramSpeakServer harness', () => {
  it('answers the 21st Flush within 60 s with the EXCESSIVE_FLUSH Warning, keeps the connection and the text', async () => {
    server = await DeepgramSpeakServer.start();
    const client = await connect(server);
    for (let i = 0; i < 21; i++) client.speak(`Sentence ${i}.`);
    await eventually(() => expect(client.answers()).toHaveLength(21));
    expect(client.answers().slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => ({ type: 'Flushed', sequence_id: i })));
    expect(client.answers()[20]).toEqual(DEEPGRAM_FLUSH_LIMIT_WARNING);
    expect(server.last.refusedFlushes).toBe(1);
    expect(server.last.closed).toBe(false);

    // Close still speaks the text the refused Flush left in the buffer.
    const before = client.audioBytes();
    client.socket.send(JSON.stringify({ type: 'Close' }));
    await eventually(() => expect(server!.last.closed).toBe(true));
    expect(client.audioBytes() - before).toBe(deepgramSpeakAudio('Sentence 20.', 8000).byteLength);
  });

  it('counts over a sliding window: a Flush is answered again once the window has passed the oldest', async () => {
    server = await DeepgramSpeakServer.start({ flushLimit: { flushes: 2, windowMs: 150 } });
    const client = await connect(server);
    for (let i = 0; i < 3; i++) client.speak(`Sentence ${i}.`);
    await eventually(() => expect(client.answers().map((m) => m['type'])).toEqual(['Flushed', 'Flushed', 'Warning']));
    await new Promise((resolve) => setTimeout(resolve, 200)); // past the window of both answered Flushes
    client.speak('Later.');
    await eventually(() => expect(client.answers()).toHaveLength(4));
    expect(client.answers()[3]).toEqual({ type: 'Flushed', sequence_id: 2 });
    client.socket.close();
  });
});
