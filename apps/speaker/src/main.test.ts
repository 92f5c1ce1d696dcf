import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { int16View, rms } from '@voiceagent/audio';
import { publishTo, subscribeTo, type BusHeaders } from '@voiceagent/bus';
import { Route, Track, VadEventKind, topics, type AgentUtterance, type AudioFrame, type CallEvent } from '@voiceagent/contracts';
import { callEnded, callStarted, startServices, type LogLine, type ServiceHarness } from '@voiceagent/runtime/testing';
import { injectTraceContext, startTelemetry } from '@voiceagent/telemetry';
import { eventually } from '@voiceagent/testing';
import type { ProcessExit, ProcessInfo } from '@voiceagent/tts';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createSpeakerService, speakerService } from './main';

// Started before any harness so this file's spans land in a buffer the test can read (the first SDK is the global one).
const telemetry = startTelemetry({ serviceName: 'speaker-test' });

let scratch: string;
/** A flite that never finishes a sentence containing "hang": a synthesis that is surely running when the test acts. */
let hangingFlite: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'speaker-test-'));
  hangingFlite = join(scratch, 'flite');
  await writeFile(hangingFlite, '#!/bin/sh\ncase "$*" in *hang*) exec sleep 10;; esac\nexec flite "$@"\n');
  await chmod(hangingFlite, 0o755);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await telemetry.shutdown();
});

function watcher() {
  const spawned: ProcessInfo[] = [];
  const exited: ProcessExit[] = [];
  return { spawned, exited, observer: { onSpawn: (p: ProcessInfo) => spawned.push(p), onExit: (p: ProcessExit) => exited.push(p) } };
}

/** 'gone' once the process has exited and been reaped. */
function processGone(pid: number): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return false;
  } catch {
    return true;
  }
}

async function harness(service = speakerService, env: NodeJS.ProcessEnv = {}): Promise<ServiceHarness> {
  const h = await startServices([service], env);
  onTestFinished(() => h.stop());
  return h;
}

/** Starts a call and collects what the speaker publishes on its audio.out. */
async function openCall(h: ServiceHarness, callId: string, event: CallEvent = callStarted(callId)) {
  const frames: AudioFrame[] = [];
  const sub = subscribeTo(h.bus, topics.call(callId, 'audioOut'), (frame) => void frames.push(frame));
  onTestFinished(() => sub.unsubscribe());
  publishTo(h.bus, topics.lifecycle, event);
  await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'speech opened', callId })));
  return frames;
}

function say(h: ServiceHarness, callId: string, turnId: string, sentenceIndex: number, text: string, options: { final?: boolean; cacheKey?: string; headers?: BusHeaders } = {}): void {
  const utterance: AgentUtterance = { callId, turnId, sentenceIndex, text, final: options.final ?? false, cacheKey: options.cacheKey ?? '', decision: undefined, createdAt: new Date() };
  publishTo(h.bus, topics.call(callId, 'agentTurn'), utterance, options.headers);
}

function callerSpeaks(h: ServiceHarness, callId: string): void {
  publishTo(h.bus, topics.call(callId, 'vad'), { callId, kind: VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED, audioOffsetMs: 1000, duringAgentSpeech: false });
}

const replyLog = (h: ServiceHarness, callId: string, turnId: string): LogLine | undefined => h.logs.find((l) => l.msg === 'reply finished' && l.callId === callId && l.turnId === turnId);

