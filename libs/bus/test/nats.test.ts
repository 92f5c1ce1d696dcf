import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsServer, eventually } from '@voiceagent/testing';
import { NatsBus, type BusStatusEvent } from '../src';
import { describeBusContract } from './contract';

let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start();
});
afterAll(async () => {
  await server?.dispose();
});

describeBusContract('nats', () => ({
  connect: (onHandlerError) => NatsBus.connect({ servers: server.url, name: 'contract-test', onHandlerError }),
}));

describe('NatsBus against a restarted server', () => {
  it('reports the outage, reconnects, and resumes delivery on its existing subscriptions', async () => {
    const publisher = await NatsBus.connect({ servers: server.url, name: 'publisher' });
    const subscriber = await NatsBus.connect({ servers: server.url, name: 'subscriber' });
    const events: BusStatusEvent[] = [];
    subscriber.onStatus((e) => events.push(e));
    const got: string[] = [];
    subscriber.subscribe('call.r1.turn.user', (m) => void got.push(new TextDecoder().decode(m.data)));
    await subscriber.flush();

    publisher.publish('call.r1.turn.user', new TextEncoder().encode('before'));
    await eventually(() => expect(got).toEqual(['before']));

    await server.stop();
    await eventually(() => expect(subscriber.state()).toBe('reconnecting'));
    await server.restart();
    await eventually(() => expect(subscriber.state()).toBe('connected'), { timeoutMs: 10_000 });
    await eventually(() => expect(publisher.state()).toBe('connected'), { timeoutMs: 10_000 });

    // The client re-subscribes on reconnect; keep publishing until the server has it.
    await eventually(
      async () => {
        publisher.publish('call.r1.turn.user', new TextEncoder().encode('after'));
        await publisher.flush();
        await new Promise((r) => setTimeout(r, 20));
        expect(got).toContain('after');
      },
      { timeoutMs: 10_000 },
    );
    expect(events.map((e) => e.state)).toEqual(expect.arrayContaining(['reconnecting', 'connected']));
    await publisher.drain();
    await subscriber.drain();
    expect(subscriber.state()).toBe('closed');
  });

  it('authenticates with a token and refuses a wrong one', async () => {
    const secured = await NatsServer.start({ token: 's3cret' });
    try {
      const ok = await NatsBus.connect({ servers: secured.url, token: 's3cret' });
      await ok.flush();
      await ok.drain();
      // waitOnFirstConnect would retry forever on bad credentials; nats.js
      // surfaces the authorization failure instead.
      await expect(
        Promise.race([
          NatsBus.connect({ servers: secured.url, token: 'wrong' }),
          new Promise((_, reject) => setTimeout(() => reject(new Error('hung')), 5000)),
        ]),
      ).rejects.toThrow(/auth/i);
    } finally {
      await secured.dispose();
    }
  });
});
