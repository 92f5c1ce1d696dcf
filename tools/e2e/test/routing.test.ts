import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '@voiceagent/audio';
import { subscribeTo } from '@voiceagent/bus';
import { placeCall, speak } from '@voiceagent/callgen';
import { Route, topics, type AgentUtterance, type CallEvent } from '@voiceagent/contracts';
import { createGatewayService } from '@voiceagent/gateway';
import { escalationClient } from '@voiceagent/rpc';
import { startServices, type ServiceHarness } from '@voiceagent/runtime/testing';
import { SipUserAgent } from '@voiceagent/sip';
import { loadServices } from '@voiceagent/stack';
import { createLocalSpeechToText, type LocalSpeechToText } from '@voiceagent/stt';
import { eventually } from '@voiceagent/testing';
import { modelsMirror, systemEnv } from '../src/env';
import { transcribeWav } from '../src/transcribe';

/** Tuesday 2025-03-11, 10:00 in Austin: open. */
const OPEN = new Date('2025-03-11T15:00:00Z');
/** Christmas Day 2025, 10:00 in Austin: a holiday in the example knowledge file. */
const CHRISTMAS = new Date('2025-12-25T16:00:00Z');
const CALLER_RTP = { min: 38000, max: 38999 };

let dir: string;
let stt: LocalSpeechToText;
let system: ServiceHarness;
let ua: SipUserAgent;
let to: string;
let escalationAddress: string;
let now = OPEN;
const lifecycle: CallEvent[] = [];
const agentSaid: AgentUtterance[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-routing-'));
  stt = await createLocalSpeechToText({ models: { modelsDir: join(dir, 'models'), mirrorDir: modelsMirror, download: false } });
  const settings = await systemEnv(join(dir, 'data'), join(dir, 'models'));
  to = settings.to;
  escalationAddress = settings.env['ESCALATION_ADDRESS']!;
  // Every service in this process, as `npm start` runs them, with the gateway's clock in the test's hands.
  const services = (await loadServices(undefined)).map((service) => (service.name === 'gateway' ? createGatewayService({ now: () => now }) : service));
  system = await startServices(services, settings.env);
  subscribeTo(system.bus, topics.lifecycle, (event) => void lifecycle.push(event));
  subscribeTo(system.bus, topics.anyCall('agentTurn'), (utterance) => void agentSaid.push(utterance));
  ua = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 }, userAgent: 'e2e-caller' });
}, 120_000);

