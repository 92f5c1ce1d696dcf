import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, context, trace, type Context } from '@opentelemetry/api';
import { NatsBus, type MessageBus } from '@voiceagent/bus';
import { NatsServer, eventually } from '@voiceagent/testing';
import {
  TURN_BUDGET_MS,
  TurnTracker,
  createLogger,
  followTurnStages,
  reportTurnStage,
  startTelemetry,
  withTracePropagation,
  type Logger,
  type Telemetry,
} from '../src';

let telemetry: Telemetry;
let server: Server;
let metricsUrl: string;
let nats: NatsServer;

beforeAll(async () => {
  telemetry = startTelemetry({ serviceName: 'turns-test' });
  server = createServer((req, res) => {
    if (!telemetry.handleMetricsRequest(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  metricsUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`;
  nats = await NatsServer.start();
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await nats?.dispose();
  await telemetry?.shutdown();
});

beforeEach(() => telemetry.recentSpans.clear());

function capturedLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 'listener', destination: sink }), lines };
}

/** The call's root span, as media starts it. */
function callTrace(): Context {
  return trace.setSpan(ROOT_CONTEXT, telemetry.tracer('media').startSpan('call'));
}

async function scrape(): Promise<string> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of a Prometheus sample whose line starts with `name{` and holds every label given. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('TurnTracker', () => {
  it('ends the turn when its reply left, from the stages reported over NATS, and records the latencies', async () => {
    const { logger, lines } = capturedLogger();
    const listenerBus: MessageBus = withTracePropagation(await NatsBus.connect({ servers: nats.url, name: 'listener' }));
    const stagesBus: MessageBus = withTracePropagation(await NatsBus.connect({ servers: nats.url, name: 'brain' }));
    const call = callTrace();
    const tracker = new TurnTracker({ tracer: telemetry.tracer('listener'), metrics: telemetry.metrics, logger, callId: 'k1', callTrace: call });
    const following = followTurnStages(listenerBus, 'k1', (spanId, timing) => tracker.stageDone(spanId, timing));
    await listenerBus.flush();

    const t0 = Date.now() - 1000;
    const turn = tracker.begin('u1', t0, { endpointingMs: 40 });
    const turnSpanId = trace.getSpanContext(turn)!.spanId;
    tracker.stageDone(turnSpanId, { stage: 'listener', startedAtMs: t0, endedAtMs: t0 + 60, engineMs: 15 });
    // Another process: only the turn's context comes with what it received.
    reportTurnStage(stagesBus, 'k1', turn, { stage: 'brain', startedAtMs: t0 + 61, endedAtMs: t0 + 161, engineMs: 90 });
    reportTurnStage(stagesBus, 'k1', turn, { stage: 'speaker', startedAtMs: t0 + 162, endedAtMs: t0 + 212, engineMs: 45 });
    reportTurnStage(stagesBus, 'k1', turn, { stage: 'media', startedAtMs: t0 + 213, endedAtMs: t0 + 230 });
    await stagesBus.flush();

    const span = await eventually(() => {
      const found = telemetry.recentSpans.find((s) => s.name === 'turn' && s.attributes['turnId'] === 'u1');
      expect(found).toBeDefined();
      return found!;
    });
    expect(span.spanContext().traceId).toBe(trace.getSpanContext(call)!.traceId);
    expect(span.parentSpanContext?.spanId).toBe(trace.getSpanContext(call)!.spanId);
    expect(span.attributes).toMatchObject({ callId: 'k1', totalMs: 230, listenerMs: 60, brainMs: 100, speakerMs: 50, mediaMs: 17, overBudget: [] });
    // 230 ms in all, of which 150 the engines and 40 the wait for the caller to be done.
    expect(span.attributes['overheadMs']).toBeCloseTo(40, 5);
    const latency = lines.find((l) => l['msg'] === 'turn latency');
    expect(latency).toMatchObject({ callId: 'k1', turnId: 'u1', totalMs: 230, brainMs: 100, trace_id: span.spanContext().traceId });
    expect(lines.some((l) => l['level'] === 'warn')).toBe(false);

    const text = await scrape();
    expect(sample(text, 'voiceagent_turn_stage_duration_count', { stage: 'brain' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'voiceagent_turn_duration_count')).toBeGreaterThanOrEqual(1);
    following.unsubscribe();
    await listenerBus.drain();
    await stagesBus.drain();
  });

  it('counts and logs a stage over its budget, with the stage that overran', async () => {
    const { logger, lines } = capturedLogger();
    const before = sample(await scrape(), 'voiceagent_turn_budget_violations_total', { stage: 'brain' }) ?? 0;
    const tracker = new TurnTracker({ tracer: telemetry.tracer('listener'), metrics: telemetry.metrics, logger, callId: 'k2', callTrace: callTrace() });
    const t0 = Date.now() - 2000;
    const id = trace.getSpanContext(tracker.begin('u1', t0, { endpointingMs: 40 }))!.spanId;
    const slowBrain = TURN_BUDGET_MS.brain + 250;
    tracker.stageDone(id, { stage: 'listener', startedAtMs: t0, endedAtMs: t0 + 60 });
    tracker.stageDone(id, { stage: 'media', startedAtMs: t0 + 70 + slowBrain, endedAtMs: t0 + 80 + slowBrain });
    tracker.stageDone(id, { stage: 'brain', startedAtMs: t0 + 60, endedAtMs: t0 + 60 + slowBrain });
    tracker.stageDone(id, { stage: 'speaker', startedAtMs: t0 + 60 + slowBrain, endedAtMs: t0 + 70 + slowBrain });

    const text = await scrape();
    expect(sample(text, 'voiceagent_turn_budget_violations_total', { stage: 'brain' })).toBe(before + 1);
    expect(sample(text, 'voiceagent_turn_budget_violations_total', { stage: 'speaker' }) ?? 0).toBe(0);
    const warnings = lines.filter((l) => l['level'] === 'warn');
    expect(warnings).toEqual([expect.objectContaining({ callId: 'k2', turnId: 'u1', stage: 'brain', ms: slowBrain, budgetMs: TURN_BUDGET_MS.brain })]);
    expect(String(warnings[0]?.['msg'])).toMatch(/brain took 650 ms of 400 ms/);
    const span = telemetry.recentSpans.find((s) => s.name === 'turn' && s.attributes['callId'] === 'k2');
    expect(span?.attributes['overBudget']).toEqual(['brain']);
  });

  it('counts the total when the turn is over a second although no stage overran its share', async () => {
    const { logger, lines } = capturedLogger();
    const before = sample(await scrape(), 'voiceagent_turn_budget_violations_total', { stage: 'total' }) ?? 0;
    const tracker = new TurnTracker({ tracer: telemetry.tracer('listener'), metrics: telemetry.metrics, logger, callId: 'k3', callTrace: callTrace() });
    const t0 = Date.now() - 2000;
    const id = trace.getSpanContext(tracker.begin('u1', t0, { endpointingMs: 40 }))!.spanId;
    // Each stage inside its share, but the gaps between them (a slow bus) add up.
    tracker.stageDone(id, { stage: 'listener', startedAtMs: t0, endedAtMs: t0 + 90 });
    tracker.stageDone(id, { stage: 'brain', startedAtMs: t0 + 300, endedAtMs: t0 + 690 });
    tracker.stageDone(id, { stage: 'speaker', startedAtMs: t0 + 800, endedAtMs: t0 + 990 });
    tracker.stageDone(id, { stage: 'media', startedAtMs: t0 + 1000, endedAtMs: t0 + 1100 });
    expect(sample(await scrape(), 'voiceagent_turn_budget_violations_total', { stage: 'total' })).toBe(before + 1);
    expect(lines.filter((l) => l['level'] === 'warn').map((l) => l['stage'])).toEqual(['total']);
  });

  it('charges the listener only for what follows the pause that ended the turn', async () => {
    const { logger, lines } = capturedLogger();
    const tracker = new TurnTracker({ tracer: telemetry.tracer('listener'), metrics: telemetry.metrics, logger, callId: 'k6', callTrace: callTrace() });
    const turn = (turnId: string, listenerMs: number) => {
      const t0 = Date.now() - 2000;
      const id = trace.getSpanContext(tracker.begin(turnId, t0, { endpointingMs: 400 }))!.spanId;
      tracker.stageDone(id, { stage: 'listener', startedAtMs: t0, endedAtMs: t0 + listenerMs });
      tracker.stageDone(id, { stage: 'brain', startedAtMs: t0 + listenerMs, endedAtMs: t0 + listenerMs + 10 });
      tracker.stageDone(id, { stage: 'speaker', startedAtMs: t0 + listenerMs + 10, endedAtMs: t0 + listenerMs + 50 });
      tracker.stageDone(id, { stage: 'media', startedAtMs: t0 + listenerMs + 50, endedAtMs: t0 + listenerMs + 60 });
    };
    // 400 ms of pause and 80 ms of recognition: within the listener's 100 ms.
    turn('u1', 480);
    // 400 ms of pause and 180 ms of recognition: 80 ms over.
    turn('u2', 580);
    const warnings = lines.filter((l) => l['level'] === 'warn');
    expect(warnings).toEqual([expect.objectContaining({ turnId: 'u2', stage: 'listener', ms: 180, budgetMs: TURN_BUDGET_MS.listener })]);
    // The stage itself, as its span and histogram show it, still runs from the end of speech.
    expect(lines.filter((l) => l['msg'] === 'turn latency').map((l) => [l['listenerMs'], l['endpointingMs']])).toEqual([
      [480, 400],
      [580, 400],
    ]);
  });

  it('ends a turn unchecked when the caller speaks again first, and ignores reports about other spans', async () => {
    const { logger, lines } = capturedLogger();
    const tracker = new TurnTracker({ tracer: telemetry.tracer('listener'), metrics: telemetry.metrics, logger, callId: 'k4', callTrace: callTrace() });
    const first = trace.getSpanContext(tracker.begin('u1', Date.now() - 500, { endpointingMs: 40 }))!.spanId;
    tracker.stageDone(first, { stage: 'listener', startedAtMs: Date.now() - 500, endedAtMs: Date.now() - 450 });
    // The greeting's stages come in the call's context: no turn of that span.
    tracker.stageDone('0123456789abcdef', { stage: 'media', startedAtMs: Date.now(), endedAtMs: Date.now() });
    const second = trace.getSpanContext(tracker.begin('u2', Date.now(), { endpointingMs: 40 }))!.spanId;
    const superseded = telemetry.recentSpans.find((s) => s.name === 'turn' && s.attributes['callId'] === 'k4' && s.attributes['turnId'] === 'u1');
    expect(superseded?.attributes).toMatchObject({ outcome: 'superseded', stagesDone: ['listener'] });
    // A late report about the closed turn changes nothing.
    tracker.stageDone(first, { stage: 'brain', startedAtMs: Date.now(), endedAtMs: Date.now() });
    tracker.close();
    const closed = telemetry.recentSpans.find((s) => s.name === 'turn' && s.attributes['turnId'] === 'u2' && s.attributes['callId'] === 'k4');
    expect(closed?.spanContext().spanId).toBe(second);
    expect(closed?.attributes['outcome']).toBe('call ended');
    expect(lines.filter((l) => l['msg'] === 'turn latency')).toEqual([]);
  });
});

describe('the Prometheus endpoint', () => {
  it('answers GET /metrics in the text format, refuses other methods, and leaves other paths alone', async () => {
    telemetry.metrics.activeCalls.add(1, { channel: 'sip' });
    const text = await scrape();
    expect(text).toMatch(/^# HELP voiceagent_calls_active Calls in progress$/m);
    expect(sample(text, 'voiceagent_calls_active', { channel: 'sip' })).toBe(1);
    expect(text).toMatch(/^# TYPE voiceagent_turn_stage_duration histogram$/m);
    telemetry.metrics.activeCalls.add(-1, { channel: 'sip' });
    expect(sample(await scrape(), 'voiceagent_calls_active', { channel: 'sip' })).toBe(0);

    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(405);
    expect((await fetch(metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('counts every error a service logs, by service', async () => {
    const { logger } = capturedLogger();
    const before = sample(await scrape(), 'voiceagent_errors_total', { service: 'brain' }) ?? 0;
    const brain = logger.child({ service: 'brain' });
    brain.error('engine failed');
    brain.warn('only a warning');
    brain.fatal('start-up failed');
    expect(sample(await scrape(), 'voiceagent_errors_total', { service: 'brain' })).toBe(before + 2);
  });
});

describe('turn stage reports', () => {
  it('carry the turn in their trace context on any bus, and the stage, times and engine share in the message', async () => {
    const raw = await NatsBus.connect({ servers: nats.url });
    const seen: Array<[string, unknown]> = [];
    const following = followTurnStages(raw, 'k5', (spanId, timing) => void seen.push([spanId, timing]));
    await raw.flush();
    const turnSpan = telemetry.tracer('listener').startSpan('turn');
    const turn = trace.setSpan(ROOT_CONTEXT, turnSpan);
    // Reported from outside the turn's context, on a bus that adds nothing itself.
    context.with(ROOT_CONTEXT, () => reportTurnStage(raw, 'k5', turn, { stage: 'speaker', startedAtMs: 1_700_000_000_000.25, endedAtMs: 1_700_000_000_120.5, engineMs: 100.125 }));
    await raw.flush();
    await eventually(() =>
      expect(seen).toEqual([[turnSpan.spanContext().spanId, { stage: 'speaker', startedAtMs: 1_700_000_000_000.25, endedAtMs: 1_700_000_000_120.5, engineMs: 100.125 }]]),
    );
    turnSpan.end();
    following.unsubscribe();
    await raw.drain();
  });
});
