import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus, NatsBus, publishTo, type MessageBus } from '@voiceagent/bus';
import { CallChannel, EndReason, Route, routeOf, topics } from '@voiceagent/contracts';
import { createLogger } from '@voiceagent/telemetry';
import { NatsServer, eventually } from '@voiceagent/testing';
import { superviseCalls } from '../src';

const logger = createLogger({ service: 'test', level: 'silent' });
let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start();
});
afterAll(async () => {
  await server?.dispose();
});

const start = (bus: MessageBus, callId: string, route?: Route) =>
  publishTo(bus, topics.lifecycle, {
    callId,
    time: new Date(),
    event: {
      $case: 'started',
      started: {
        channel: CallChannel.CALL_CHANNEL_SIP, caller: '+15550100', called: 'agent', sipHeaders: {}, sampleRateHz: 8000, contactId: '',
        ...(route === undefined ? {} : { routing: { route, reason: 'test', target: '', announcement: '' } }),
      },
    },
  });
const end = (bus: MessageBus, callId: string) =>
  publishTo(bus, topics.lifecycle, { callId, time: new Date(), event: { $case: 'ended', ended: { reason: EndReason.END_REASON_CALLER_HANGUP, detail: '', durationMs: 1 } } });

const adapters: Array<[string, () => Promise<MessageBus[]>]> = [
  ['in-process', async () => { const bus = new InProcessBus(); return [bus, bus, bus]; }],
  ['nats', async () => Promise.all([0, 1, 2].map(() => NatsBus.connect({ servers: server.url })))],
];

describe.each(adapters)('superviseCalls over %s', (_name, connect) => {
  it('gives each call to one instance, and closes it wherever the end is heard', async () => {
    const [edge, one, two] = await connect();
    const opened: string[] = [];
    const closed: string[] = [];
    const instance = (bus: MessageBus, tag: string) =>
      superviseCalls(bus, {
        queue: 'listener',
        logger,
        open: (callId) => {
          opened.push(`${tag}:${callId}`);
          return { close: (reason) => void closed.push(`${callId}:${reason}`) };
        },
      });
    const a = instance(one!, 'a');
    const b = instance(two!, 'b');
    await one!.flush();
    await two!.flush();

    for (let i = 0; i < 20; i++) start(edge!, `call-${i}`);
    await edge!.flush();
    await eventually(() => expect(opened).toHaveLength(20));
    expect(new Set(opened.map((o) => o.split(':')[1])).size).toBe(20);
    expect(a.active() + b.active()).toBe(20);

    for (let i = 0; i < 10; i++) end(edge!, `call-${i}`);
    await edge!.flush();
    await eventually(() => expect(closed).toHaveLength(10));
    expect(closed.every((c) => c.endsWith(':call ended'))).toBe(true);

    await a.stop();
    await b.stop();
    expect(closed).toHaveLength(20);
    expect(closed.filter((c) => c.endsWith(':service stopping'))).toHaveLength(10);
    expect(a.active() + b.active()).toBe(0);
    for (const bus of new Set([edge, one, two])) await bus!.drain();
  });

  it('closes a call whose session was still opening when it ended', async () => {
    const [edge, owner] = await connect();
    const closed: string[] = [];
    const supervisor = superviseCalls(owner!, {
      queue: 'brain',
      logger,
      open: async () => {
        await new Promise((r) => setTimeout(r, 100));
        return { close: (reason) => void closed.push(reason) };
      },
    });
    await owner!.flush();
    start(edge!, 'slow');
    await edge!.flush();
    await new Promise((r) => setTimeout(r, 20));
    end(edge!, 'slow');
    await edge!.flush();
    await eventually(() => expect(closed).toEqual(['call ended']));
    expect(supervisor.active()).toBe(0);
    await supervisor.stop();
    for (const bus of new Set([edge, owner])) await bus!.drain();
  });

  it('leaves alone the calls a stage does not take part in (here: only AI sessions)', async () => {
    const [edge, owner] = await connect();
    const opened: string[] = [];
    const closed: string[] = [];
    const supervisor = superviseCalls(owner!, {
      queue: 'brain',
      logger,
      takes: (started) => routeOf(started) === Route.ROUTE_AI_SESSION,
      open: (callId) => {
        opened.push(callId);
        return { close: () => void closed.push(callId) };
      },
    });
    await owner!.flush();
    start(edge!, 'unrouted');
    start(edge!, 'voicemail', Route.ROUTE_VOICEMAIL);
    start(edge!, 'human', Route.ROUTE_HUMAN);
    start(edge!, 'ai', Route.ROUTE_AI_SESSION);
    await edge!.flush();
    await eventually(() => expect(opened).toEqual(['unrouted', 'ai']));
    for (const callId of ['unrouted', 'voicemail', 'human', 'ai']) end(edge!, callId);
    await edge!.flush();
    await eventually(() => expect(closed).toEqual(['unrouted', 'ai']));
    await supervisor.stop();
    for (const bus of new Set([edge, owner])) await bus!.drain();
  });
});
