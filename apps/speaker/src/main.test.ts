import { describe, expect, it } from 'vitest';
import { publishTo } from '@voiceagent/bus';
import { Tool, VadEventKind, topics } from '@voiceagent/contracts';
import { callStarted, startServices } from '@voiceagent/runtime/testing';
import { eventually } from '@voiceagent/testing';
import { speakerService } from './main';
import { SpeechQueue } from './domain/speech-queue';

describe('speaker service', () => {
  it('queues agent sentences and clears them on barge-in; stopping releases the call', async () => {
    const h = await startServices([speakerService]);
    publishTo(h.bus, topics.lifecycle, callStarted('c3'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'call claimed', callId: 'c3' })));
    for (let i = 0; i < 3; i++) {
      publishTo(h.bus, topics.call('c3', 'agentTurn'), { callId: 'c3', turnId: 't1', sentenceIndex: i, text: `Sentence ${i}.`, final: i === 2, decision: { tool: Tool.TOOL_ANSWER_FROM_KNOWLEDGE, argumentsJson: '{}', engine: 'local' }, cacheKey: '' });
    }
    publishTo(h.bus, topics.call('c3', 'vad'), { callId: 'c3', kind: VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED, audioOffsetMs: 1200, duringAgentSpeech: false });
    publishTo(h.bus, topics.call('c3', 'vad'), { callId: 'c3', kind: VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED, audioOffsetMs: 1500, duringAgentSpeech: true });
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'barge-in: queue cleared', dropped: 3 })));
    expect(h.logs.filter((l) => l.msg === 'barge-in: queue cleared')).toHaveLength(1);
    await h.stop();
    expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'speech closed', callId: 'c3', reason: 'service stopping', dropped: 3 }));
  });
});

describe('SpeechQueue', () => {
  it('hands out sentences in order and drops the rest on interrupt', () => {
    const q = new SpeechQueue();
    for (const text of ['One.', ' ', 'Two.', 'Three.']) q.enqueue({ turnId: 't', text });
    expect(q.next()?.text).toBe('One.');
    expect(q.interrupt()).toBe(2);
    expect(q.next()).toBeUndefined();
    expect({ spoken: q.spoken, dropped: q.dropped }).toEqual({ spoken: 1, dropped: 2 });
  });
});
