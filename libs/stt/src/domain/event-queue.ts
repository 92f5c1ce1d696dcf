export interface BoundedQueueOptions<T> {
  /** Most items held for a reader that is not keeping up. */
  readonly capacity: number;
  /** True when `incoming` makes the last queued item pointless (it replaces it). */
  readonly supersedes?: (queued: T, incoming: T) => boolean;
  /** Item handed to the reader, ahead of the rest, after items were dropped. */
  readonly overflowNotice?: (dropped: number) => T;
}

/**
 * A single-reader async queue that never grows past `capacity`.
 *
 * Policy when the reader falls behind: an item that supersedes the last
 * queued one replaces it (a newer partial transcript); otherwise, when full,
 * the oldest item is dropped and the reader is told how many were lost by an
 * overflow notice before the next item. Producers never block.
 */
export class BoundedQueue<T> implements AsyncIterator<T>, AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;
  private pendingDrops = 0;
  private totalDrops = 0;

  constructor(private readonly options: BoundedQueueOptions<T>) {
    if (!(options.capacity >= 1)) throw new RangeError('capacity must be at least 1');
  }

  get size(): number {
    return this.items.length;
  }

  /** Items dropped since the queue was made. */
  get dropped(): number {
    return this.totalDrops;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    const last = this.items.at(-1);
    if (last !== undefined && this.options.supersedes?.(last, item)) {
      this.items[this.items.length - 1] = item;
      return;
    }
    if (this.items.length >= this.options.capacity) {
      this.items.shift();
      this.pendingDrops += 1;
      this.totalDrops += 1;
    }
    this.items.push(item);
  }

  /** No more items: the reader gets what is queued, then done. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiting && this.items.length === 0) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.pendingDrops > 0 && this.options.overflowNotice) {
      const notice = this.options.overflowNotice(this.pendingDrops);
      this.pendingDrops = 0;
      return Promise.resolve({ value: notice, done: false });
    }
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiting) return Promise.reject(new Error('this stream has a single reader: another read is already waiting'));
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Leaving a for-await loop early does not end the queue: the stream goes on. */
  return(): Promise<IteratorResult<T>> {
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }
}
