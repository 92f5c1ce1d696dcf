import { context, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { publishTo, subscribeTo } from '@voiceagent/bus';
import { Route, topics, Tool, type AgentUtterance, type CallControl } from '@voiceagent/contracts';
import { callEnded, callStarted, startServices, type ServiceHarness } from '@voiceagent/runtime/testing';
import { injectTraceContext, startTelemetry } from '@voiceagent/telemetry';
import { eventually } from '@voiceagent/testing';
import { EXAMPLE_KNOWLEDGE, MONDAY_10AM } from '../test/helpers';
import { createBrainService } from './main';

// Registered before the harness's, so it is the global tracer provider whose spans we can read.
const telemetry = startTelemetry({ serviceName: 'brain-test' });
afterAll(() => telemetry.shutdown());

const SATURDAY_EVENING = new Date('2025-12-06T23:00:00Z'); // 17:00 in Austin, closed

async function start(now: Date) {
  const h = await startServices([createBrainService({ now: () => now })], { KNOWLEDGE_FILE: EXAMPLE_KNOWLEDGE });
  const said: AgentUtterance[] = [];
  const controls: CallControl[] = [];
  const subs = [subscribeTo(h.bus, topics.call('c1', 'agentTurn'), (u) => void said.push(u)), subscribeTo(h.bus, topics.call('c1', 'control'), (c) => void controls.push(c))];
  const release = () => subs.forEach((s) => s.unsubscribe());
  return { h, said, controls, release };
}

function turn(h: ServiceHarness, turnId: string, text: string, headers?: Record<string, string>) {
  publishTo(h.bus, topics.call('c1', 'userTurn'), { callId: 'c1', turnId, text, confidence: 0.9, words: [], interruptedAgent: false }, headers);
}

const spoken = (said: AgentUtterance[], turnId: string) => said.filter((u) => u.turnId === turnId).map((u) => u.text).join(' ');

describe('brain service', () => {
  it('greets, answers hours from the file, transfers to the file\'s target, and lets go at call end', async () => {
    const { h, said, controls, release } = await start(MONDAY_10AM);
    const before = h.bus.subscriptionCount();
    publishTo(h.bus, topics.lifecycle, callStarted('c1'));
    await eventually(() => expect(said[0]).toMatchObject({ turnId: '', cacheKey: 'greeting', text: 'Thank you for calling Bright Smile Dental.', sentenceIndex: 0, final: false }));
    await eventually(() => expect(said.filter((u) => u.turnId === '').at(-1)).toMatchObject({ final: true, text: 'How can I help you today?' }));

    turn(h, 't1', 'what time do you open on saturday');
    await eventually(() => expect(spoken(said, 't1')).toBe("On Saturdays we're open from 9 am to 1 pm."));
    const answer = said.find((u) => u.turnId === 't1')!;
    expect(answer).toMatchObject({ final: true, decision: { tool: Tool.TOOL_ANSWER_FROM_KNOWLEDGE, engine: 'local' } });
    expect(JSON.parse(answer.decision!.argumentsJson)).toMatchObject({ fact_ids: ['hours:saturday'] });

    turn(h, 't2', 'can i talk to a person');
    await eventually(() => expect(spoken(said, 't2')).toBe("One moment please, I'm connecting you with a member of our team."));
    // The transfer waits until the caller has heard the transfer message (its last frame).
    expect(controls).toEqual([]);
    publishTo(h.bus, topics.call('c1', 'audioOut'), { callId: 'c1', sequence: 1, sampleRateHz: 8000, channels: 1, pcm: new Uint8Array(320), capturedAtUs: 0, track: 0, endOfUtterance: true });
    await eventually(() => expect(controls).toHaveLength(1));
    expect(controls[0]).toMatchObject({ callId: 'c1', action: { $case: 'transfer', transfer: { target: 'sip:frontdesk@pbx.brightsmile.example' } } });

    publishTo(h.bus, topics.lifecycle, callEnded('c1'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'conversation closed', callId: 'c1', turns: 2 })));
    expect(h.bus.subscriptionCount()).toBe(before);
    release();
    await h.stop();
  });

  it('says goodbye and hangs up once the goodbye has played', async () => {
    const { h, said, controls, release } = await start(MONDAY_10AM);
    const before = h.bus.subscriptionCount();
    publishTo(h.bus, topics.lifecycle, callStarted('c1'));
    await eventually(() => expect(said.length).toBeGreaterThan(0));
    turn(h, 't1', 'thanks bye');
    await eventually(() => expect(spoken(said, 't1')).toBe('Thank you for calling Bright Smile Dental. Have a great day!'));
    expect(said.find((u) => u.turnId === 't1')?.decision?.tool).toBe(Tool.TOOL_END_CALL);
    expect(controls).toEqual([]);
    // The speaker's last frame of the goodbye: 20 ms of audio, already played.
    publishTo(h.bus, topics.call('c1', 'audioOut'), { callId: 'c1', sequence: 1, sampleRateHz: 8000, channels: 1, pcm: new Uint8Array(320), capturedAtUs: 0, track: 0, endOfUtterance: true });
    await eventually(() => expect(controls).toEqual([{ callId: 'c1', action: { $case: 'hangup', hangup: { reason: 'caller said goodbye' } } }]));
    publishTo(h.bus, topics.lifecycle, callEnded('c1'));
    await eventually(() => expect(h.bus.subscriptionCount()).toBe(before));
    release();
    await h.stop();
  });

  it('plays the closed message when the file says closed now', async () => {
    const { h, said, release } = await start(SATURDAY_EVENING);
    publishTo(h.bus, topics.lifecycle, callStarted('c1'));
    await eventually(() => expect(said.map((u) => u.text).join(' ')).toContain("We're closed right now and open again on Monday at 8 am."));
    expect(said[0]?.cacheKey).toBe('closed:on Monday at 8 am');
    release();
    await h.stop();
  });

  it('opens no dialogue for calls routed to voicemail or straight to a person', async () => {
    const { h, said, release } = await start(MONDAY_10AM);
    const before = h.bus.subscriptionCount();
    for (const [callId, route] of [['v1', Route.ROUTE_VOICEMAIL], ['h1', Route.ROUTE_HUMAN]] as const) {
      const event = callStarted(callId);
      if (event.event?.$case === 'started') event.event.started.routing = { route, reason: 'test', target: '', announcement: 'Routed.' };
      publishTo(h.bus, topics.lifecycle, event);
      await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: "call left alone (not this stage's route)", callId })));
    }
    expect(h.logs.some((l) => l.msg === 'call claimed')).toBe(false);
    expect(h.bus.subscriptionCount()).toBe(before);
    publishTo(h.bus, topics.lifecycle, callStarted('c1'));
    await eventually(() => expect(said[0]).toMatchObject({ cacheKey: 'greeting' }));
    release();
    await h.stop();
  });

  it('traces each decision as brain.decide, a child of the listener span', async () => {
    const { h, said, release } = await start(MONDAY_10AM);
    publishTo(h.bus, topics.lifecycle, callStarted('c1'));
    await eventually(() => expect(said.length).toBeGreaterThan(0));
    const listener = telemetry.tracer('listener').startSpan('listener.final_transcript');
    turn(h, 't1', 'how much is a cleaning', injectTraceContext(undefined, trace.setSpan(context.active(), listener)) as Record<string, string>);
    listener.end();
    await eventually(() => {
      const span = telemetry.recentSpans.find((s) => s.name === 'brain.decide' && s.spanContext().traceId === listener.spanContext().traceId);
      expect(span?.parentSpanContext?.spanId).toBe(listener.spanContext().spanId);
      expect(span?.attributes['tool']).toBe('answer_from_knowledge');
    });
    release();
    await h.stop();
  });
});
