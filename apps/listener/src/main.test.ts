import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { publishTo } from '@voiceagent/bus';
import { Route, VadEventKind, topics } from '@voiceagent/contracts';
import { callEnded, callStarted, startServices, type ServiceHarness } from '@voiceagent/runtime/testing';
import { startTelemetry } from '@voiceagent/telemetry';
import { defaultTurnDetection } from '@voiceagent/stt';
import { eventually } from '@voiceagent/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { concat, durationMs, modelEnv, sayIntoCall, scratch, silence, speak, watchCall, wordErrorRate } from '../test/speech';
import { createListenerService } from './main';

// Started before any harness so this file's spans land in a buffer the test can read (the first SDK is the global one).
const telemetry = startTelemetry({ serviceName: 'listener-test' });
afterAll(() => telemetry.shutdown());

const listener = createListenerService({ downloadModels: false });

async function harness(env: NodeJS.ProcessEnv = {}): Promise<ServiceHarness> {
  const h = await startServices([listener], { ...modelEnv, ...env });
  onTestFinished(() => h.stop());
  return h;
}

async function openCall(h: ServiceHarness, callId: string) {
  const watch = watchCall(h, callId);
  publishTo(h.bus, topics.lifecycle, callStarted(callId));
  await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'listening', callId })));
  return watch;
}

let question: Int16Array;
let firstHalf: Int16Array;
let secondHalf: Int16Array;

beforeAll(() => {
  question = speak('what time do you open on saturday');
  firstHalf = speak('my name is');
  secondHalf = speak('john smith');
});

describe('listener service: caller turns', () => {
  it('turns a spoken question into speech events, partial and final transcripts and one user turn, in real time', async () => {
    const h = await harness();
    const call = await openCall(h, 'c1');
    const leadMs = 400;
    const t0 = await sayIntoCall(h, 'c1', concat(silence(leadMs), question, silence(1200)), { realTime: true });
    const [turn] = await eventually(() => {
      expect(call.turns).toHaveLength(1);
      return call.turns;
    });

    // Speech started near the onset, stopped near the end, and neither while the agent talked.
    expect(call.order).toEqual(['vad:started', 'partial', 'final', 'vad:stopped', 'turn']);
    const [started, stopped] = call.vad.map((v) => v.value);
    expect(started).toMatchObject({ callId: 'c1', kind: VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED, duringAgentSpeech: false });
    expect(started!.audioOffsetMs).toBeGreaterThanOrEqual(leadMs - 150);
    expect(started!.audioOffsetMs).toBeLessThan(leadMs + 300);
    expect(stopped).toMatchObject({ kind: VadEventKind.VAD_EVENT_KIND_SPEECH_STOPPED, duringAgentSpeech: false });

    // Partials grow into the final, which carries words, a confidence and the engine.
    const final = call.transcripts.find((t) => t.value.isFinal)!.value;
    expect(call.transcripts.filter((t) => !t.value.isFinal).every((t) => t.value.text.length > 0 && t.value.words.length === 0)).toBe(true);
    expect(final).toMatchObject({ callId: 'c1', engine: 'local' });
    expect(final.words.map((w) => w.word).join(' ')).toBe(final.text);
    expect(final.confidence).toBeGreaterThan(0);

    // The turn: the words (tolerantly), and when the caller stopped speaking, from the audio.
    const { value } = turn!;
    expect(value).toMatchObject({ callId: 'c1', turnId: 'u1', interruptedAgent: false, text: final.text });
    expect(wordErrorRate('what time do you open on saturday', value.text)).toBeLessThanOrEqual(0.3);
    expect(value.text).toMatch(/\btime\b.*\bopen\b/);
    const speechEnd = t0 + leadMs + durationMs(question);
    const endedAt = value.speechEndedAt!.getTime();
    // The detector closes speech a little after the last sample (its windows, the quiet tail of the last word).
    expect(endedAt - speechEnd).toBeGreaterThanOrEqual(-60);
    expect(endedAt - speechEnd).toBeLessThan(250);
    expect(stopped!.time!.getTime()).toBe(endedAt);
    expect(value.finalizedAt!.getTime()).toBeGreaterThanOrEqual(endedAt);

    // The listener's stage span starts when the caller stopped; it is a child of the turn's span, whose context
    // the turn carries to the brain (the turn's span ends when the reply is out, which no stage here sends).
    const span = telemetry.recentSpans.find((s) => s.name === 'listener.final_transcript' && s.attributes['callId'] === 'c1')!;
    expect(span).toBeDefined();
    expect(span.attributes).toMatchObject({ callId: 'c1', turnId: 'u1', stage: 'listener', chars: value.text.length, engine: 'local' });
    expect(Math.abs(span.startTime[0] * 1000 + span.startTime[1] / 1e6 - endedAt)).toBeLessThanOrEqual(1);
    expect(turn!.headers['traceparent']).toBe(`00-${span.spanContext().traceId}-${span.parentSpanContext!.spanId}-01`);

    const log = h.logs.find((l) => l.msg === 'user turn')!;
    expect(log).toMatchObject({ callId: 'c1', turnId: 'u1', engine: 'local', interruptedAgent: false });
    expect(log['endpointingMs']).toBeGreaterThanOrEqual(defaultTurnDetection.silenceMs);
    // Endpointing as measured here (performance is the benchmarks' job; this only reports it).
    console.info(
      `endpointing, real time: audio ${String(log['endpointingMs'])} ms, asr lag ${String(log['asrLagMs'])} ms; ` +
        `caller end of speech → user turn published ${turn!.at - endedAt} ms wall (speech end detected ${endedAt - speechEnd} ms after the true one)`,
    );
  });

  it('keeps a 300 ms pause inside one turn and splits at a 1 s pause', async () => {
    const h = await harness();
    const short = await openCall(h, 'short');
    await sayIntoCall(h, 'short', concat(silence(300), firstHalf, silence(300), secondHalf, silence(1200)));
    const long = await openCall(h, 'long');
    await sayIntoCall(h, 'long', concat(silence(300), firstHalf, silence(1000), secondHalf, silence(1200)));

    await eventually(() => expect(long.turns).toHaveLength(2));
    expect(short.turns).toHaveLength(1);
    expect(short.turns[0]!.value.text).toMatch(/\bname\b.*\b(john|smith)\b/);
    expect(long.turns.map((t) => t.value.turnId)).toEqual(['u1', 'u2']);
    expect(long.turns[0]!.value.text).toMatch(/\bname\b/);
    expect(long.turns[0]!.value.text).not.toMatch(/\bsmith\b/);
    expect(long.turns[1]!.value.text).toMatch(/\b(john|smith)\b/);
    expect(long.order).toEqual(['vad:started', 'partial', 'final', 'vad:stopped', 'turn', 'vad:started', 'partial', 'final', 'vad:stopped', 'turn']);
    // Turns end a pause after the speech (the detector's silence), in audio time.
    for (const line of h.logs.filter((l) => l.msg === 'user turn')) expect(line['endpointingMs']).toBeGreaterThanOrEqual(defaultTurnDetection.silenceMs);
  });
});

