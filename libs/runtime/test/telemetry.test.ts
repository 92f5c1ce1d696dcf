import { describe, expect, it } from 'vitest';
import { context, trace, type Context } from '@opentelemetry/api';
import { InProcessBus, publishTo } from '@voiceagent/bus';
import { loadConfig } from '@voiceagent/config';
import { topics } from '@voiceagent/contracts';
import { createLogger, startTelemetry, withTracePropagation } from '@voiceagent/telemetry';
import { eventually } from '@voiceagent/testing';
import { startHost, superviseCalls } from '../src';
import { callStarted } from '../src/testing';

const logger = createLogger({ service: 'test', level: 'silent' });
const telemetry = startTelemetry({ serviceName: 'runtime-telemetry-test' });

describe('superviseCalls and the call trace', () => {
  it("hands a call's session the trace its started event carried, and opens it outside that trace", async () => {
    const bus = withTracePropagation(new InProcessBus());
    const opened: Array<{ callTrace: Context; activeSpan: boolean }> = [];
    const calls = superviseCalls(bus, {
      queue: 'test',
      logger,
      open(_callId, _started, callTrace) {
        opened.push({ callTrace, activeSpan: trace.getSpan(context.active()) !== undefined });
        return { close: () => undefined };
      },
    });
    const callSpan = telemetry.tracer('media').startSpan('call');
    context.with(trace.setSpan(context.active(), callSpan), () => publishTo(bus, topics.lifecycle, callStarted('t1')));
    await eventually(() => expect(opened).toHaveLength(1));
    expect(trace.getSpanContext(opened[0]!.callTrace)).toMatchObject({ traceId: callSpan.spanContext().traceId, spanId: callSpan.spanContext().spanId });
    // What the session starts (audio streams, timers) must not inherit it.
    expect(opened[0]!.activeSpan).toBe(false);
    callSpan.end();
    await calls.stop();
  });
});

describe('the health server', () => {
  it('serves the Prometheus metrics on GET /metrics beside /healthz', async () => {
    const host = await startHost({ services: [], bus: new InProcessBus(), config: loadConfig({}), logger, telemetry: { ...telemetry, shutdown: async () => undefined }, healthPort: 0 });
    try {
      telemetry.metrics.turnDuration.record(720);
      const response = await fetch(`http://127.0.0.1:${host.healthPort}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toMatch(/^# TYPE voiceagent_turn_duration histogram$/m);
      expect(text).toMatch(/^voiceagent_turn_duration_count\{[^}]*\} 1$/m);
      expect((await fetch(`http://127.0.0.1:${host.healthPort}/nothing`)).status).toBe(404);
    } finally {
      await host.stop();
    }
  });
});
