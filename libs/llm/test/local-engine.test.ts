import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../src/port';
import type { ToolCall } from '../src/tools';
import { localEngine } from './helpers';

const user = (content: string): ChatMessage => ({ role: 'user', content });

async function decide(text: string, history: ChatMessage[] = []): Promise<ToolCall> {
  const { engine } = await localEngine();
  return engine.decide([...history, user(text)]);
}

describe('local engine', () => {
  it.each([
    ['what time do you open on saturday', 'hours:saturday'],
    ['how late are you open on wednesday', 'hours:wednesday'],
    ['are you open today', 'hours:monday'],
    ['how much is a cleaning', 'service:cleaning'],
    ['how much for a filing', 'service:filling'],
    ['where can i park', 'faq:parking'],
    ['do you take insurance', 'faq:insurance'],
  ])('answers "%s" from %s', async (text, factId) => {
    const call = await decide(text);
    expect(call).toMatchObject({ name: 'answer_from_knowledge', args: { fact_ids: [factId] } });
  });

  it.each(['can i talk to a person', 'representative', 'i want to speak to a real you man being'])('transfers "%s" to the default target', async (text) => {
    expect(await decide(text)).toMatchObject({ name: 'transfer_to_human', args: { reason: 'caller asked', target: 'front_desk' } });
  });

  it('takes a service with a day and a time for a booking even when the verb was misheard, but not when it is asked about', async () => {
    expect(await decide('i would like to buck a cleaning for next monday yet nine in the morning')).toMatchObject({
      name: 'book_appointment',
      args: { service: 'cleaning', time: '09:00', confirm: false },
    });
    expect((await decide('how much is a cleaning on monday at nine')).name).not.toBe('book_appointment');
  });

  it('transfers a complaint to the target the file names for it', async () => {
    expect(await decide('i want to make a complaint')).toMatchObject({ name: 'transfer_to_human', args: { reason: 'complaint', target: 'manager' } });
  });

  it('transfers what the knowledge cannot answer instead of guessing', async () => {
    expect(await decide('how much is a dental implant')).toMatchObject({ name: 'transfer_to_human', args: { reason: 'unanswered question' } });
    expect(await decide('what is the weather like in dallas')).toMatchObject({ name: 'transfer_to_human' });
  });

  it('asks a caller the recognizer was unsure of to say it again once, then transfers', async () => {
    const { engine } = await localEngine();
    const misheard: ChatMessage = { role: 'user', content: 'while his yor address', confidence: 0.3 };
    const first = await engine.decide([misheard]);
    expect(first).toMatchObject({ name: 'answer_from_knowledge', args: { question: 'while his yor address', fact_ids: [] } });
    const asked: ChatMessage[] = [
      misheard,
      { role: 'assistant', content: "Sorry, I didn't quite catch that. Could you say it again?", toolCall: first },
      { role: 'tool', toolCallId: first.id, name: first.name, content: '{"status":"clarify"}' },
    ];
    // Heard better the second time: answered.
    expect(await engine.decide([...asked, { role: 'user', content: 'what is your address', confidence: 0.6 }])).toMatchObject({ name: 'answer_from_knowledge', args: { fact_ids: ['business:address'] } });
    // Unsure again: a person takes it.
    expect(await engine.decide([...asked, { role: 'user', content: 'while is the address sir', confidence: 0.3 }])).toMatchObject({ name: 'transfer_to_human', args: { reason: 'unanswered question' } });
  });

  it('transfers a clearly heard question the knowledge cannot answer at once, and one of unknown confidence', async () => {
    const { engine } = await localEngine();
    expect(await engine.decide([{ role: 'user', content: 'how much is a dental implant', confidence: 0.9 }])).toMatchObject({ name: 'transfer_to_human' });
    expect(await engine.decide([{ role: 'user', content: 'how much is a dental implant', confidence: 0 }])).toMatchObject({ name: 'transfer_to_human' });
  });

  it.each(['bye', 'thanks that is all', 'okay by', 'good by'])('ends the call on "%s"', async (text) => {
    expect((await decide(text)).name).toBe('end_call');
  });

  it('asks again on a turn of fillers', async () => {
    expect(await decide('um uh')).toMatchObject({ name: 'answer_from_knowledge', args: { fact_ids: [] } });
  });

  it('fills booking slots from relative dates in the business timezone', async () => {
    expect(await decide('i would like to book a cleaning tomorrow at three')).toMatchObject({
      name: 'book_appointment', args: { service: 'cleaning', date: '2025-12-02', time: '15:00', confirm: false },
    });
    expect(await decide('book and a point meant for a whitening next tuesday afternoon')).toMatchObject({
      name: 'book_appointment', args: { service: 'whitening', date: '2025-12-09', time: null },
    });
  });

  it('continues a booking from its own earlier call and confirms on yes', async () => {
    const asked: ToolCall = { id: 'b1', name: 'book_appointment', args: { service: 'cleaning', date: '2025-12-02', time: null, caller_name: null, confirm: false } };
    const history: ChatMessage[] = [user('book a cleaning tomorrow'), { role: 'assistant', content: 'What time?', toolCall: asked }, { role: 'tool', toolCallId: 'b1', name: 'book_appointment', content: JSON.stringify({ status: 'needs', missing: ['time'] }) }];
    const withTime = await decide('three thirty', history);
    expect(withTime).toMatchObject({ name: 'book_appointment', args: { service: 'cleaning', date: '2025-12-02', time: '15:30', confirm: false } });
    const readBack: ChatMessage[] = [...history, user('three thirty'), { role: 'assistant', content: 'Shall I book it?', toolCall: withTime }, { role: 'tool', toolCallId: withTime.id, name: 'book_appointment', content: JSON.stringify({ status: 'confirm', slot: { date: '2025-12-02', time: '15:30' } }) }];
    expect(await decide('yes please', readBack)).toMatchObject({ name: 'book_appointment', args: { time: '15:30', confirm: true } });
  });
});
