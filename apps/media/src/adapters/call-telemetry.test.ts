import { describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { InProcessBus, publishTo, subscribeTo, type BusMessage } from '@voiceagent/bus';
import { EndReason, topics } from '@voiceagent/contracts';
import { followTurnStages, startTelemetry, withTracePropagation, type StageTiming } from '@voiceagent/telemetry';
import { eventually } from '@voiceagent/testing';
import { CallTelemetry } from './call-telemetry';

const telemetry = startTelemetry({ serviceName: 'media-test' });

/** Active SIP calls, as the Prometheus endpoint reports them (a response that only collects the text). */
function activeCalls(): Promise<number> {
  return new Promise((resolve) => {
    const res = {
      statusCode: 0,
      setHeader: () => undefined,
      end: (body: string) => {
        const line = body.split('\n').find((l) => l.startsWith('voiceagent_calls_active{') && l.includes('channel="sip"'));
        resolve(line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1)));
      },
    };
    telemetry.handleMetricsRequest({ url: '/metrics', method: 'GET' } as never, res as never);
  });
}

describe('CallTelemetry', () => {
  it("roots the call's trace, times media's share of each reply from its first frame to its packet, and reports it to the turn's owner", async () => {
    const bus = withTracePropagation(new InProcessBus());
    const before = await activeCalls();
    const call = new CallTelemetry({ bus, callId: 'm1', channel: 'sip', tracer: telemetry.tracer('media'), metrics: telemetry.metrics });
    expect(await activeCalls()).toBe(before + 1);

    // The agent's audio as media receives it: the reply's first frame carries the turn's context, the rest none.
    const frames: Array<{ message: BusMessage }> = [];
    subscribeTo(bus, topics.call('m1', 'audioOut'), (_frame, message) => void frames.push({ message }));
    const reports: Array<[string, StageTiming]> = [];
    followTurnStages(bus, 'm1', (spanId, timing) => void reports.push([spanId, timing]));
    const turnSpan = telemetry.tracer('listener').startSpan('turn', {}, call.trace);
    const turn = trace.setSpan(ROOT_CONTEXT, turnSpan);
    const frame = { callId: 'm1', sequence: 0, sampleRateHz: 8000, channels: 1, pcm: new Uint8Array(320), capturedAtUs: 0, track: 0, endOfUtterance: false };
    context.with(turn, () => publishTo(bus, topics.call('m1', 'audioOut'), frame));
    context.with(turn, () => publishTo(bus, topics.call('m1', 'audioOut'), frame));
    context.with(ROOT_CONTEXT, () => publishTo(bus, topics.call('m1', 'audioOut'), frame));
    await eventually(() => expect(frames).toHaveLength(3));

    const watches = frames.map(({ message }) => call.replyFrame(message));
    expect(watches.map((w) => w !== undefined)).toEqual([true, false, false]);
    watches[0]!(true);
    const span = telemetry.recentSpans.find((s) => s.name === 'media.first_packet' && s.attributes['callId'] === 'm1');
    expect(span?.parentSpanContext?.spanId).toBe(turnSpan.spanContext().spanId);
    expect(span?.spanContext().traceId).toBe(trace.getSpanContext(call.trace)!.traceId);
    await eventually(() => expect(reports).toEqual([[turnSpan.spanContext().spanId, expect.objectContaining({ stage: 'media', engineMs: 0 })]]));
    const [, timing] = reports[0]!;
    expect(timing.endedAtMs).toBeGreaterThanOrEqual(timing.startedAtMs);

    // Flushed before it went out: the span says so, and the turn hears nothing.
    const secondTurn = trace.setSpan(ROOT_CONTEXT, telemetry.tracer('listener').startSpan('turn', {}, call.trace));
    context.with(secondTurn, () => publishTo(bus, topics.call('m1', 'audioOut'), frame));
    await eventually(() => expect(frames).toHaveLength(4));
    call.replyFrame(frames[3]!.message)!(false);
    expect(telemetry.recentSpans.spans().filter((s) => s.name === 'media.first_packet').at(-1)?.attributes['outcome']).toBe('not sent');
    await bus.flush();
    expect(reports).toHaveLength(1);

    call.end({ reason: EndReason.END_REASON_CALLER_HANGUP, detail: 'BYE', route: 'ROUTE_AI_SESSION' });
    call.end({ reason: EndReason.END_REASON_ERROR, detail: 'twice' });
    const callSpan = telemetry.recentSpans.spans().filter((s) => s.name === 'call' && s.attributes['callId'] === 'm1');
    expect(callSpan.map((s) => s.attributes)).toEqual([{ callId: 'm1', channel: 'sip', endReason: 'END_REASON_CALLER_HANGUP', detail: 'BYE', route: 'ROUTE_AI_SESSION' }]);
    expect(await activeCalls()).toBe(before);
    turnSpan.end();
    await bus.drain();
  });
});
