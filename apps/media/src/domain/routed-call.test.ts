import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InProcessBus, publishTo, subscribeTo } from '@voiceagent/bus';
import { CallChannel as ChannelKind, EndReason, Route, VadEventKind, rpcs, topics, type CallEvent, type CallRouted } from '@voiceagent/contracts';
import { createLogger } from '@voiceagent/telemetry';
import { eventually } from '@voiceagent/testing';
import { BusCallChannel } from '../adapters/bus-call-channel';
import { BusCallRouter } from '../adapters/bus-call-router';
import type { CallLeg, CallLegEvents, TransferOutcome } from '../ports/call-leg';
import type { CallRouter } from '../ports/call-router';
import type { VoicemailBox, VoicemailMessage } from '../ports/voicemail-box';
import { MediaCall, type MediaCallOptions } from './media-call';
import { voicemailTone } from './tone';

/** A leg whose playout the test controls: queued frames play out when the test says so. */
class ScriptedLeg implements CallLeg {
  readonly parties = { caller: '+15125550100', called: 'agent', headers: {}, sampleRateHz: 8000 };
  events: CallLegEvents | undefined;
  queued: Uint8Array[] = [];
  played: Uint8Array[] = [];
  hungUp: string[] = [];
  transfers: string[] = [];
  flushes = 0;
  transferOutcome: TransferOutcome = { success: true, sipStatus: 200, detail: 'NOTIFY 200' };
  listen(events: CallLegEvents) {
    this.events = events;
  }
  play(pcm: Uint8Array) {
    this.queued.push(pcm);
  }
  /** Everything queued has been heard. */
  playOut(): number {
    const n = this.queued.length;
    this.played.push(...this.queued);
    this.queued = [];
    return n;
  }
  flush() {
    this.flushes++;
    const n = this.queued.length;
    this.queued = [];
    return n;
  }
  isPlaying() {
    return this.queued.length > 0;
  }
  sendDtmf() {
    // no DTMF on these calls
  }
  async hangup(reason: string) {
    this.hungUp.push(reason);
  }
  async transfer(target: string) {
    this.transfers.push(target);
    return this.transferOutcome;
  }
  release() {
    // nothing held
  }
}

class MemoryVoicemailBox implements VoicemailBox {
  readonly stored: VoicemailMessage[] = [];
  failWith: Error | undefined;
  async store(message: VoicemailMessage): Promise<string> {
    if (this.failWith) throw this.failWith;
    this.stored.push(message);
    return `vm-${this.stored.length}`;
  }
}

const fixedRouter = (routing: CallRouted): CallRouter => ({ route: async () => routing });
const voicemailRoute: CallRouted = { route: Route.ROUTE_VOICEMAIL, reason: 'closed: outside opening hours', target: '', announcement: 'We are closed. Leave a message after the tone.' };
const humanRoute: CallRouted = { route: Route.ROUTE_HUMAN, reason: 'VIP caller Dr. Patel', target: '+15125550123', announcement: 'Putting you through.' };

const speech = () => new Uint8Array(new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 8000))).buffer);
const silence = () => new Uint8Array(320);

function setup(overrides: Partial<MediaCallOptions> = {}) {
  const bus = new InProcessBus();
  const leg = new ScriptedLeg();
  const box = new MemoryVoicemailBox();
  const lifecycle: CallEvent[] = [];
  const logs: Array<{ msg: string; [key: string]: unknown }> = [];
  const logger = createLogger({
    service: 'test',
    level: 'debug',
    destination: new Writable({ write: (chunk, _e, done) => void (logs.push(JSON.parse(String(chunk)) as { msg: string }), done()) }),
  });
  subscribeTo(bus, topics.lifecycle, (e) => void lifecycle.push(e));
  const baseline = bus.subscriptionCount();
  const call = new MediaCall({
    callId: 'r1', leg, channel: new BusCallChannel(bus, 'r1'), kind: ChannelKind.CALL_CHANNEL_SIP, echo: false, logger,
    voicemail: box,
    voicemailSettings: { maxMs: 10_000, silenceMs: 150, speechDbfs: -40 },
    playoutTiming: { startTimeoutMs: 2000, stallMs: 500, pollMs: 5 },
    ...overrides,
  });
  call.start();
  onTestFinished(async () => {
    await call.hangup(EndReason.END_REASON_ERROR, 'test over');
    await bus.drain();
  });
  /** What the speaker would send: the announcement's frames, the last one marked. */
  const speak = (frames: number) => {
    for (let i = 0; i < frames; i++) publishTo(bus, topics.call('r1', 'audioOut'), { callId: 'r1', sequence: i, sampleRateHz: 8000, channels: 1, pcm: speech(), capturedAtUs: 0, track: 2, endOfUtterance: i === frames - 1 });
  };
  const started = () =>
    eventually(() => {
      const event = lifecycle.find((e) => e.event?.$case === 'started')?.event;
      if (event?.$case !== 'started') throw new Error('not announced yet');
      return event.started;
    });
  return { bus, leg, box, call, lifecycle, logs, baseline, speak, started };
}

