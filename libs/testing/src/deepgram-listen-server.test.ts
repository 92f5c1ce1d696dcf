import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DeepgramListenServer, deepgramResults, deepgramSpeechStarted } from './deepgram-listen-server';
import { eventually } from './eventually';

let server: DeepgramListenServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

interface Client {
  readonly socket: WebSocket;
  readonly messages: Record<string, unknown>[];
  readonly closed: Promise<number>;
}

async function connect(url: string, key: string): Promise<Client> {
  const socket = new WebSocket(url, { headers: { Authorization: `Token ${key}` } });
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages, closed };
}

describe('DeepgramListenServer harness', () => {
  it('refuses a wrong key with 401 and an unknown path with 404, as Deepgram does', async () => {
    server = await DeepgramListenServer.start({ apiKey: 'good' });
    const status = (path: string, key: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${server!.port}${path}`, { headers: { Authorization: `Token ${key}` } });
        socket.on('unexpected-response', (_, response) => {
          resolve(response.statusCode ?? 0);
          socket.terminate();
        });
        socket.on('error', () => undefined);
      });
    expect(await status('/v1/listen', 'bad')).toBe(401);
    expect(await status('/v1/speak', 'good')).toBe(404);
    expect(server.rejected).toEqual([
      { path: '/v1/listen', status: 401 },
      { path: '/v1/speak', status: 404 },
    ]);
  });

  it('plays its script as audio arrives, answers Finalize and CloseStream, and records what it got', async () => {
    server = await DeepgramListenServer.start({
      script: [{ afterAudioBytes: 4, send: [deepgramSpeechStarted(0.1), deepgramResults({ start: 0, duration: 0.5, isFinal: true, words: [{ word: 'hi', start: 0.1, end: 0.3 }] })] }],
    });
    const client = await connect(`ws://127.0.0.1:${server.port}/v1/listen?model=nova-3&sample_rate=8000&keyterm=a&keyterm=b`, 'test-key');
    client.socket.send(Buffer.alloc(2));
    client.socket.send(JSON.stringify({ type: 'KeepAlive' }));
    client.socket.send(Buffer.alloc(8000 * 2 - 2));
    client.socket.send(JSON.stringify({ type: 'Finalize' }));
    client.socket.send(JSON.stringify({ type: 'CloseStream' }));
    expect(await client.closed).toBe(1000);
    expect(client.messages.map((m) => m['type'])).toEqual(['SpeechStarted', 'Results', 'Results', 'Metadata']);
    expect(client.messages[1]).toMatchObject({ channel_index: [0, 1], is_final: true, channel: { alternatives: [{ transcript: 'hi', words: [{ word: 'hi', start: 0.1, end: 0.3 }] }] } });
    // Finalize flushes what the script had not reported: the rest of the second of audio.
    expect(client.messages[2]).toMatchObject({ is_final: true, from_finalize: true, start: 0.5, duration: 0.5 });
    expect(client.messages[3]).toMatchObject({ type: 'Metadata', duration: 1, channels: 1 });
    const connection = server.connection;
    expect(connection.query.getAll('keyterm')).toEqual(['a', 'b']);
    expect(connection.audioBytes).toBe(16_000);
    expect(connection.controlMessages).toEqual(['KeepAlive', 'Finalize', 'CloseStream']);
    expect(connection.keepAlives).toBe(1);
    await eventually(() => expect(connection.closeCode).toBe(1000));
  });

  it('drops a connection or closes it with an error code when the script says so', async () => {
    server = await DeepgramListenServer.start({ script: [{ afterAudioBytes: 2, end: { code: 1011, reason: 'NET-0001' } }] });
    const failing = await connect(`ws://127.0.0.1:${server.port}/v1/listen`, 'test-key');
    failing.socket.send(Buffer.alloc(2));
    expect(await failing.closed).toBe(1011);

    await server.stop();
    server = await DeepgramListenServer.start({ script: [{ afterAudioBytes: 2, end: 'drop' }] });
    const dropped = await connect(`ws://127.0.0.1:${server.port}/v1/listen`, 'test-key');
    dropped.socket.send(Buffer.alloc(2));
    expect(await dropped.closed).toBe(1006);
    await eventually(() => expect(server!.connection.closed).toBe(true));
  });
});
