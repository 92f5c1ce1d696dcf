import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { publishTo, subscribeTo } from '@voiceagent/bus';
import { topics, Tool, type AgentUtterance } from '@voiceagent/contracts';
import { callStarted, startServices } from '@voiceagent/runtime/testing';
import { eventually } from '@voiceagent/testing';
import { EXAMPLE_KNOWLEDGE, MONDAY_10AM } from '../test/helpers';
import { createBrainService } from './main';

/** A local server speaking OpenAI's streaming wire format: each request gets the next scripted answer. */
async function fakeOpenAi(answers: Array<{ text: string; factIds: string[] }>) {
  const bodies: Array<{ model: string; messages: Array<{ role: string; content: string | null }> }> = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (part: Buffer) => (raw += part.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(raw) as (typeof bodies)[number]);
      const answer = answers.shift() ?? { text: '', factIds: [] };
      const args = JSON.stringify({ question: 'price of a cleaning', fact_ids: answer.factIds });
      const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: answer.text }));
      res.write(chunk({ tool_calls: [{ index: 0, id: `call_${bodies.length}`, type: 'function', function: { name: 'answer_from_knowledge', arguments: args.slice(0, 10) } }] }));
      res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(10) } }] }));
      res.write(chunk({}, 'tool_calls'));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, bodies, close: () => server.close() };
}

describe('brain with BRAIN_ENGINE=openai', () => {
  it('speaks a grounded answer and still transfers on an invented price', async () => {
    const llm = await fakeOpenAi([
      { text: 'A cleaning is $120.', factIds: ['service:cleaning'] },
      { text: 'A cleaning is just $99 this week.', factIds: ['service:cleaning'] },
    ]);
    const h = await startServices([createBrainService({ now: () => MONDAY_10AM })], { KNOWLEDGE_FILE: EXAMPLE_KNOWLEDGE, BRAIN_ENGINE: 'openai', OPENAI_BASE_URL: llm.baseUrl, OPENAI_MODEL: 'test-model' });
    const said: AgentUtterance[] = [];
    const sub = subscribeTo(h.bus, topics.call('c1', 'agentTurn'), (u) => void said.push(u));
    const spoken = (turnId: string) => said.filter((u) => u.turnId === turnId).map((u) => u.text).join(' ');
    const turn = (turnId: string, text: string) => publishTo(h.bus, topics.call('c1', 'userTurn'), { callId: 'c1', turnId, text, confidence: 0.9, words: [], interruptedAgent: false });

    publishTo(h.bus, topics.lifecycle, callStarted('c1'));
    await eventually(() => expect(said.length).toBeGreaterThan(0));
    turn('t1', 'how much is a cleaning');
    await eventually(() => expect(spoken('t1')).toBe('A cleaning is $120.'));
    expect(said.find((u) => u.turnId === 't1')?.decision).toMatchObject({ tool: Tool.TOOL_ANSWER_FROM_KNOWLEDGE, engine: 'openai' });

    turn('t2', 'is there a discount');
    await eventually(() => expect(spoken('t2')).toBe("One moment please, I'm connecting you with a member of our team."));
    expect(said.find((u) => u.turnId === 't2')?.decision).toMatchObject({ tool: Tool.TOOL_TRANSFER_TO_HUMAN, engine: 'openai' });
    expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'reply refused: invented values; transferring', invented: ['$99'] }));
    // The second request carried the first turn's tool call and result.
    expect(llm.bodies[1]?.model).toBe('test-model');
    expect(llm.bodies[1]?.messages.map((m) => m.role)).toEqual(['system', 'assistant', 'user', 'assistant', 'tool', 'user']);

    sub.unsubscribe();
    await h.stop();
    llm.close();
  });
});
