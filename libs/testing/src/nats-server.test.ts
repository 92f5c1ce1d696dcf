import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { NatsServer } from './nats-server';

const greets = (port: number) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('data', (chunk) => {
      socket.destroy();
      resolve(chunk.toString());
    });
    socket.once('error', reject);
  });

describe('NatsServer harness', () => {
  it('runs a real nats-server that speaks the NATS protocol, and restarts it on the same port', async () => {
    const server = await NatsServer.start();
    try {
      expect(await greets(server.port)).toMatch(/^INFO \{/);
      await server.stop();
      await expect(greets(server.port)).rejects.toThrow();
      await server.restart();
      expect(await greets(server.port)).toMatch(/^INFO \{/);
    } finally {
      await server.dispose();
    }
  });
});
