import { describe, expect, it } from 'vitest';
import type { SynthesisOptions, SynthesisStream, TextToSpeech } from '../ports/text-to-speech';
import { ConcurrencyLimiter } from './limiter';
import { PhraseCache } from './phrase-cache';

/** Audio of 100 bytes per character, so sizes are easy to reason about. */
class CountingTts implements TextToSpeech {
  readonly engine = 'fake';
  readonly sampleRateHz = 8000;
  calls: string[] = [];
  async synthesize(text: string, options: SynthesisOptions): Promise<Uint8Array> {
    this.calls.push(`${options.voice ?? ''}@${options.sampleRateHz}:${text}`);
    await new Promise((r) => setImmediate(r));
    return new Uint8Array(text.length * 100).fill(text.length);
  }
  stream(): SynthesisStream {
    throw new Error('not used');
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const at8k = { sampleRateHz: 8000 };

describe('PhraseCache', () => {
  it('serves warmed phrases without synthesizing again, keyed by voice, rate and text', async () => {
    const tts = new CountingTts();
    const cache = new PhraseCache(tts);
    await cache.warm(['Hello, thanks for calling.', 'One moment please.'], at8k);
    expect(tts.calls).toHaveLength(2);
    const audio = cache.get('One moment please.', at8k);
    expect(audio).toBeDefined();
    expect(await cache.synthesize('  One   moment please. ', at8k)).toBe(audio);
    expect(tts.calls).toHaveLength(2);
    expect(cache.get('One moment please.', { sampleRateHz: 16000 })).toBeUndefined();
    expect(cache.get('One moment please.', { ...at8k, voice: 'slt' })).toBeUndefined();
    await cache.synthesize('One moment please.', { ...at8k, voice: 'slt' });
    expect(tts.calls).toHaveLength(3);
  });

  it('synthesizes a phrase once however many ask at the same time', async () => {
    const tts = new CountingTts();
    const cache = new PhraseCache(tts);
    const [a, b] = await Promise.all([cache.synthesize('Goodbye.', at8k), cache.synthesize('Goodbye.', at8k)]);
    expect(a).toBe(b);
    expect(tts.calls).toEqual(['@8000:Goodbye.']);
  });

  it('evicts the least recently used phrases past its byte budget, never the warmed ones', async () => {
    const tts = new CountingTts();
    const cache = new PhraseCache(tts, { maxBytes: 3000 });
    await cache.warm(['Pinned.'], at8k); // 700 bytes
    await cache.synthesize('Phrase A.', at8k); // 900
    await cache.synthesize('Phrase B.', at8k); // 900
    cache.get('Phrase A.', at8k); // A is now the most recent
    await cache.synthesize('Phrase C.', at8k); // 900: total 3400, B goes
    expect(cache.size).toBe(2500);
    expect(cache.get('Phrase B.', at8k)).toBeUndefined();
    expect(cache.get('Phrase A.', at8k)).toBeDefined();
    expect(cache.get('Pinned.', at8k)).toBeDefined();
    await cache.synthesize('A phrase far too long to fit in what is left of the budget.', at8k);
    expect(cache.size).toBeLessThanOrEqual(3000);
    expect(cache.get('Pinned.', at8k)).toBeDefined();
  });
});

describe('ConcurrencyLimiter', () => {
  it('runs at most its limit, queues the rest in order and lets a queued waiter leave on abort', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const a = await limiter.acquire();
    await limiter.acquire();
    const order: string[] = [];
    const aborted = new AbortController();
    const c = limiter.acquire().then((release) => (order.push('c'), release));
    const d = limiter.acquire(aborted.signal).catch(() => order.push('d aborted'));
    const e = limiter.acquire().then((release) => (order.push('e'), release));
    expect([limiter.active, limiter.queued]).toEqual([2, 3]);
    aborted.abort();
    await d;
    a();
    a(); // a second release is a no-op
    await c;
    expect([limiter.active, limiter.queued]).toEqual([2, 1]);
    (await c)();
    await e;
    expect(order).toEqual(['d aborted', 'c', 'e']);
  });

  it('lets urgent work (a reply\'s first sentence) wait only behind other urgent work', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const first = await limiter.acquire();
    const order: string[] = [];
    const take = (name: string, urgent: boolean) => limiter.acquire(undefined, { urgent }).then((release) => (order.push(name), release()));
    const all = [take('later 1', false), take('later 2', false), take('opening 1', true), take('opening 2', true), take('later 3', false)];
    first();
    await Promise.all(all);
    expect(order).toEqual(['opening 1', 'opening 2', 'later 1', 'later 2', 'later 3']);
  });
});
