import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './escalation';

describe('retryDelayMs', () => {
  const backoff = { baseMs: 1_000, maxMs: 300_000 };

  it('doubles per attempt, between half and all of the step', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(backoff, n, 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(backoff, n, 0))).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it('stays at the cap however many attempts failed', () => {
    expect(retryDelayMs(backoff, 9, 1)).toBe(256_000);
    expect(retryDelayMs(backoff, 10, 1)).toBe(300_000);
    expect(retryDelayMs(backoff, 10_000, 1)).toBe(300_000);
  });
});