describe('speaker service (local flite engine, in-process bus)', () => {
  it('speaks a two-sentence reply as 20 ms frames in order, starting before the reply is complete', async ({ annotate }) => {
    const h = await harness();
    const frames = await openCall(h, 'c1');
    const brain = telemetry.tracer('brain').startSpan('brain.reply');
    const headers = injectTraceContext(undefined, trace.setSpan(context.active(), brain));
    say(h, 'c1', 't1', 0, 'Thanks for calling Main Street Salon.', { headers });
    // Audio of the first sentence flows while the brain is still writing the second.
    await eventually(() => expect(frames.length).toBeGreaterThan(0));
    say(h, 'c1', 't1', 1, 'We are open from nine to five, Monday to Friday.', { final: true });
    await eventually(() => expect(frames.some((f) => f.endOfUtterance)).toBe(true));
    brain.end();

    expect(frames.every((f) => f.pcm.byteLength === 320 && f.sampleRateHz === 8000 && f.channels === 1 && f.callId === 'c1' && f.track === Track.TRACK_AGENT)).toBe(true);
    expect(frames.map((f) => f.sequence)).toEqual(frames.map((_, i) => i));
    expect(frames.findIndex((f) => f.endOfUtterance)).toBe(frames.length - 1);
    const nowUs = Date.now() * 1000;
    expect(frames.every((f) => Math.abs(f.capturedAtUs - nowUs) < 60e6)).toBe(true);
    // Two sentences of about 20 words: a few seconds of mostly voiced audio.
    const seconds = frames.length * 0.02;
    expect(seconds).toBeGreaterThan(2.5);
    expect(seconds).toBeLessThan(8);
    const voiced = frames.filter((f) => rms(int16View(f.pcm)) > 0.01).length;
    expect(voiced / frames.length).toBeGreaterThan(0.5);

    const log = replyLog(h, 'c1', 't1');
    expect(log).toMatchObject({ outcome: 'spoken', cancelled: false, frames: frames.length, sentences: 2, engine: 'local' });
    expect(typeof log!['firstAudioMs']).toBe('number');
    await annotate(`time to first audio (sentence received to first frame published): ${String(log!['firstAudioMs'])} ms`);
    const span = await eventually(() => {
      const found = telemetry.recentSpans.find((s) => s.name === 'speaker.first_audio' && s.attributes['callId'] === 'c1');
      expect(found).toBeDefined();
      return found!;
    });
    expect(span.parentSpanContext?.spanId).toBe(brain.spanContext().spanId);
    expect(span.attributes).toMatchObject({ callId: 'c1', turnId: 't1', engine: 'local', chars: 'Thanks for calling Main Street Salon.'.length });
  });

  it('speaks at the call’s own rate', async () => {
    const h = await harness();
    const event = callStarted('w1');
    if (event.event?.$case === 'started') event.event.started.sampleRateHz = 16000;
    const frames = await openCall(h, 'w1', event);
    say(h, 'w1', 't1', 0, 'Hello there.', { final: true });
    await eventually(() => expect(frames.some((f) => f.endOfUtterance)).toBe(true));
    expect(frames.every((f) => f.pcm.byteLength === 640 && f.sampleRateHz === 16000)).toBe(true);
  });

  it('serves the cached greeting: identical frames on a second call, no synthesis process', async () => {
    const watch = watcher();
    const h = await harness(createSpeakerService({ localTts: { observer: watch.observer } }));
    const greeting = 'Thanks for calling Main Street Salon. How can I help you today?';
    const first = await openCall(h, 'g1');
    say(h, 'g1', '', 0, greeting, { final: true, cacheKey: 'greeting' });
    await eventually(() => expect(first.some((f) => f.endOfUtterance)).toBe(true));
    expect(watch.spawned.some((p) => p.args.includes('Thanks for calling Main Street Salon.'))).toBe(true);

    const spawnedBefore = watch.spawned.length;
    const second = await openCall(h, 'g2');
    say(h, 'g2', '', 0, greeting, { final: true, cacheKey: 'greeting' });
    await eventually(() => expect(second.some((f) => f.endOfUtterance)).toBe(true));
    expect(watch.spawned.length).toBe(spawnedBefore);
    expect(second.length).toBe(first.length);
    expect(second.every((f, i) => Buffer.from(f.pcm).equals(Buffer.from(first[i]!.pcm)))).toBe(true);
    expect(second.at(-1)!.endOfUtterance && !second.slice(0, -1).some((f) => f.endOfUtterance)).toBe(true);
    expect(first.length * 0.02).toBeGreaterThan(2);
    expect(replyLog(h, 'g1', '')).toMatchObject({ outcome: 'spoken', cacheMisses: 1, cacheHits: 0 });
    expect(replyLog(h, 'g2', '')).toMatchObject({ outcome: 'spoken', cacheMisses: 0, cacheHits: 1 });
  });

  it('barge-in kills the synthesis in flight, drops the rest of that reply, and the next turn speaks', async () => {
    const watch = watcher();
    const h = await harness(createSpeakerService({ localTts: { flitePath: hangingFlite, observer: watch.observer } }));
    const frames = await openCall(h, 'b1');
    say(h, 'b1', 't1', 0, 'Let me look that up for you.');
    say(h, 'b1', 't1', 1, 'Please hang on while I check the calendar.');
    const hang = await eventually(() => {
      const found = watch.spawned.find((p) => p.args.some((a) => a.includes('hang on')));
      expect(found).toBeDefined();
      return found!;
    });
    const beforeBargeIn = frames.length;
    expect(beforeBargeIn).toBeGreaterThan(0); // the first sentence is out, the second one is being synthesized

    callerSpeaks(h, 'b1');
    await eventually(() => expect(watch.exited.find((e) => e.pid === hang.pid)?.signal).toBe('SIGKILL'), { timeoutMs: 2000 });
    expect(processGone(hang.pid)).toBe(true);
    await eventually(() => expect(replyLog(h, 'b1', 't1')).toMatchObject({ outcome: 'interrupted', cancelled: true, frames: beforeBargeIn }));

    say(h, 'b1', 't1', 2, 'It is free on Tuesday.', { final: true }); // the brain had not heard the caller yet
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'agent sentence dropped', callId: 'b1', turnId: 't1', sentenceIndex: 2 })));
    say(h, 'b1', 't2', 0, 'Sure, go ahead.', { final: true });
    await eventually(() => expect(frames.some((f) => f.endOfUtterance)).toBe(true));
    const t2 = replyLog(h, 'b1', 't2');
    expect(t2).toMatchObject({ outcome: 'spoken', cancelled: false });
    // Nothing of t1 came after the barge-in: every later frame is t2's.
    expect(frames.length).toBe(beforeBargeIn + (t2!['frames'] as number));
    expect(frames.map((f) => f.sequence)).toEqual(frames.map((_, i) => i));
    expect(watch.spawned.some((p) => p.args.some((a) => a.includes('free on Tuesday')))).toBe(false);
  });

  it('call end releases the stream, the subscriptions and every synthesis process', async () => {
    const watch = watcher();
    const h = await harness(createSpeakerService({ localTts: { flitePath: hangingFlite, observer: watch.observer } }));
    const baseline = h.bus.subscriptionCount();
    await openCall(h, 'e1');
    expect(h.host.health.report().checks['speaker']).toEqual({ ok: true, detail: expect.stringMatching(/^engine local \(default voice\); 1 active calls;/) });
    say(h, 'e1', 't1', 0, 'Please hang on a moment.');
    const hang = await eventually(() => {
      const found = watch.spawned.find((p) => p.args.some((a) => a.includes('hang on')));
      expect(found).toBeDefined();
      return found!;
    });

    publishTo(h.bus, topics.lifecycle, callEnded('e1'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'speech closed', callId: 'e1', reason: 'call ended' })));
    expect(processGone(hang.pid)).toBe(true); // reaped before the call counted as closed
    expect(watch.exited.find((e) => e.pid === hang.pid)?.signal).toBe('SIGKILL');
    expect(watch.spawned.every((p) => processGone(p.pid))).toBe(true);
    expect(h.bus.subscriptionCount()).toBe(baseline + 1); // the test's own audio.out subscription
    expect(replyLog(h, 'e1', 't1')).toMatchObject({ outcome: 'closed', cancelled: true, frames: 0 });
    expect(h.host.health.report().checks['speaker']?.detail).toMatch(/; 0 active calls;/);
  });

  it('fails start-up with the engine’s message when the synthesizer is missing', async () => {
    await expect(startServices([createSpeakerService({ localTts: { flitePath: '/nonexistent/bin/flite' } })])).rejects.toThrow(
      /flite, which was not found .*install the Debian package flite/,
    );
    await expect(startServices([speakerService], { TTS_ENGINE: 'deepgram' })).rejects.toThrow(/DEEPGRAM_API_KEY: is required when TTS_ENGINE=deepgram/);
    await expect(startServices([speakerService], { TTS_ENGINE: 'aws' })).rejects.toThrow(/AWS_REGION/);
  });
});

