import { publishTo } from '@voiceagent/bus';
import { topics } from '@voiceagent/contracts';
import { callStarted, startServices, type ServiceHarness } from '@voiceagent/runtime/testing';
import { eventually } from '@voiceagent/testing';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { agentSays, concat, gain, modelEnv, sayIntoCall, silence, speak, watchCall } from '../test/speech';
import { createListenerService } from './main';

let h: ServiceHarness;
let agentReply: Int16Array;

beforeAll(async () => {
  h = await startServices([createListenerService({ downloadModels: false })], modelEnv);
  // Ten seconds and more of the agent talking: longer than any test below takes to send its caller audio.
  const sentence = speak('we are open from nine in the morning until five in the afternoon, monday to friday, and on saturday mornings');
  agentReply = concat(sentence, silence(200), sentence, silence(200), sentence);
  return () => h.stop();
});

async function callWithAgentTalking(callId: string) {
  const call = watchCall(h, callId);
  onTestFinished(() => call.unsubscribe());
  publishTo(h.bus, topics.lifecycle, callStarted(callId));
  await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'listening', callId })));
  agentSays(h, callId, agentReply);
  await h.bus.flush();
  return call;
}

/** The listener's verdict on speech over the agent, from its logs. */
const ignoredLines = (callId: string) => h.logs.filter((l) => l.msg === 'speech over the agent ignored' && l.callId === callId);

describe('listener service: caller speech while the agent talks', () => {
  it('lets a lone "uh-huh" pass: no barge-in and no turn', async () => {
    const call = await callWithAgentTalking('backchannel');
    await sayIntoCall(h, 'backchannel', concat(silence(300), speak('uh-huh'), silence(1200)));
    await eventually(() => expect(ignoredLines('backchannel')).toHaveLength(1));
    expect(ignoredLines('backchannel')[0]).toMatchObject({ verdict: 'backchannel' });
    expect(call.vad).toEqual([]);
    expect(call.turns).toEqual([]);
    // What the caller said is still transcribed; it just is not a turn.
    expect(call.order).toEqual(['final']);
  });

  it('barges in on a real sentence: speech started during agent speech, then an interrupting turn', async () => {
    const call = await callWithAgentTalking('interrupt');
    const leadMs = 300;
    await sayIntoCall(h, 'interrupt', concat(silence(leadMs), speak('wait, i need to change my appointment'), silence(1200)));
    await eventually(() => expect(call.turns).toHaveLength(1));
    // The barge-in comes while the caller is still speaking (from a partial), not at the end of the turn.
    expect(call.order).toEqual(['vad:started:agent', 'partial', 'final', 'vad:stopped', 'turn']);
    const started = call.vad[0]!.value;
    expect(started.duringAgentSpeech).toBe(true);
    expect(started.audioOffsetMs).toBeGreaterThanOrEqual(leadMs - 150);
    expect(started.audioOffsetMs).toBeLessThan(leadMs + 300);
    // Media flushed the agent on it: it is no longer heard when the caller stops.
    expect(call.vad[1]!.value.duringAgentSpeech).toBe(false);
    const { value } = call.turns[0]!;
    expect(value).toMatchObject({ turnId: 'u1', interruptedAgent: true });
    expect(value.text).toMatch(/\b(change|appointment)\b/);
    expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'barge-in', callId: 'interrupt', late: false }));
  });

  it('takes the agent\'s own voice coming back on the line for echo, not a barge-in', async () => {
    const call = await callWithAgentTalking('echo');
    // What the caller's phone sends back: the agent, 35 dB down. In real time, so that it comes back while the agent plays it.
    await sayIntoCall(h, 'echo', concat(silence(200), gain(agentReply.subarray(0, 8000 * 2), -35), silence(800)), { realTime: true });
    await eventually(() => expect(ignoredLines('echo').length).toBeGreaterThan(0));
    // The recognizer hears the agent's words in it; the level gives them away.
    expect(ignoredLines('echo').map((l) => l['verdict'])).toContain('echo');
    expect(ignoredLines('echo').every((l) => l['verdict'] === 'echo' || l['verdict'] === 'no-words')).toBe(true);
    expect(call.vad).toEqual([]);
    expect(call.transcripts).toEqual([]);
    expect(call.turns).toEqual([]);
  });

  it('starts a turn at once when the agent is silent', async () => {
    const call = watchCall(h, 'quiet');
    onTestFinished(() => call.unsubscribe());
    publishTo(h.bus, topics.lifecycle, callStarted('quiet'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'listening', callId: 'quiet' })));
    // The agent spoke once, a while ago: its audio has played out.
    agentSays(h, 'quiet', silence(200));
    await new Promise((r) => setTimeout(r, 1000));
    await sayIntoCall(h, 'quiet', concat(silence(300), speak('yeah'), silence(1200)));
    await eventually(() => expect(call.turns).toHaveLength(1));
    expect(call.order).toEqual(['vad:started', 'partial', 'final', 'vad:stopped', 'turn']);
    expect(call.turns[0]!.value).toMatchObject({ text: 'yeah', interruptedAgent: false });
  });
});
