import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeCall, speak, type CallReport } from '@voiceagent/callgen';
import { UPSTREAM_ROUTE_HEADER } from '@voiceagent/contracts';
import { bookingClient, escalationClient } from '@voiceagent/rpc';
import { SipUserAgent } from '@voiceagent/sip';
import { createLocalSpeechToText, type LocalSpeechToText } from '@voiceagent/stt';
import { modelsMirror, systemEnv } from '../src/env';
import { startInProcess, startProcesses, type RunningSystem } from '../src/system';
import { transcribeWav } from '../src/transcribe';

/**
 * These calls test the AI session at whatever time the tests run: each says
 * it was routed upstream, so the gateway's hours and VIP rules (tested in
 * routing.test.ts) do not send it to voicemail or straight to a person.
 */
const AI_SESSION = { [UPSTREAM_ROUTE_HEADER]: 'ai_session' };

let stt: LocalSpeechToText;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-agent-'));
  stt = await createLocalSpeechToText({ models: { modelsDir: join(dir, 'models'), mirrorDir: modelsMirror, download: false } });
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What the agent said between two points of the recording, as the local recogniser hears it. */
const transcribe = (path: string, fromMs: number, toMs?: number) => transcribeWav(stt, path, fromMs, toMs);

describe.each([
  ['in-process', startInProcess],
  ['nats', startProcesses],
] as const)('a phone call answered by the whole system, local engines (%s)', (name, start) => {
  let system: RunningSystem;
  let ua: SipUserAgent;
  let to: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const settings = await systemEnv(join(dir, name, 'data'), join(dir, 'models'));
    to = settings.to;
    env = settings.env;
    system = await start(settings.env);
    ua = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 }, userAgent: 'e2e-caller' });
  }, 120_000);

  afterAll(async () => {
    await ua?.close();
    await system?.stop();
  });

  it('greets, then answers an hours question from the knowledge file, spoken, and speaks the answer', async () => {
    const recordPath = join(dir, 'hours.wav');
    const question = await speak('What time do you open on Saturday?');
    // The 3.3M-parameter recogniser mishears a question now and then (it is then handed to a person): up to three calls, as a caller would.
    const attempts: Array<{ report: CallReport; heard: string }> = [];
    while (attempts.length < 3 && !/saturday/.test(attempts.at(-1)?.heard ?? '')) {
      const report = await placeCall(ua, { to, headers: AI_SESSION, turns: [question], recordPath, greetingTimeoutMs: 8000, replyTimeoutMs: 10_000, rtpPorts: { min: 38000, max: 38999 } });
      const [turn] = report.turns;
      const heard = turn?.replyAtMs != null ? await transcribe(recordPath, turn.replyAtMs - 200, turn.replyAtMs + turn.replyMs + 500) : '';
      attempts.push({ report, heard });
    }
    const { report, heard } = attempts.at(-1)!;
    expect(report.answered).toBe(true);
    const story = () => JSON.stringify({ shape: system.shape, attempts, logs: system.logs().filter((l) => /turn|reply|greet|barge|speech|stderr/.test(l.msg)).slice(-20) }, null, 1);
    expect(report.greetingMs, `a greeting was heard: ${story()}`).toBeGreaterThan(500);
    const [turn] = report.turns;
    expect(turn?.latencyMs, `the agent replied: ${story()}`).not.toBeNull();
    // Generous: this is a correctness test on a shared machine; the budget is measured by `npm run bench -- e2e`.
    expect(turn!.latencyMs!).toBeLessThan(3000);
    // "On Saturdays we're open from 9 am to 1 pm."
    expect(heard, story()).toMatch(/saturday/);
    expect(heard).toMatch(/open/);
    expect(heard).toMatch(/nine/);
  }, 150_000);

  it('transfers a caller who asks for a person (REFER to the knowledge file target) and hangs up after a goodbye', async () => {
    const caller = '+15125550142';
    const person = await placeCall(ua, { to, headers: AI_SESSION, from: `<sip:${caller}@127.0.0.1>`, turns: [await speak('Can I speak to a person please?')], greetingTimeoutMs: 8000, replyTimeoutMs: 10_000, hangup: 'agent', rtpPorts: { min: 38000, max: 38999 } });
    expect(person.transfers).toEqual(['sip:frontdesk@pbx.brightsmile.example']);
    expect(person.endedBy).toBe('agent');
    // The person picking up finds why the caller came and what was said.
    const escalation = escalationClient(env['ESCALATION_ADDRESS']!);
    try {
      const [handoff] = await escalation.listHandoffs({ callerNumber: caller });
      expect(handoff, JSON.stringify({ all: await escalation.listHandoffs(), logs: system.logs().filter((l) => /hand-off|turn/.test(l.msg)).slice(-6) })).toBeDefined();
      expect(handoff?.target?.address).toEqual({ $case: 'sipUri', sipUri: 'sip:frontdesk@pbx.brightsmile.example' });
      expect(handoff?.transcript.length).toBeGreaterThanOrEqual(3);
      expect(handoff?.summary).toMatch(/person/i);
    } finally {
      escalation.close();
    }

    const goodbye = await placeCall(ua, { to, headers: AI_SESSION, turns: [await speak('That is all, thank you, goodbye.')], greetingTimeoutMs: 8000, replyTimeoutMs: 10_000, hangup: 'agent', rtpPorts: { min: 38000, max: 38999 } });
    expect(goodbye.transfers).toEqual([]);
    expect(goodbye.endedBy, 'the agent hung up after saying goodbye').toBe('agent');
    expect(goodbye.turns[0]?.latencyMs).not.toBeNull();
  }, 90_000);
  it('books an appointment over several turns (read back, confirmed) and the booking is in the database', async () => {
    const caller = '+15125550177';
    // Phrased so the small offline recogniser hears it word for word through μ-law ("Tuesday" comes out "to use the").
    // The confirmation is said twice: the local engine can miss the opening of a caller's later turn (README, known limits).
    const turns = [await speak('I would like to book a cleaning for next Monday at nine in the morning.'), await speak('That is correct.'), await speak('Yes, that is correct.')];
    const booking = bookingClient(env['BOOKING_ADDRESS']!);
    try {
      // The 3.3M-parameter recogniser mishears a word now and then (WER about 22 %, worse when six processes share two cores):
      // the caller tries up to five calls, as a person would.
      const reports: CallReport[] = [];
      let appointments: Awaited<ReturnType<typeof booking.listByCaller>> = [];
      while (reports.length < 5 && appointments.length === 0) {
        reports.push(await placeCall(ua, { to, headers: AI_SESSION, from: `<sip:${caller}@127.0.0.1>`, turns, greetingTimeoutMs: 8000, replyTimeoutMs: 10_000, rtpPorts: { min: 38000, max: 38999 } }));
        appointments = await booking.listByCaller(caller);
      }
      const story = JSON.stringify({ reports, logs: system.logs().filter((l) => /caller turn|book/.test(l.msg)).slice(-12) }, null, 1);
      expect(reports.every((report) => report.turns[0]?.latencyMs !== null), story).toBe(true);
      expect(appointments, story).toHaveLength(1);
      expect(appointments[0]).toMatchObject({ service: 'cleaning', status: 'booked' });
      // Nine in the morning, Austin time, on a Monday.
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', weekday: 'long', hour: 'numeric', hourCycle: 'h23' }).formatToParts(appointments[0]!.start);
      const part = (type: string) => parts.find((p) => p.type === type)?.value;
      expect([part('weekday'), Number(part('hour'))]).toEqual(['Monday', 9]);
    } finally {
      booking.close();
    }
  }, 240_000);
});