describe('listener service: lifecycle', () => {
  it('holds one stream per call and releases it and its subscriptions when the call ends', async () => {
    const h = await harness();
    const baseline = h.bus.subscriptionCount();
    expect(h.host.health.report().checks['listener']).toEqual({ ok: true, detail: 'engine local; 0 active calls; 0 open streams' });
    publishTo(h.bus, topics.lifecycle, callStarted('c1'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'listening', callId: 'c1', sampleRateHz: 8000, engine: 'local' })));
    // Caller and agent audio, and the turn stages the other services report.
    expect(h.bus.subscriptionCount()).toBe(baseline + 3);
    expect(h.host.health.report().checks['listener']).toEqual({ ok: true, detail: 'engine local; 1 active calls; 1 open streams' });

    // Caller audio, with one frame lost on the way and one duplicate.
    const frames = topics.call('c1', 'audioIn');
    for (let sequence = 0; sequence < 50; sequence++) {
      if (sequence === 20) continue;
      const frame = { callId: 'c1', sequence, sampleRateHz: 8000, channels: 1, pcm: new Uint8Array(320), capturedAtUs: 0, track: 0, endOfUtterance: false };
      publishTo(h.bus, frames, frame);
      if (sequence === 30) publishTo(h.bus, frames, frame);
    }
    await h.bus.flush();
    publishTo(h.bus, topics.lifecycle, callEnded('c1'));
    const summary = await eventually(() => {
      const line = h.logs.find((l) => l.msg === 'caller audio summary');
      expect(line).toBeDefined();
      return line!;
    });
    expect(summary).toMatchObject({ callId: 'c1', received: 50, lost: 1, late: 1, audioMs: 980, turns: 0, reason: 'call ended' });
    expect(h.bus.subscriptionCount()).toBe(baseline);
    expect(h.host.health.report().checks['listener']).toEqual({ ok: true, detail: 'engine local; 0 active calls; 0 open streams' });
  });

  it('closes every stream when the service stops, publishing no turn for speech cut short', async () => {
    const h = await harness();
    const call = await openCall(h, 'c1');
    await sayIntoCall(h, 'c1', concat(silence(300), question));
    await eventually(() => expect(call.order).toContain('vad:started'));
    await h.stop();
    expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'caller audio summary', callId: 'c1', reason: 'service stopping', turns: 0 }));
    expect(call.turns).toEqual([]);
  });

  it('fails start-up with the models library\'s explanation when a model is missing', async () => {
    const empty = join(scratch, 'empty-mirror');
    mkdirSync(empty, { recursive: true });
    await expect(startServices([listener], { VOICE_AGENT_MODELS: join(scratch, 'no-models'), VOICE_AGENT_MODELS_MIRROR: empty })).rejects.toThrow(
      /Model "(asr-en-zipformer-3m|vad-silero)" is incomplete[\s\S]*not in the mirror[\s\S]*npm run models/,
    );
  });

  it('logs a call it cannot open and goes on', async () => {
    const h = await harness();
    const event = callStarted('odd');
    if (event.event?.$case === 'started') event.event.started.sampleRateHz = 96_000;
    publishTo(h.bus, topics.lifecycle, event);
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'could not open call session', callId: 'odd' })));
    expect(h.host.health.report().checks['listener']).toMatchObject({ ok: true, detail: 'engine local; 0 active calls; 0 open streams' });
  });
});

describe('listener service: routed calls', () => {
  it('transcribes a voicemail call and leaves a call routed to a person alone', async () => {
    const h = await harness();
    const routed = (callId: string, route: Route) => {
      const event = callStarted(callId);
      if (event.event?.$case === 'started') event.event.started.routing = { route, reason: 'test', target: '', announcement: '' };
      publishTo(h.bus, topics.lifecycle, event);
    };
    routed('human', Route.ROUTE_HUMAN);
    routed('voicemail', Route.ROUTE_VOICEMAIL);
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'listening', callId: 'voicemail' })));
    expect(h.logs).toContainEqual(expect.objectContaining({ msg: "call left alone (not this stage's route)", callId: 'human' }));
    expect(h.logs.some((l) => l.msg === 'listening' && l.callId === 'human')).toBe(false);
    expect(h.host.health.report().checks['listener']).toMatchObject({ detail: 'engine local; 1 active calls; 1 open streams' });
  });
});
