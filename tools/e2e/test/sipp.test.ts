import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alaw, int16View, rmsDbfs } from '@voiceagent/audio';
import { publishTo } from '@voiceagent/bus';
import { EndReason, topics, type CallEvent } from '@voiceagent/contracts';
import { eventually } from '@voiceagent/testing';
import { startMedia, type MediaUnderTest, type ObservedCall } from '../src/media';
import { readRtpPcap, repacketize, writeRtpPcap, type CapturedRtp } from '../src/pcap';
import { correlationPeak } from '../src/signal';
import { SIPP_PCAPS, runSipp, type SippOptions } from '../src/sipp';

const MEDIA_RTP = { RTP_PORT_MIN: '33000', RTP_PORT_MAX: '33999' };
const CALLER = '+15550123';
const CALLED = '+15557654321';

let dir: string;
/** Debian's A-law capture: 7 s of speech in 30 ms packets. */
let debianAudio: CapturedRtp[];
/** The same audio re-cut into the 20 ms packets most trunks send. */
let audio20ms: string;
/** Debian's RFC 4733 capture of the digit 1. */
const dtmfCapture = join(SIPP_PCAPS, 'dtmf_2833_1.pcap');
let dtmfPayloadType: number;
let media: MediaUnderTest | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-sipp-pcaps-'));
  debianAudio = await readRtpPcap(join(SIPP_PCAPS, 'g711a.pcap'));
  expect(new Set(debianAudio.map((p) => p.payloadType))).toEqual(new Set([8]));
  audio20ms = join(dir, 'g711a-20ms.pcap');
  await writeRtpPcap(audio20ms, repacketize(debianAudio, 160));
  // The scenario offers telephone-event with the capture's own payload type.
  const digits = await readRtpPcap(dtmfCapture);
  expect(new Set(digits.map((p) => p.payloadType)).size).toBe(1);
  dtmfPayloadType = digits[0]!.payloadType;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await media?.stop();
  media = undefined;
});

const target = () => `127.0.0.1:${media!.port}`;
/** sipp calls in from CALLER, plays `pcap` and hangs up after `pauseMs`. */
const caller = ({ pcap = audio20ms, ...options }: Partial<SippOptions> & { pcap?: string }): SippOptions => ({
  scenario: 'caller-hangs-up.xml',
  target: target(),
  service: CALLED,
  keys: { caller: CALLER, te_pt: String(dtmfPayloadType) },
  files: { 'caller.pcap': pcap },
  pauseMs: 2000,
  ...options,
});

/** The capture's audio decoded to linear16, as the media service should publish it. */
function decoded(packets: readonly CapturedRtp[], ms: number): Int16Array {
  const codes = Buffer.concat(packets.map((p) => p.payload)).subarray(0, ms * 8);
  return alaw.decode(codes);
}

function publishedAudio(call: ObservedCall): Int16Array {
  const out = new Int16Array(call.audioIn.length * 160);
  call.audioIn.forEach((frame, i) => out.set(int16View(frame.pcm), i * 160));
  return out;
}

const loudFrames = (call: ObservedCall) => call.audioIn.filter((frame) => rmsDbfs(int16View(frame.pcm)) > -40).length;
const startedOf = (call: ObservedCall) => call.events.find((e) => e.event?.$case === 'started')?.event;
const mediaHealth = () => media!.harness.host.health.report().checks['media']?.detail ?? '';

