import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './event-queue';

type Item = { kind: 'partial' | 'final'; n: number };
const queue = (capacity: number) =>
  new BoundedQueue<Item | { kind: 'dropped'; n: number }>({
    capacity,
    supersedes: (queued, incoming) => queued.kind === 'partial' && incoming.kind === 'partial',
    overflowNotice: (n) => ({ kind: 'dropped', n }),
  });

async function drain<T>(q: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of q) out.push(item);
  return out;
}

describe('BoundedQueue', () => {
  it('hands items to a waiting reader directly and in order otherwise', async () => {
    const q = queue(10);
    const first = q.next();
    q.push({ kind: 'final', n: 1 });
    expect(await first).toEqual({ value: { kind: 'final', n: 1 }, done: false });
    q.push({ kind: 'final', n: 2 });
    q.push({ kind: 'final', n: 3 });
    q.end();
    expect(await drain(q)).toEqual([{ kind: 'final', n: 2 }, { kind: 'final', n: 3 }]);
  });

  it('replaces a queued partial with a newer one, but never a final', async () => {
    const q = queue(10);
    q.push({ kind: 'partial', n: 1 });
    q.push({ kind: 'partial', n: 2 });
    q.push({ kind: 'final', n: 3 });
    q.push({ kind: 'partial', n: 4 });
    q.end();
    expect((await drain(q)).map((i) => i.n)).toEqual([2, 3, 4]);
  });

  it('never holds more than its capacity: drops the oldest and says how many', async () => {
    const q = queue(3);
    for (let n = 1; n <= 1000; n++) q.push({ kind: 'final', n });
    expect(q.size).toBe(3);
    expect(q.dropped).toBe(997);
    q.end();
    expect(await drain(q)).toEqual([{ kind: 'dropped', n: 997 }, { kind: 'final', n: 998 }, { kind: 'final', n: 999 }, { kind: 'final', n: 1000 }]);
  });

  it('ends a waiting reader, ignores pushes after the end, and allows one reader at a time', async () => {
    const q = queue(3);
    const waiting = q.next();
    await expect(q.next()).rejects.toThrow(/single reader/);
    q.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
    q.push({ kind: 'final', n: 1 });
    expect(await q.next()).toEqual({ value: undefined, done: true });
    expect(() => queue(0)).toThrow(/capacity must be at least 1/);
  });

  it('leaving a loop early leaves the queue usable', async () => {
    const q = queue(5);
    q.push({ kind: 'final', n: 1 });
    q.push({ kind: 'final', n: 2 });
    for await (const item of q) {
      expect(item.n).toBe(1);
      break;
    }
    q.end();
    expect(await drain(q)).toEqual([{ kind: 'final', n: 2 }]);
  });
});
