import { describe, expect, it } from 'vitest';
import { publishTo } from '@voiceagent/bus';
import { topics } from '@voiceagent/contracts';
import { callStarted, startServices } from '@voiceagent/runtime/testing';
import { eventually } from '@voiceagent/testing';
import { escalationService } from './main';

describe('escalation service', () => {
  it('logs call lifecycle events and releases its subscriptions on stop', async () => {
    const h = await startServices([escalationService]);
    publishTo(h.bus, topics.lifecycle, callStarted('c-escalation'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ service: 'escalation', callId: 'c-escalation', msg: 'call started', caller: '+15550100' })));
    expect(h.bus.subscriptionCount()).toBeGreaterThan(h.baselineSubscriptions);
    await h.stop();
    expect(h.bus.state()).toBe('closed');
  });
});
