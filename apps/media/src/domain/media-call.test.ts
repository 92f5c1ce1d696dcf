import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { InProcessBus, publishTo, subscribeTo } from '@voiceagent/bus';
import { CallChannel as ChannelKind, EndReason, VadEventKind, topics, type CallEvent } from '@voiceagent/contracts';
import { createLogger } from '@voiceagent/telemetry';
import { eventually } from '@voiceagent/testing';
import { BusCallChannel } from '../adapters/bus-call-channel';
import type { CallLeg, CallLegEvents, TransferOutcome } from '../ports/call-leg';
import { MediaCall } from './media-call';

class FakeLeg implements CallLeg {
  readonly parties = { caller: '+15550100', called: '+15550199', headers: { 'user-to-user': '00abcd;encoding=hex' }, sampleRateHz: 8000 };
  events: CallLegEvents | undefined;
  played: Uint8Array[] = [];
  dtmfSent: string[] = [];
  hungUp: string[] = [];
  released = 0;
  transferOutcome: TransferOutcome = { success: true, sipStatus: 200, detail: 'NOTIFY 200' };
  listen(events: CallLegEvents) {
    this.events = events;
  }
  play(pcm: Uint8Array) {
    this.played.push(pcm);
  }
  flush() {
    const n = this.played.length;
    this.played = [];
    return n;
  }
  isPlaying() {
    return this.played.length > 0;
  }
  sendDtmf(digits: string) {
    this.dtmfSent.push(digits);
  }
  async hangup(reason: string) {
    this.hungUp.push(reason);
  }
  async transfer() {
    return this.transferOutcome;
  }
  release() {
    this.released++;
  }
}

