import type { SipLogger } from '../logger';
import type { TransportAddress } from '../transport/transport';
import { type CancelTimer, type SipTimers, type TimerPool } from './timers';

/** What a transaction needs from the stack around it. */
export interface TransactionContext {
  readonly timers: SipTimers;
  readonly pool: TimerPool;
  readonly logger: SipLogger;
  send(data: Buffer, target: TransportAddress): Promise<TransportAddress>;
}

/** Named timers of one transaction: restarting a name replaces it, ending clears all. */
export class TransactionTimers {
  private readonly running = new Map<string, CancelTimer>();

  constructor(private readonly pool: TimerPool) {}

  start(name: string, ms: number, callback: () => void): void {
    this.stop(name);
    this.running.set(
      name,
      this.pool.after(ms, () => {
        this.running.delete(name);
        callback();
      }),
    );
  }

  stop(name: string): void {
    this.running.get(name)?.();
    this.running.delete(name);
  }

  stopAll(): void {
    for (const cancel of this.running.values()) cancel();
    this.running.clear();
  }
}
