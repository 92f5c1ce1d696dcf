/** RFC 3261 §17 timer bases; every other timer derives from these. */
export interface SipTimers {
  /** Round-trip estimate: first retransmit interval (500 ms). */
  readonly t1: number;
  /** Cap on non-INVITE request and 2xx retransmit intervals (4 s). */
  readonly t2: number;
  /** Longest a message lingers in the network: Timers I and K on UDP (5 s). */
  readonly t4: number;
  /** Timer D: an INVITE client absorbs repeated final responses this long on UDP (RFC: at least 32 s). */
  readonly timerD: number;
}

export const DEFAULT_SIP_TIMERS: SipTimers = { t1: 500, t2: 4000, t4: 5000, timerD: 32_000 };

export function resolveTimers(overrides: Partial<SipTimers> = {}): SipTimers {
  const timers = { ...DEFAULT_SIP_TIMERS, ...overrides };
  for (const [name, value] of Object.entries(timers)) {
    if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`SIP timer ${name} must be a positive number of ms`);
  }
  if (timers.t2 < timers.t1) throw new RangeError('SIP timer t2 must not be below t1');
  return timers;
}

/** Timers B, F, H, J, L and M: 64*T1. */
export function transactionTimeout(timers: SipTimers): number {
  return 64 * timers.t1;
}

export type CancelTimer = () => void;

/**
 * Owns every timer the stack starts so that none outlives its owner and the
 * count of live timers can be checked (tests assert it drops to zero).
 */
export class TimerPool {
  private readonly live = new Set<NodeJS.Timeout>();

  get size(): number {
    return this.live.size;
  }

  after(ms: number, callback: () => void): CancelTimer {
    const handle = setTimeout(() => {
      this.live.delete(handle);
      callback();
    }, ms);
    this.live.add(handle);
    return () => {
      clearTimeout(handle);
      this.live.delete(handle);
    };
  }

  clearAll(): void {
    for (const handle of this.live) clearTimeout(handle);
    this.live.clear();
  }
}