const silentLogger = createLogger({ service: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
const frame = (fill: number) => new Uint8Array(320).fill(fill);

function setup(echo = false) {
  const bus = new InProcessBus();
  const leg = new FakeLeg();
  const lifecycle: CallEvent[] = [];
  subscribeTo(bus, topics.lifecycle, (e) => void lifecycle.push(e));
  const call = new MediaCall({ callId: 'm1', leg, channel: new BusCallChannel(bus, 'm1'), kind: ChannelKind.CALL_CHANNEL_SIP, echo, logger: silentLogger });
  const baseline = bus.subscriptionCount();
  call.start();
  return { bus, leg, call, lifecycle, baseline };
}

describe('MediaCall', () => {
  it('announces the call with caller, called and SIP headers, and publishes caller audio in sequence', async () => {
    const { bus, leg, lifecycle } = setup();
    const frames: number[] = [];
    subscribeTo(bus, topics.call('m1', 'audioIn'), (f) => void frames.push(f.sequence));
    await eventually(() => expect(lifecycle[0]?.event?.$case).toBe('started'));
    expect(lifecycle[0]?.event).toMatchObject({ started: { caller: '+15550100', called: '+15550199', sipHeaders: { 'user-to-user': '00abcd;encoding=hex' }, sampleRateHz: 8000 } });
    for (let i = 0; i < 5; i++) leg.events!.onAudio(frame(i));
    await eventually(() => expect(frames).toEqual([0, 1, 2, 3, 4]));
    expect(leg.played).toHaveLength(0);
  });

  it('plays agent audio, pads a short last frame, drops frames of the wrong rate, and flushes on caller speech', async () => {
    const { bus, leg } = setup();
    const out = topics.call('m1', 'audioOut');
    const agentFrame = (pcm: Uint8Array, sampleRateHz = 8000) => ({ callId: 'm1', sequence: 0, sampleRateHz, channels: 1, pcm, capturedAtUs: 0, track: 2, endOfUtterance: false });
    publishTo(bus, out, agentFrame(frame(1)));
    publishTo(bus, out, agentFrame(new Uint8Array(100).fill(2)));
    publishTo(bus, out, agentFrame(frame(3), 16000));
    await eventually(() => expect(leg.played).toHaveLength(2));
    expect(leg.played[1]!.length).toBe(320);
    expect(leg.played[1]![99]).toBe(2);
    expect(leg.played[1]![100]).toBe(0);
    publishTo(bus, topics.call('m1', 'vad'), { callId: 'm1', kind: VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED, audioOffsetMs: 0, time: new Date(), duringAgentSpeech: true });
    await eventually(() => expect(leg.played).toHaveLength(0));
  });

  it('echoes caller audio in echo mode', () => {
    const { leg } = setup(true);
    leg.events!.onAudio(frame(9));
    expect(leg.played).toEqual([frame(9)]);
  });

  it('mutes caller audio on request and forwards DTMF both ways', async () => {
    const { bus, leg } = setup();
    const frames: number[] = [];
    const digits: string[] = [];
    subscribeTo(bus, topics.call('m1', 'audioIn'), (f) => void frames.push(f.sequence));
    subscribeTo(bus, topics.call('m1', 'dtmf'), (d) => void digits.push(d.digits));
    publishTo(bus, topics.call('m1', 'control'), { callId: 'm1', action: { $case: 'mute', mute: { muted: true } } });
    publishTo(bus, topics.call('m1', 'control'), { callId: 'm1', action: { $case: 'dtmf', dtmf: { digits: '12#', durationMs: 100 } } });
    await eventually(() => expect(leg.dtmfSent).toEqual(['12#']));
    leg.events!.onAudio(frame(1));
    leg.events!.onDtmf('5', 160);
    await eventually(() => expect(digits).toEqual(['5']));
    expect(frames).toEqual([]);
  });

  it('ends once on a remote hangup, publishing the reason and releasing every subscription', async () => {
    const { bus, leg, call, lifecycle, baseline } = setup();
    await eventually(() => expect(lifecycle.map((e) => e.event?.$case)).toEqual(['started', 'routed']));
    leg.events!.onEnded(EndReason.END_REASON_CALLER_HANGUP, 'BYE');
    leg.events!.onEnded(EndReason.END_REASON_ERROR, 'late');
    const summary = await call.ended;
    expect(summary.reason).toBe(EndReason.END_REASON_CALLER_HANGUP);
    await eventually(() => expect(lifecycle.map((e) => e.event?.$case)).toEqual(['started', 'routed', 'ended']));
    expect(leg.released).toBe(1);
    expect(bus.subscriptionCount()).toBe(baseline);
  });

  it('hangs up on a hangup control', async () => {
    const { bus, leg, call } = setup();
    publishTo(bus, topics.call('m1', 'control'), { callId: 'm1', action: { $case: 'hangup', hangup: { reason: 'goodbye' } } });
    expect((await call.ended).reason).toBe(EndReason.END_REASON_AGENT_HANGUP);
    expect(leg.hungUp).toEqual(['goodbye']);
  });

  it('reports a failed transfer and keeps the call; a successful one ends it as transferred', async () => {
    const { bus, leg, call, lifecycle } = setup();
    leg.transferOutcome = { success: false, sipStatus: 603, detail: 'Decline' };
    const transfer = { callId: 'm1', action: { $case: 'transfer' as const, transfer: { target: 'sip:desk@example.com', reason: 'asked for a human' } } };
    publishTo(bus, topics.call('m1', 'control'), transfer);
    await eventually(() => expect(lifecycle.some((e) => e.event?.$case === 'transferResult')).toBe(true));
    expect(lifecycle.find((e) => e.event?.$case === 'transferResult')?.event).toMatchObject({ transferResult: { success: false, sipStatus: 603, target: 'sip:desk@example.com' } });
    expect(leg.hungUp).toEqual([]);
    leg.transferOutcome = { success: true, sipStatus: 200, detail: 'ok' };
    publishTo(bus, topics.call('m1', 'control'), transfer);
    expect((await call.ended).reason).toBe(EndReason.END_REASON_TRANSFERRED);
  });
});
