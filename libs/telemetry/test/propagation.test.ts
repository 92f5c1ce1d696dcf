import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { NatsBus, type MessageBus } from '@voiceagent/bus';
import { NatsServer, eventually } from '@voiceagent/testing';
import { Writable } from 'node:stream';
import { createLogger, startTelemetry, withTracePropagation, type Telemetry } from '../src';

let server: NatsServer;
let telemetry: Telemetry;
beforeAll(async () => {
  server = await NatsServer.start();
  telemetry = startTelemetry({ serviceName: 'telemetry-test' });
});
afterAll(async () => {
  await telemetry?.shutdown();
  await server?.dispose();
});

describe('trace context across the NATS adapter', () => {
  it('makes a span in one service the parent of a span in another', async () => {
    // Two services, each with its own NATS connection.
    const media: MessageBus = withTracePropagation(await NatsBus.connect({ servers: server.url, name: 'media' }));
    const listener: MessageBus = withTracePropagation(await NatsBus.connect({ servers: server.url, name: 'listener' }));
    const listenerTracer = telemetry.tracer('listener');
    listener.subscribe('call.t1.audio.in', () => {
      listenerTracer.startActiveSpan('listener.transcribe', (span) => span.end());
    });
    await listener.flush();

    const mediaSpanIds = telemetry.tracer('media').startActiveSpan('media.receive', (span) => {
      media.publish('call.t1.audio.in', new Uint8Array([1, 2, 3]));
      span.end();
      return span.spanContext();
    });
    await media.flush();

    const child = await eventually(() => {
      const found = telemetry.recentSpans.find((s) => s.name === 'listener.transcribe');
      expect(found).toBeDefined();
      return found!;
    });
    expect(child.spanContext().traceId).toBe(mediaSpanIds.traceId);
    expect(child.parentSpanContext?.spanId).toBe(mediaSpanIds.spanId);
    await media.drain();
    await listener.drain();
  });

  it('adds no headers when no span is active (the audio hot path)', async () => {
    const raw = await NatsBus.connect({ servers: server.url });
    const traced = withTracePropagation(raw);
    const headers: Array<Record<string, string>> = [];
    raw.subscribe('call.t2.audio.in', (m) => void headers.push({ ...m.headers }));
    await raw.flush();
    context.with(trace.deleteSpan(context.active()), () => traced.publish('call.t2.audio.in', new Uint8Array(320)));
    await traced.flush();
    await eventually(() => expect(headers).toEqual([{}]));
    await raw.drain();
  });
});

describe('structured logs', () => {
  it('writes one JSON object per line with the service, and trace ids inside a span', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ service: 'brain', destination: sink });
    logger.info({ callId: 'c9' }, 'call started');
    const spanContext = telemetry.tracer('brain').startActiveSpan('turn', (span) => {
      logger.info('inside');
      span.end();
      return span.spanContext();
    });
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({ level: 'info', service: 'brain', callId: 'c9', msg: 'call started' });
    expect(first.trace_id).toBeUndefined();
    expect(second).toMatchObject({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
  });
});

describe('RecentSpans', () => {
  it('keeps only the newest spans up to its capacity', async () => {
    const { RecentSpans } = await import('../src');
    const ring = new RecentSpans(3);
    for (let i = 0; i < 5; i++) ring.onEnd({ name: `s${i}` } as never);
    expect(ring.spans().map((s) => s.name)).toEqual(['s2', 's3', 's4']);
  });
});
