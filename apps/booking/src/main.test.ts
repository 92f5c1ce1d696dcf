import { describe, expect, it } from 'vitest';
import { publishTo } from '@voiceagent/bus';
import { topics } from '@voiceagent/contracts';
import { callStarted, startServices } from '@voiceagent/runtime/testing';
import { eventually } from '@voiceagent/testing';
import { bookingService } from './main';

describe('booking service', () => {
  it('logs call lifecycle events and releases its subscriptions on stop', async () => {
    const h = await startServices([bookingService]);
    publishTo(h.bus, topics.lifecycle, callStarted('c-booking'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ service: 'booking', callId: 'c-booking', msg: 'call started', caller: '+15550100' })));
    expect(h.bus.subscriptionCount()).toBeGreaterThan(h.baselineSubscriptions);
    await h.stop();
    expect(h.bus.state()).toBe('closed');
  });
});
