/**
 * Caps concurrent work (synthesis processes per engine); the rest waits in
 * FIFO order, except that urgent work (a sentence the caller waits for in
 * silence, such as a reply's first) goes ahead of work that is not (a
 * sentence with the one before still playing). Waiting is abortable: a
 * cancelled sentence leaves the queue.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: { grant: () => void; onAbort: () => void; urgent: boolean }[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number of at least 1 (got ${limit})`);
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a slot is free; `urgent` waits only behind other urgent work. */
  acquire(signal?: AbortSignal, { urgent = false } = {}): Promise<() => void> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const release = this.releaser();
      if (this.running < this.limit) {
        this.running++;
        resolve(release);
        return;
      }
      const entry = {
        urgent,
        grant: () => {
          signal?.removeEventListener('abort', entry.onAbort);
          this.running++;
          resolve(release);
        },
        onAbort: () => {
          const at = this.waiting.indexOf(entry);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', entry.onAbort, { once: true });
      const firstNotUrgent = urgent ? this.waiting.findIndex((w) => !w.urgent) : -1;
      if (firstNotUrgent >= 0) this.waiting.splice(firstNotUrgent, 0, entry);
      else this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.waiting.shift()?.grant();
    };
  }
}