describe('speaker on routed calls', () => {
  const routedCall = (callId: string, route: Route, announcement: string): CallEvent => {
    const event = callStarted(callId);
    if (event.event?.$case === 'started') event.event.started.routing = { route, reason: 'test', target: '', announcement };
    return event;
  };

  it('speaks the announcement of a voicemail call whole, from the phrase cache the second time, and nothing else', async () => {
    const watch = watcher();
    const h = await harness(createSpeakerService({ localTts: { observer: watch.observer } }));
    const announcement = 'We are closed right now. Please leave a message after the tone.';
    const frames = await openCall(h, 'v1', routedCall('v1', Route.ROUTE_VOICEMAIL, announcement));
    callerSpeaks(h, 'v1'); // no barge-in: the caller cannot talk over the voicemail instructions
    say(h, 'v1', 't1', 0, 'A dialogue reply that must not be spoken.', { final: true });
    await eventually(() => expect(frames.some((f) => f.endOfUtterance)).toBe(true));
    expect(replyLog(h, 'v1', 'announcement')).toMatchObject({ outcome: 'spoken', cacheMisses: 1 });
    expect(frames.length * 0.02).toBeGreaterThan(2.5);
    expect(watch.spawned.some((p) => p.args.some((a) => a.includes('must not be spoken')))).toBe(false);

    const again = await openCall(h, 'v2', routedCall('v2', Route.ROUTE_HUMAN, announcement));
    await eventually(() => expect(again.some((f) => f.endOfUtterance)).toBe(true));
    expect(replyLog(h, 'v2', 'announcement')).toMatchObject({ outcome: 'spoken', cacheHits: 1, cacheMisses: 0 });
    expect(again.length).toBe(frames.length);
  });

  it('stays silent on a routed call without an announcement', async () => {
    const h = await harness();
    const frames = await openCall(h, 'v3', routedCall('v3', Route.ROUTE_HUMAN, ''));
    say(h, 'v3', 't1', 0, 'Hello.', { final: true });
    publishTo(h.bus, topics.lifecycle, callEnded('v3'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'speech closed', callId: 'v3' })));
    expect(frames).toEqual([]);
  });
});
