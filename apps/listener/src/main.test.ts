import { describe, expect, it } from 'vitest';
import { publishTo } from '@voiceagent/bus';
import { topics } from '@voiceagent/contracts';
import { callEnded, callStarted, startServices } from '@voiceagent/runtime/testing';
import { eventually } from '@voiceagent/testing';
import { listenerService } from './main';

describe('listener service', () => {
  it('claims a call, follows its caller audio, and releases it when the call ends', async () => {
    const h = await startServices([listenerService]);
    publishTo(h.bus, topics.lifecycle, callStarted('c1'));
    await eventually(() => expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'call claimed', callId: 'c1' })));
    const frames = topics.call('c1', 'audioIn');
    for (let sequence = 0; sequence < 50; sequence++) {
      if (sequence === 20) continue; // one frame lost on the way
      publishTo(h.bus, frames, { callId: 'c1', sequence, sampleRateHz: 8000, channels: 1, pcm: new Uint8Array(320), capturedAtUs: 0, track: 0, endOfUtterance: false });
    }
    await h.bus.flush();
    const withCall = h.bus.subscriptionCount();
    publishTo(h.bus, topics.lifecycle, callEnded('c1'));
    const summary = await eventually(() => {
      const line = h.logs.find((l) => l.msg === 'caller audio summary');
      expect(line).toBeDefined();
      return line!;
    });
    expect(summary).toMatchObject({ callId: 'c1', received: 49, lost: 1, audioMs: 980, reason: 'call ended' });
    expect(h.bus.subscriptionCount()).toBe(withCall - 1);
    await h.stop();
  });
});