afterAll(async () => {
  await ua?.close();
  await system?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The call a caller number placed, as announced on `calls.lifecycle`, with the rest of its events. */
function callOf(caller: string) {
  const started = lifecycle.find((e) => e.event?.$case === 'started' && e.event.started.caller === caller);
  if (!started || started.event?.$case !== 'started') throw new Error(`no call from ${caller} was announced`);
  const events = lifecycle.filter((e) => e.callId === started.callId);
  const routed = events.find((e) => e.event?.$case === 'routed')?.event;
  return { callId: started.callId, routing: started.event.started.routing, routed: routed?.$case === 'routed' ? routed.routed : undefined, kinds: events.map((e) => e.event?.$case) };
}

/**
 * Which of `phrases` the local recogniser found in what it heard. Synthetic
 * speech over a phone line is not always heard word for word, so the tests
 * ask for most of a message's phrases, not all of them.
 */
const phrasesIn = (heard: string, phrases: readonly RegExp[]) => phrases.filter((phrase) => phrase.test(heard));

const story = (callId: string) => JSON.stringify(system.logs.filter((l) => l['callId'] === callId).map((l) => l.msg));

describe('call routing with the whole system (in-process bus, local engines)', () => {
  it('sends a VIP caller straight to the knowledge file\'s target with REFER, after the transfer message and without a brain greeting', async () => {
    now = OPEN;
    const caller = '+15125550142'; // Austin Dental Lab: the default target, the front desk
    const recordPath = join(dir, 'vip.wav');
    const report = await placeCall(ua, { to, from: `<sip:${caller}@127.0.0.1>`, turns: [], recordPath, greetingTimeoutMs: 8000, replyTimeoutMs: 10_000, hangup: 'agent', rtpPorts: CALLER_RTP });
    const call = callOf(caller);
    expect(report.transfers, story(call.callId)).toEqual(['sip:frontdesk@pbx.brightsmile.example']);
    expect(report.endedBy).toBe('agent');
    const vip = { route: Route.ROUTE_HUMAN, reason: 'VIP caller Austin Dental Lab', target: 'sip:frontdesk@pbx.brightsmile.example' };
    expect(call.routing).toMatchObject(vip);
    expect(call.routed).toMatchObject(vip);
    await eventually(() => expect(callOf(caller).kinds).toEqual(['started', 'routed', 'transferResult', 'ended']));
    expect(agentSaid.filter((u) => u.callId === call.callId), 'the brain said nothing on this call').toEqual([]);
    expect(system.logs).toContainEqual(expect.objectContaining({ msg: "call left alone (not this stage's route)", callId: call.callId, queue: 'brain' }));
    // "One moment please, I'm connecting you with a member of our team."
    const heard = await transcribeWav(stt, recordPath);
    expect(phrasesIn(heard, [/one moment/, /connecting/, /member/, /team/]).length, heard).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('takes a voicemail at a closed instant: the closed message, the tone, the message stored with the caller\'s number, its recording and transcript', async ({ annotate }) => {
    now = CHRISTMAS;
    const caller = '+15125550100';
    const recordPath = join(dir, 'closed.wav');
    const message = await speak('Hello, this is Ann Smith. Please call me back about my cleaning appointment.');
    const report = await placeCall(ua, {
      to, from: `<sip:${caller}@127.0.0.1>`, turns: [message], recordPath,
      // Waits out the announcement and the tone before speaking; then the system hangs up after the silence.
      greetingTimeoutMs: 8000, agentSilenceMs: 1500, replyTimeoutMs: 15_000, hangup: 'agent', rtpPorts: CALLER_RTP,
    });
    const call = callOf(caller);
    expect(report.endedBy, story(call.callId)).toBe('agent');
    expect(report.turns.map((t) => t.latencyMs), 'nobody answered the message').toEqual([null]);
    expect(call.routing).toMatchObject({ route: Route.ROUTE_VOICEMAIL, reason: 'closed: holiday (Christmas Day)' });
    expect(call.routed).toMatchObject({ route: Route.ROUTE_VOICEMAIL });
    expect(agentSaid.filter((u) => u.callId === call.callId)).toEqual([]);

    // "... We're closed right now and open again tomorrow at 8 am. Please leave your name, your phone number and a short message after the tone ..."
    const heard = await transcribeWav(stt, recordPath);
    expect(phrasesIn(heard, [/calling/, /right now/, /open/, /leave/, /name/, /number/, /tone/, /back/]).length, heard).toBeGreaterThanOrEqual(6);

    const escalation = escalationClient(escalationAddress);
    try {
      const [voicemail] = await eventually(async () => {
        const found = await escalation.listVoicemails({ callerNumber: caller });
        expect(found, story(call.callId)).toHaveLength(1);
        return found;
      }, { timeoutMs: 10_000 });
      expect(voicemail).toMatchObject({ callId: call.callId, callerNumber: caller });
      await annotate(`voicemail of ${voicemail!.durationMs} ms, transcribed as "${voicemail!.transcript}"`);
      // The message (about four seconds) and the silence that ended it.
      expect(voicemail!.durationMs).toBeGreaterThan(4000);
      expect(voicemail!.durationMs).toBeLessThan(20_000);
      const annSaid = [/call me back/, /appointment/, /cleaning/, /smith/];
      expect(phrasesIn(voicemail!.transcript, annSaid).length, voicemail!.transcript).toBeGreaterThanOrEqual(2);
      const wav = parseWav(await readFile(voicemail!.recordingPath));
      expect(wav.sampleRateHz).toBe(8000);
      // What the caller said is in the recording, and none of the announcement.
      const said = await transcribeWav(stt, voicemail!.recordingPath);
      expect(phrasesIn(said, annSaid).length, said).toBeGreaterThanOrEqual(2);
      expect(phrasesIn(said, [/thank you for calling/, /right now/, /leave your/]), said).toEqual([]);
    } finally {
      escalation.close();
    }
  }, 90_000);
});
