import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { placeCall, speak, type CallReport } from '@voiceagent/callgen';
import { UPSTREAM_ROUTE_HEADER } from '@voiceagent/contracts';
import { startServices, type ServiceHarness } from '@voiceagent/runtime/testing';
import { SipUserAgent } from '@voiceagent/sip';
import { createSpeakerService } from '@voiceagent/speaker';
import { loadServices } from '@voiceagent/stack';
import { STAGE_SPAN_NAMES, TURN_BUDGET_MS } from '@voiceagent/telemetry';
import { eventually } from '@voiceagent/testing';
import { systemEnv } from '../src/env';
import { startProcesses, type RunningSystem } from '../src/system';

/** How much the speech synthesizer is slowed down: the speaker's stage goes well over its share of the budget. */
const SYNTHESIS_DELAY_MS = TURN_BUDGET_MS.speaker + 150;

/** Routed upstream: an AI session whatever the time of day (the gateway's hours would send a call at night to voicemail). */
const AI_SESSION = { [UPSTREAM_ROUTE_HEADER]: 'ai_session' };

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-telemetry-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const startMs = (span: ReadableSpan) => span.startTime[0] * 1000 + span.startTime[1] / 1e6;
const endMs = (span: ReadableSpan) => span.endTime[0] * 1000 + span.endTime[1] / 1e6;

describe('telemetry of a whole call (every service in one process)', () => {
  let harness: ServiceHarness;
  let ua: SipUserAgent;
  let httpPort: string;
  let report: CallReport;

  beforeAll(async () => {
    // flite behind a delay: the engine wrapper that forces one stage over budget, with no code of the speaker's changed.
    const slowFlite = join(dir, 'slow-flite');
    await writeFile(slowFlite, `#!/bin/sh\nsleep ${SYNTHESIS_DELAY_MS / 1000}\nexec flite "$@"\n`);
    await chmod(slowFlite, 0o755);
    const services = (await loadServices(undefined)).map((service) => (service.name === 'speaker' ? createSpeakerService({ localTts: { flitePath: slowFlite } }) : service));
    const settings = await systemEnv(join(dir, 'data'), join(dir, 'models'));
    httpPort = settings.env['HTTP_PORT']!;
    harness = await startServices(services, settings.env);
    ua = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 }, userAgent: 'e2e-telemetry' });
    report = await placeCall(ua, {
      to: settings.to,
      headers: AI_SESSION,
      turns: [await speak('What time do you open on Saturday?'), await speak('Where are you located?')],
      greetingTimeoutMs: 8000,
      replyTimeoutMs: 10_000,
      rtpPorts: { min: 38000, max: 38999 },
    });
  }, 180_000);

  afterAll(async () => {
    await ua?.close();
    await harness?.stop();
  });

  it('makes one trace of the call: a turn span per caller turn, each with the four stages as children', async () => {
    expect(report.turns.map((t) => t.latencyMs !== null), JSON.stringify(report)).toEqual([true, true]);
    const spans = () => harness.telemetry.recentSpans.spans();
    // Turn spans end when their reply's first packet is out; the call's span when the call ends.
    const { turns, call } = await eventually(() => {
      const done = spans().filter((s) => s.name === 'turn' && s.attributes['totalMs'] !== undefined);
      expect(done).toHaveLength(2);
      const root = spans().find((s) => s.name === 'call' && s.spanContext().spanId === done[0]!.parentSpanContext?.spanId);
      expect(root).toBeDefined();
      return { turns: done, call: root! };
    });
    const { traceId } = call.spanContext();
    expect(call.attributes).toMatchObject({ callId: turns[0]!.attributes['callId'], channel: 'sip' });
    for (const turn of turns) {
      expect(turn.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
      const children = spans().filter((s) => s.parentSpanContext?.spanId === turn.spanContext().spanId);
      expect(children.map((s) => s.name).sort()).toEqual(Object.values(STAGE_SPAN_NAMES).sort());
      expect(children.every((s) => s.spanContext().traceId === traceId)).toBe(true);
      // In order, inside the turn: transcript, first sentence, first audio, first packet.
      const stage = (name: string) => children.find((s) => s.name === name)!;
      const order = [STAGE_SPAN_NAMES.listener, STAGE_SPAN_NAMES.brain, STAGE_SPAN_NAMES.speaker, STAGE_SPAN_NAMES.media].map(stage);
      for (let i = 1; i < order.length; i++) expect(startMs(order[i]!)).toBeGreaterThanOrEqual(endMs(order[i - 1]!) - 1);
      expect(endMs(turn)).toBeCloseTo(endMs(stage(STAGE_SPAN_NAMES.media)), 0);
      expect(stage(STAGE_SPAN_NAMES.speaker).attributes['engineMs']).toBeGreaterThanOrEqual(SYNTHESIS_DELAY_MS);
    }
    // The greeting is in the call's trace too: its speech is a child of the call, not of a turn.
    expect(spans().some((s) => s.name === STAGE_SPAN_NAMES.speaker && s.parentSpanContext?.spanId === call.spanContext().spanId)).toBe(true);
  });

  it('counts the slowed stage as over budget, logs it with the stage, and serves the histograms on /metrics', async () => {
    await eventually(() => expect(harness.logs.filter((l) => l.msg === 'turn latency')).toHaveLength(2));
    const overruns = harness.logs.filter((l) => l.level === 'warn' && String(l.msg).startsWith('turn over budget'));
    expect(overruns.filter((l) => l['stage'] === 'speaker')).toHaveLength(2);
    for (const line of overruns.filter((l) => l['stage'] === 'speaker')) {
      expect(line['ms']).toBeGreaterThanOrEqual(SYNTHESIS_DELAY_MS);
      expect(line['budgetMs']).toBe(TURN_BUDGET_MS.speaker);
      expect(line['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    }
    const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(/^voiceagent_turn_budget_violations_total\{stage="speaker",[^}]*\} (\d+)$/m)).toBe(2);
    for (const stage of ['listener', 'brain', 'speaker', 'media']) {
      expect(value(new RegExp(`^voiceagent_turn_stage_duration_count\\{stage="${stage}",[^}]*\\} (\\d+)$`, 'm'))).toBe(2);
    }
    expect(value(/^voiceagent_turn_duration_count\{[^}]*\} (\d+)$/m)).toBe(2);
    expect(value(/^voiceagent_calls_active\{channel="sip",[^}]*\} (-?\d+)$/m)).toBe(0);
  });
});