describe('sipp (Debian sip-tester) calling the media service', () => {
  // RFC 3551 4.5: a G.711 receiver SHOULD accept packets of 0 to 200 ms, whatever our answer's a=ptime:20 says.
  const captures = [
    { packetMs: 20, what: '20 ms packets (Debian capture re-cut)', pcap: () => audio20ms },
    { packetMs: 30, what: "30 ms packets (Debian's g711a.pcap as shipped)", pcap: () => join(SIPP_PCAPS, 'g711a.pcap') },
  ];
  for (const capture of captures) {
    it(`a) answers PCMA, publishes the caller's audio and ends on sipp's BYE: ${capture.what}`, async () => {
      media = await startMedia(MEDIA_RTP);
      const result = await runSipp(caller({ pcap: capture.pcap() }));
      expect(result.code, result.summary).toBe(0);
      expect(result.successfulCalls).toBe(1);

      const call = await media.nextCall();
      expect(startedOf(call)).toMatchObject({ started: { caller: CALLER, called: CALLED, sampleRateHz: 8000 } });
      expect(await media.ended(call.callId)).toMatchObject({ ended: { reason: EndReason.END_REASON_CALLER_HANGUP } });
      expect(mediaHealth()).toMatch(/^0 calls/);

      // About 2 s on the line: ~100 frames of 20 ms from the first packet on.
      expect(call.audioIn.length, `caller audio frames published from ${capture.packetMs} ms RTP packets`).toBeGreaterThan(80);
      expect(call.audioIn.every((frame) => frame.pcm.length === 320 && frame.sampleRateHz === 8000)).toBe(true);
      expect(loudFrames(call), 'frames of speech published').toBeGreaterThan(15);
      // What was published is the capture's speech itself, from its start.
      const peak = correlationPeak(publishedAudio(call), decoded(debianAudio, 1500));
      expect(peak.value).toBeGreaterThan(0.95);
      expect(peak.lagMs).toBeLessThan(250);
    });
  }

  it('a) publishes the RFC 4733 digit sipp plays from dtmf_2833_1.pcap', async () => {
    media = await startMedia(MEDIA_RTP);
    const result = await runSipp(caller({ pcap: dtmfCapture, pauseMs: 1000 }));
    expect(result.code, result.summary).toBe(0);
    const call = await media.nextCall();
    expect(call.dtmf.map((d) => d.digits)).toEqual(['1']);
    expect(call.dtmf[0]!.durationMs).toBeGreaterThanOrEqual(200);
    expect(await media.ended(call.callId)).toMatchObject({ ended: { reason: EndReason.END_REASON_CALLER_HANGUP } });
  });

  it('b) hangs up with a BYE sipp accepts when a hangup control comes over the bus', async () => {
    media = await startMedia(MEDIA_RTP);
    const running = runSipp({ ...caller({}), scenario: 'agent-hangs-up.xml' });
    const call = await media.nextCall();
    // Let some audio flow first: the BYE must come mid-call, not at set-up.
    await eventually(() => expect(call.audioIn.length).toBeGreaterThan(10), { timeoutMs: 3000 });
    publishTo(media.harness.bus, topics.call(call.callId, 'control'), { callId: call.callId, action: { $case: 'hangup', hangup: { reason: 'test' } } });
    const result = await running;
    expect(result.code, result.summary).toBe(0);
    // Sent to sipp's Contact, within the dialog.
    const bye = result.exchanged.find((m) => m.direction === 'received' && m.startLine.startsWith('BYE '));
    expect(bye?.startLine).toMatch(/^BYE sip:\+15550123@127\.0\.0\.1:\d+ SIP\/2\.0$/);
    expect(bye?.header('CSeq')).toMatch(/^\d+ BYE$/);
    expect(await media.ended(call.callId)).toMatchObject({ ended: { reason: EndReason.END_REASON_AGENT_HANGUP, detail: 'test' } });
    expect(mediaHealth()).toMatch(/^0 calls/);
  });

  it('c) takes a CANCEL while ringing (200, then 487 ACKed), starts no call, and takes the next call', async () => {
    media = await startMedia({ ...MEDIA_RTP, SIP_ANSWER_DELAY_MS: '3000' });
    const cancelled = await runSipp({ scenario: 'cancel-while-ringing.xml', target: target(), service: CALLED, keys: { caller: CALLER } });
    expect(cancelled.code, cancelled.summary).toBe(0);
    const sent = cancelled.exchanged.filter((m) => m.direction === 'sent');
    const received = cancelled.exchanged.filter((m) => m.direction === 'received');
    expect(sent.map((m) => `${m.startLine.split(' ')[0]} ${m.header('CSeq')}`)).toEqual(['INVITE 1 INVITE', 'CANCEL 1 CANCEL', 'ACK 1 ACK']);
    // CANCEL and the ACK of the 487 belong to the INVITE's transaction (RFC 3261 9.1, 17.1.1.3).
    expect(new Set(sent.map((m) => m.header('Via')))).toHaveProperty('size', 1);
    expect(received.map((m) => `${m.startLine} / ${m.header('CSeq')}`)).toEqual([
      'SIP/2.0 180 Ringing / 1 INVITE',
      'SIP/2.0 200 OK / 1 CANCEL',
      'SIP/2.0 487 Request Terminated / 1 INVITE',
    ]);
    // The ringing call is dropped when its answer delay runs out, releasing its RTP port.
    await eventually(() => expect(media!.harness.logs.map((l) => l.msg)).toContain('call ended before it was set up'), { timeoutMs: 5000 });
    expect(media.lifecycle).toEqual([]);

    const next = await runSipp(caller({ pauseMs: 500 }));
    expect(next.code, next.summary).toBe(0);
    const started = media.lifecycle.filter((e: CallEvent) => e.event?.$case === 'started');
    expect(started).toHaveLength(1);
    expect(await media.ended(started[0]!.callId)).toMatchObject({ ended: { reason: EndReason.END_REASON_CALLER_HANGUP } });
  });

  it('d) answers an OPTIONS keepalive with 200 and an Allow header listing INVITE', async () => {
    media = await startMedia(MEDIA_RTP);
    const result = await runSipp({ scenario: 'options-keepalive.xml', target: target() });
    expect(result.code, result.summary).toBe(0);
    const answer = result.exchanged.find((m) => m.direction === 'received');
    expect(answer?.startLine).toBe('SIP/2.0 200 OK');
    expect(answer?.header('Allow')?.split(/\s*,\s*/)).toContain('INVITE');
    expect(media.lifecycle).toEqual([]);
  });

  it('e) carries 10 calls, 5 at a time, each with its own audio', async () => {
    media = await startMedia(MEDIA_RTP);
    const result = await runSipp(caller({ calls: 10, concurrency: 5, rate: 5, pauseMs: 1500, timeoutSeconds: 20 }));
    expect(result.code, result.summary).toBe(0);
    expect(result.successfulCalls).toBe(10);

    await eventually(() => expect(media!.lifecycle.filter((e) => e.event?.$case === 'ended')).toHaveLength(10));
    const calls = [...media.calls.values()];
    expect(calls).toHaveLength(10);
    for (const call of calls) {
      expect(startedOf(call)).toMatchObject({ started: { caller: CALLER, called: CALLED } });
      expect(call.events.at(-1)?.event).toMatchObject({ ended: { reason: EndReason.END_REASON_CALLER_HANGUP } });
      expect(call.audioIn.length, `audio frames of ${call.callId}`).toBeGreaterThan(60);
      expect(loudFrames(call), `speech frames of ${call.callId}`).toBeGreaterThan(10);
    }
    // They overlapped: count calls up at once from the lifecycle order.
    let up = 0;
    let most = 0;
    for (const event of media.lifecycle) {
      if (event.event?.$case === 'started') most = Math.max(most, ++up);
      if (event.event?.$case === 'ended') up--;
    }
    expect(most).toBeGreaterThanOrEqual(3);
    expect(most).toBeLessThanOrEqual(5);
    expect(mediaHealth()).toMatch(/^0 calls/);
  });
});
