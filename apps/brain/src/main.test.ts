import { describe, expect, it } from 'vitest';
import { publishTo } from '@voiceagent/bus';
import { topics } from '@voiceagent/contracts';
import { callEnded, callStarted, startServices } from '@voiceagent/runtime/testing';
import { eventually } from '@voiceagent/testing';
import { brainService } from './main';

describe('brain service', () => {
  it('follows the caller turns of the calls it claims and lets go at the end', async () => {
    const h = await startServices([brainService]);
    publishTo(h.bus, topics.lifecycle, callStarted('c2'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'call claimed', callId: 'c2' })));
    for (const [turnId, text] of [['t1', 'what time do you open on saturday'], ['t2', '  '], ['t3', 'thanks bye']]) {
      publishTo(h.bus, topics.call('c2', 'userTurn'), { callId: 'c2', turnId: turnId!, text: text!, confidence: 0.9, words: [], interruptedAgent: false });
    }
    await eventually(() => expect(h.logs.filter((l) => l.msg === 'caller turn').map((l) => l['turnId'])).toEqual(['t1', 't3']));
    const before = h.bus.subscriptionCount();
    publishTo(h.bus, topics.lifecycle, callEnded('c2'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'conversation closed', callId: 'c2', turns: 2 })));
    expect(h.bus.subscriptionCount()).toBe(before - 1);
    await h.stop();
  });
});