describe('telemetry of a whole call (a process per service over NATS)', () => {
  let system: RunningSystem;
  let caller: SipUserAgent;
  let target: string;

  beforeAll(async () => {
    const settings = await systemEnv(join(dir, 'nats-data'), join(dir, 'models'));
    target = settings.to;
    system = await startProcesses(settings.env);
    caller = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 }, userAgent: 'e2e-telemetry-nats' });
  }, 180_000);

  afterAll(async () => {
    await caller?.close();
    await system?.stop();
  });

  it("closes each turn in the listener's process from the stages the other processes report, in one trace", async () => {
    const call = await placeCall(caller, {
      to: target,
      headers: AI_SESSION,
      turns: [await speak('What time do you open on Saturday?')],
      greetingTimeoutMs: 8000,
      replyTimeoutMs: 10_000,
      rtpPorts: { min: 38000, max: 38999 },
    });
    expect(call.turns[0]?.latencyMs, JSON.stringify(call)).not.toBeNull();
    const latency = await eventually(() => {
      const line = system.logs().find((l) => l.msg === 'turn latency');
      expect(line).toBeDefined();
      return line!;
    });
    for (const stage of ['listener', 'brain', 'speaker', 'media']) expect(latency[`${stage}Ms`]).toBeGreaterThan(0);
    // The brain, in another process, logged the same turn inside the trace the listener started.
    const decided = system.logs().find((l) => l.msg === 'caller turn' && l['callId'] === latency['callId']);
    expect(decided?.['trace_id']).toBe(latency['trace_id']);
    expect(decided?.['span_id']).toBe(latency['span_id']);
  }, 90_000);
});
