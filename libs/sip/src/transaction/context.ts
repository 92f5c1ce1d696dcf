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

/** What client and server transactions share: their timers and one end, announced once. */
export abstract class TransactionLifecycle {
  protected readonly timers: TransactionTimers;
  private readonly endListeners: (() => void)[] = [];
  private ended = false;

  constructor(pool: TimerPool) {
    this.timers = new TransactionTimers(pool);
  }

  get terminated(): boolean {
    return this.ended;
  }

  onTerminated(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  terminate(): void {
    if (this.ended) return;
    this.ended = true;
    this.timers.stopAll();
    for (const listener of this.endListeners.splice(0)) listener();
  }
}