const cases = (lifecycle: CallEvent[]) => lifecycle.map((e) => e.event?.$case);
const toneFrames = voicemailTone(8000).length;

describe('MediaCall routing', () => {
  it('asks the router first, then announces the call with its route and publishes CallRouted', async () => {
    const { lifecycle, started } = setup({ router: fixedRouter(humanRoute) });
    expect(await started()).toMatchObject({ caller: '+15125550100', routing: humanRoute });
    await eventually(() => expect(cases(lifecycle).slice(0, 2)).toEqual(['started', 'routed']));
    expect(lifecycle[1]?.event).toEqual({ $case: 'routed', routed: humanRoute });
  });

  it('fails open to an AI session with a warning when the router is missing or silent', async () => {
    // Nobody answers calls.route on this bus.
    const absent = setup();
    const bus = absent.bus;
    const call = new MediaCall({
      callId: 'r2', leg: new ScriptedLeg(), channel: new BusCallChannel(bus, 'r2'), kind: ChannelKind.CALL_CHANNEL_SIP, echo: false,
      logger: createLogger({ service: 'test', level: 'silent' }), router: new BusCallRouter(bus, 1000),
    });
    call.start();
    await eventually(() => expect(absent.lifecycle.find((e) => e.callId === 'r2')?.event).toMatchObject({ started: { routing: { route: Route.ROUTE_AI_SESSION, reason: 'router unavailable' } } }));
    await call.hangup(EndReason.END_REASON_ERROR, 'done');

    // A router that hears the request but never answers in time.
    const silentBus = new InProcessBus();
    const requests: string[] = [];
    silentBus.subscribe(rpcs.route.subject, (message) => void requests.push(rpcs.route.request.decode(message.data).callId));
    const { lifecycle, logs, started } = setup({ router: new BusCallRouter(silentBus, 50) });
    expect(await started()).toMatchObject({ routing: { route: Route.ROUTE_AI_SESSION, reason: 'router unavailable' } });
    expect(requests).toEqual(['r1']);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'call routing unavailable: taking the call as an AI session' }));
    await eventually(() => expect(cases(lifecycle)).toEqual(['started', 'routed']));
    await silentBus.drain();
  });

  it('voicemail: plays the announcement whole, then the tone, records until silence, hangs up and stores the message with its transcript', async () => {
    const { bus, leg, box, call, lifecycle, speak, started, baseline } = setup({ router: fixedRouter(voicemailRoute) });
    await started();
    speak(50);
    await eventually(() => expect(leg.queued).toHaveLength(50));
    // Caller speech does not cut the announcement short.
    publishTo(bus, topics.call('r1', 'vad'), { callId: 'r1', kind: VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED, audioOffsetMs: 0, duringAgentSpeech: true });
    await eventually(() => expect(leg.queued).toHaveLength(50));
    expect(leg.flushes).toBe(0);
    leg.playOut();
    // The tone follows once the announcement has been heard; recording once the tone has.
    await eventually(() => expect(leg.queued).toHaveLength(toneFrames));
    expect(bus.subscriptionCount()).toBe(baseline + 3);
    leg.playOut();
    await eventually(() => expect(bus.subscriptionCount()).toBe(baseline + 4)); // recording: transcripts followed too

    for (let i = 0; i < 10; i++) leg.events!.onAudio(speech());
    publishTo(bus, topics.call('r1', 'transcript'), { callId: 'r1', isFinal: false, text: 'please call', confidence: 0.5, words: [], startMs: 0, endMs: 100, engine: 'local', channel: 0 });
    publishTo(bus, topics.call('r1', 'transcript'), { callId: 'r1', isFinal: true, text: 'please call me back', confidence: 0.9, words: [], startMs: 0, endMs: 200, engine: 'local', channel: 0 });
    for (let i = 0; i < 5; i++) leg.events!.onAudio(silence());

    const summary = await call.ended;
    expect(summary).toMatchObject({ reason: EndReason.END_REASON_AGENT_HANGUP, detail: 'voicemail recorded (silence)', route: 'ROUTE_VOICEMAIL', voicemailId: 'vm-1' });
    expect(leg.hungUp).toEqual(['voicemail recorded (silence)']);
    expect(box.stored).toHaveLength(1);
    expect(box.stored[0]).toMatchObject({ callId: 'r1', callerNumber: '+15125550100', sampleRateHz: 8000, transcript: 'please call me back' });
    expect(box.stored[0]!.pcm.length).toBe(15 * 320);
    expect(cases(lifecycle)).toEqual(['started', 'routed', 'ended']);
    expect(bus.subscriptionCount()).toBe(baseline);
  });

  it('voicemail: stops at the length limit, and goes on without an announcement that never comes', async () => {
    const { leg, box, call } = setup({
      router: fixedRouter(voicemailRoute),
      voicemailSettings: { maxMs: 100, silenceMs: 10_000, speechDbfs: -40 },
      playoutTiming: { startTimeoutMs: 30, stallMs: 500, pollMs: 5 },
    });
    await eventually(() => expect(leg.queued).toHaveLength(toneFrames));
    leg.playOut();
    await eventually(() => expect(leg.isPlaying()).toBe(false));
    // Recording starts once the tone is out; feed until the limit ends it.
    await eventually(() => {
      leg.events!.onAudio(speech());
      expect(leg.hungUp).toEqual(['voicemail recorded (length limit)']);
    });
    const summary = await call.ended;
    expect(summary.voicemailId).toBe('vm-1');
    expect(box.stored[0]!.pcm.length).toBe(1600); // 100 ms at 8 kHz
  });

  it('voicemail: keeps what was said when the caller hangs up, nothing when they hang up before the tone', async () => {
    const first = setup({ router: fixedRouter(voicemailRoute), playoutTiming: { startTimeoutMs: 10, stallMs: 500, pollMs: 5 } });
    await eventually(() => expect(first.leg.queued).toHaveLength(toneFrames));
    first.leg.playOut();
    await eventually(() => expect(first.bus.subscriptionCount()).toBe(first.baseline + 4));
    for (let i = 0; i < 3; i++) first.leg.events!.onAudio(speech());
    first.leg.events!.onEnded(EndReason.END_REASON_CALLER_HANGUP, 'BYE');
    expect(await first.call.ended).toMatchObject({ reason: EndReason.END_REASON_CALLER_HANGUP, voicemailId: 'vm-1' });
    expect(first.box.stored[0]).toMatchObject({ transcript: '' });
    expect(first.box.stored[0]!.pcm.length).toBe(960);

    const second = setup({ router: fixedRouter(voicemailRoute) });
    await second.started();
    second.speak(20);
    await eventually(() => expect(second.leg.queued).toHaveLength(20));
    second.leg.events!.onEnded(EndReason.END_REASON_CALLER_HANGUP, 'BYE');
    expect((await second.call.ended).voicemailId).toBeUndefined();
    expect(second.box.stored).toEqual([]);
    expect(cases(second.lifecycle)).toEqual(['started', 'routed', 'ended']);
  });

  it('voicemail: a message that cannot be stored is logged and the call still ends', async () => {
    const { leg, box, call, logs } = setup({ router: fixedRouter(voicemailRoute), playoutTiming: { startTimeoutMs: 10, stallMs: 500, pollMs: 5 } });
    box.failWith = new Error('escalation unavailable');
    await eventually(() => expect(leg.queued).toHaveLength(toneFrames));
    leg.playOut();
    await eventually(() => {
      leg.events!.onAudio(speech());
      expect(logs.some((l) => l.msg === 'recording voicemail')).toBe(true);
    });
    leg.events!.onEnded(EndReason.END_REASON_CALLER_HANGUP, 'BYE');
    expect((await call.ended).voicemailId).toBeUndefined();
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'voicemail not stored' }));
  });

  it('a person: transfers with REFER to the target once the announcement has played, no dialogue audio needed', async () => {
    const { leg, call, lifecycle, speak, started } = setup({ router: fixedRouter(humanRoute) });
    await started();
    speak(10);
    await eventually(() => expect(leg.queued).toHaveLength(10));
    expect(leg.transfers).toEqual([]); // still announcing
    leg.playOut();
    expect(await call.ended).toMatchObject({ reason: EndReason.END_REASON_TRANSFERRED, route: 'ROUTE_HUMAN' });
    expect(leg.transfers).toEqual(['+15125550123']);
    expect(cases(lifecycle)).toEqual(['started', 'routed', 'transferResult', 'ended']);
  });

  it('a person: when the transfer fails the caller can leave a voicemail instead', async () => {
    const { leg, box, call, lifecycle, logs } = setup({ router: fixedRouter(humanRoute), playoutTiming: { startTimeoutMs: 10, stallMs: 500, pollMs: 5 } });
    leg.transferOutcome = { success: false, sipStatus: 486, detail: 'Busy Here' };
    await eventually(() => expect(leg.queued).toHaveLength(toneFrames));
    expect(lifecycle.find((e) => e.event?.$case === 'transferResult')?.event).toMatchObject({ transferResult: { success: false, sipStatus: 486, target: '+15125550123' } });
    leg.playOut();
    await eventually(() => expect(logs.some((l) => l.msg === 'recording voicemail')).toBe(true));
    leg.events!.onAudio(speech());
    await eventually(() => expect(leg.hungUp).toEqual(['voicemail recorded (silence)']));
    expect((await call.ended).voicemailId).toBe('vm-1');
    expect(box.stored).toHaveLength(1);
  });

  it('a call that ends while it is being routed is never announced', async () => {
    let answer: (routing: CallRouted) => void = () => undefined;
    const { leg, call, lifecycle } = setup({ router: { route: () => new Promise((resolve) => (answer = resolve)) } });
    leg.events!.onEnded(EndReason.END_REASON_CALLER_HANGUP, 'CANCEL');
    answer(voicemailRoute);
    expect(await call.ended).toMatchObject({ route: 'unrouted', reason: EndReason.END_REASON_CALLER_HANGUP });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lifecycle).toEqual([]);
  });
});
