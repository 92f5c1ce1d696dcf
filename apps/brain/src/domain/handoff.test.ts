import { describe, expect, it } from 'vitest';
import { RecordingEscalation, dialogueWith } from '../../test/helpers';

describe('hand-offs', () => {
  it('records a transfer with the transcript and a summary quoting the caller, then transfers', async () => {
    const escalation = new RecordingEscalation();
    const { dialogue, output } = await dialogueWith({ escalation });
    await dialogue.greet();
    await dialogue.hear('t1', 'how much is a cleaning');
    const outcome = await dialogue.hear('t2', 'can i talk to a real person please');
    await expect(outcome.handoff).resolves.toBe('h1');
    const [handoff] = escalation.handoffs;
    expect(handoff).toMatchObject({ callId: 'c1', callerNumber: '+15125550111', targetId: 'front_desk' });
    expect(handoff?.transcript.map((line) => line.speaker)).toEqual(['agent', 'caller', 'agent', 'caller', 'agent']);
    expect(handoff?.transcript[1]?.text).toBe('how much is a cleaning');
    expect(handoff?.summary).toContain('"can i talk to a real person please"');
    expect(handoff?.summary).toContain('after 2 caller turns');
    await expect.poll(() => output.commands).toEqual([expect.objectContaining({ kind: 'transfer' })]);
  });

  it('still transfers the caller when the hand-off cannot be recorded', async () => {
    const { dialogue, output } = await dialogueWith({ escalation: new RecordingEscalation(new Error('escalation down')) });
    const outcome = await dialogue.hear('t1', 'let me speak to someone');
    await expect(outcome.handoff).rejects.toThrow('escalation down');
    await expect.poll(() => output.commands).toEqual([expect.objectContaining({ kind: 'transfer' })]);
  });

  it('records nothing for turns that are not transfers', async () => {
    const escalation = new RecordingEscalation();
    const { dialogue } = await dialogueWith({ escalation });
    const outcome = await dialogue.hear('t1', 'what time do you open on saturday');
    expect(outcome.handoff).toBeUndefined();
    expect(escalation.handoffs).toEqual([]);
  });
});
