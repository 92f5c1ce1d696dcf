import { describe, expect, it } from 'vitest';
import {
  EndReason,
  InvalidCallIdError,
  Route,
  Tool,
  anyCallSubject,
  callIdOf,
  callSubject,
  routeOf,
  rpcs,
  topics,
  type AgentUtterance,
  type CallEvent,
  type CallStarted,
} from './index';

describe('subject map', () => {
  it('builds the per-call subjects of DESIGN.md', () => {
    expect(callSubject('c1', 'audioIn')).toBe('call.c1.audio.in');
    expect(callSubject('c1', 'audioOut')).toBe('call.c1.audio.out');
    expect(callSubject('c1', 'vad')).toBe('call.c1.vad');
    expect(callSubject('c1', 'transcript')).toBe('call.c1.transcript');
    expect(callSubject('c1', 'userTurn')).toBe('call.c1.turn.user');
    expect(callSubject('c1', 'agentTurn')).toBe('call.c1.turn.agent');
    expect(callSubject('c1', 'control')).toBe('call.c1.control');
    expect(callSubject('c1', 'dtmf')).toBe('call.c1.dtmf');
    expect(anyCallSubject('userTurn')).toBe('call.*.turn.user');
    expect(topics.lifecycle.subject).toBe('calls.lifecycle');
  });

  it('refuses call ids that would break subject syntax', () => {
    for (const bad of ['', 'a.b', 'a b', '*', '>', 'x'.repeat(129), 'caf\u00e9']) {
      expect(() => callSubject(bad, 'vad')).toThrow(InvalidCallIdError);
    }
  });

  it('recovers the call id from a subject', () => {
    expect(callIdOf('call.9f3a-1_b.turn.user')).toBe('9f3a-1_b');
    expect(callIdOf('calls.lifecycle')).toBeUndefined();
  });
});

describe('typed topics', () => {
  it('round-trips a lifecycle event with a oneof and a timestamp', () => {
    const event: CallEvent = {
      callId: 'c1',
      time: new Date('2026-11-21T10:00:00.123Z'),
      event: { $case: 'ended', ended: { reason: EndReason.END_REASON_CALLER_HANGUP, detail: 'BYE', durationMs: 61_000 } },
    };
    const decoded = topics.lifecycle.decode(topics.lifecycle.encode(event));
    expect(decoded).toEqual(event);
  });

  it('round-trips an agent utterance with its tool decision', () => {
    const t = topics.call('c2', 'agentTurn');
    const reply: AgentUtterance = {
      callId: 'c2',
      turnId: 't1',
      sentenceIndex: 0,
      text: 'We open at nine on Saturday.',
      final: true,
      decision: { tool: Tool.TOOL_ANSWER_FROM_KNOWLEDGE, argumentsJson: '{"question":"hours"}', engine: 'local' },
      createdAt: new Date(1_700_000_000_000),
      cacheKey: '',
    };
    expect(t.subject).toBe('call.c2.turn.agent');
    expect(t.decode(t.encode(reply))).toEqual(reply);
  });

  it('keeps an audio frame compact (320-byte payload → small envelope)', () => {
    const t = topics.call('c3', 'audioIn');
    const pcm = new Uint8Array(320).fill(7);
    const bytes = t.encode({ callId: 'c3', sequence: 42, sampleRateHz: 8000, channels: 1, pcm, capturedAtUs: 1_763_719_200_000_000, track: 0, endOfUtterance: false });
    expect(bytes.length).toBeLessThan(360);
    const frame = t.decode(bytes);
    expect(frame.sequence).toBe(42);
    expect(frame.capturedAtUs).toBe(1_763_719_200_000_000);
    expect(Array.from(frame.pcm)).toEqual(Array.from(pcm));
  });

  it('throws on a malformed payload instead of returning garbage', () => {
    expect(() => topics.lifecycle.decode(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow();
  });
});

describe('call routing on the bus', () => {
  const started: CallStarted = { channel: 1, caller: '+15125550199', called: 'agent', sipHeaders: { 'user-to-user': 'c-1' }, sampleRateHz: 8000, contactId: '' };

  it('asks on calls.route with the call and answers with a CallRouted', () => {
    expect(rpcs.route.subject).toBe('calls.route');
    const request = { callId: 'c1', call: started };
    expect(rpcs.route.request.decode(rpcs.route.request.encode(request))).toEqual({ ...request, call: { ...started, routing: undefined } });
    const reply = { route: Route.ROUTE_HUMAN, reason: 'VIP caller', target: 'sip:desk@pbx.example.com', announcement: 'One moment please.' };
    expect(rpcs.route.reply.decode(rpcs.route.reply.encode(reply))).toEqual(reply);
  });

  it('treats a call announced without a routing decision as an AI session', () => {
    expect(routeOf(started)).toBe(Route.ROUTE_AI_SESSION);
    expect(routeOf({ ...started, routing: { route: Route.ROUTE_UNSPECIFIED, reason: '', target: '', announcement: '' } })).toBe(Route.ROUTE_AI_SESSION);
    expect(routeOf({ ...started, routing: { route: Route.ROUTE_VOICEMAIL, reason: 'closed', target: '', announcement: 'We are closed.' } })).toBe(Route.ROUTE_VOICEMAIL);
    expect(routeOf({ ...started, routing: { route: Route.ROUTE_HUMAN, reason: 'VIP', target: '+15125550123', announcement: '' } })).toBe(Route.ROUTE_HUMAN);
  });
});
