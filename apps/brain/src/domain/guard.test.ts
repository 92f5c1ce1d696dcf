import { describe, expect, it } from 'vitest';
import { dialogueWith, scriptedEngine } from '../../test/helpers';
import { checkReply, factsOf } from './guard';

const answer = (factIds: string[]) => ({ type: 'tool_call' as const, call: { id: 'a1', name: 'answer_from_knowledge' as const, args: { question: 'q', fact_ids: factIds } } });

describe('never-invent guard', () => {
  it('passes values the cited facts state and refuses the rest', async () => {
    const { knowledge } = await dialogueWith();
    const cleaning = factsOf(knowledge).filter((fact) => fact.id === 'service:cleaning');
    expect(checkReply('A cleaning costs $120 and takes about 1 hour.', { kind: 'facts', facts: cleaning }).ok).toBe(true);
    expect(checkReply('A cleaning costs $99.', { kind: 'facts', facts: cleaning })).toEqual({ ok: false, invented: ['$99'] });
    expect(checkReply('Booked for Tuesday, December 2 at 3 pm.', { kind: 'booking', phrases: ['Tuesday, December 2 at 3 pm'] }).ok).toBe(true);
    expect(checkReply('Booked for Tuesday, December 2 at 4 pm.', { kind: 'booking', phrases: ['Tuesday, December 2 at 3 pm'] }).invented).toEqual([expect.stringMatching(/^4 pm/)]);
  });

  it.each([
    ['an invented price', 'A cleaning is just $99 this week.', ['service:cleaning']],
    ['a price in words', 'A cleaning costs ninety nine dollars.', ['service:cleaning']],
    ['an invented time', 'On Saturdays we are open from 9 am to 5 pm.', ['hours:saturday']],
    ['an invented phone number', 'Call our manager on 512-555-0188.', ['business:phone']],
    ['an invented date', 'We are closed on December 26 too.', ['holiday:12-25']],
    ['values from facts it did not cite', 'A whitening is $350.', ['service:cleaning']],
    ['values with no facts at all', 'Sure, that is $40.', []],
  ])('turns %s into a transfer with the file\'s transfer message', async (_label, text, factIds) => {
    const { dialogue, output, knowledge } = await dialogueWith({ engine: () => scriptedEngine([{ type: 'text', delta: text }, answer(factIds)]) });
    const { reply } = await dialogue.hear('t1', 'question');
    expect(reply.call.name).toBe('transfer_to_human');
    expect(reply.invented?.length).toBeGreaterThan(0);
    expect(output.spoken('t1')).toBe(knowledge.messages.transfer);
    expect(output.spoken('t1')).not.toContain(text);
    expect(output.commands).toEqual([{ kind: 'transfer', target: 'sip:frontdesk@pbx.brightsmile.example', reason: 'ungrounded answer' }]);
    expect(output.sentences[0]?.decision).toMatchObject({ tool: 3, engine: 'scripted' });
  });

  it('lets a grounded engine answer through', async () => {
    const { dialogue, output } = await dialogueWith({ engine: () => scriptedEngine([{ type: 'text', delta: 'A cleaning is $120. It takes about an hour.' }, answer(['service:cleaning'])]) });
    const { reply } = await dialogue.hear('t1', 'how much is a cleaning');
    expect(reply.call.name).toBe('answer_from_knowledge');
    expect(output.sentences.map((s) => s.text)).toEqual(['A cleaning is $120.', 'It takes about an hour.']);
  });

  it('transfers when the engine calls no tool or an invalid one', async () => {
    for (const chunks of [[{ type: 'text' as const, delta: 'Hello!' }], [{ type: 'tool_call' as const, call: { id: 'x', name: 'end_call', args: { reason: '' } } as never }]]) {
      const { dialogue } = await dialogueWith({ engine: () => scriptedEngine(chunks) });
      const outcome = await dialogue.hear('t1', 'hi');
      expect(outcome).toMatchObject({ engineFailed: true, reply: { call: { name: 'transfer_to_human' } } });
    }
  });
});
