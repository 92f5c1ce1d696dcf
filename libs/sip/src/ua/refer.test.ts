import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger';
import { TimerPool } from '../transaction/timers';
import { ReferSubscription, type SipStatus } from './refer';

afterEach(() => {
  vi.useRealTimers();
});

describe('ReferSubscription (referrer side of RFC 3515)', () => {
  it('settles on the first final sipfrag and replays progress to late listeners', async () => {
    const subscription = new ReferSubscription(7, new TimerPool(), silentLogger);
    subscription.notify({ status: 100, reason: 'Trying' }, false);
    subscription.notify({ status: 180, reason: 'Ringing' }, false);
    const seen: SipStatus[] = [];
    subscription.onNotify((progress) => seen.push(progress));
    subscription.notify({ status: 200, reason: 'OK' }, true);
    subscription.notify({ status: 503, reason: 'too late' }, true);
    expect(await subscription.result).toEqual({ status: 200, reason: 'OK', endedBy: 'notify' });
    expect(seen.map((p) => p.status)).toEqual([100, 180, 200]);
  });

  it('treats Subscription-State: terminated without a final status as a failed transfer', async () => {
    const subscription = new ReferSubscription(7, new TimerPool(), silentLogger);
    subscription.notify({ status: 180, reason: 'Ringing' }, false);
    subscription.notify(undefined, true);
    expect(await subscription.result).toMatchObject({ status: 408, endedBy: 'notify' });
  });

  it('gives up when the notifier falls silent past the subscription expiry, leaving no timer', async () => {
    vi.useFakeTimers();
    const pool = new TimerPool();
    const subscription = new ReferSubscription(7, pool, silentLogger);
    subscription.extend(60);
    await vi.advanceTimersByTimeAsync(30_000);
    subscription.extend(60);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(subscription.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await subscription.result).toMatchObject({ status: 408, endedBy: 'timeout' });
    expect(pool.size).toBe(0);
  });
});
