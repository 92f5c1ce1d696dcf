import type { SynthesisOptions, SynthesisStream, TextToSpeech } from '../ports/text-to-speech';

export interface PhraseCacheOptions {
  /** Upper bound on cached audio, in bytes. Default 8 MiB (about 8.7 minutes at 8 kHz). */
  readonly maxBytes?: number;
}

interface Entry {
  readonly audio: Uint8Array;
  pinned: boolean;
}

/**
 * Fixed phrases (greeting, "one moment please", the closed message) are
 * synthesized once at start-up so they play with no synthesis delay. Wraps
 * any TextToSpeech: stream() passes through, synthesize() is served from the
 * cache. Keys are (engine, voice, rate, text); the cache is LRU by bytes,
 * except that phrases given to warm() stay (they are the reason it exists).
 */
export class PhraseCache implements TextToSpeech {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Uint8Array>>();
  private readonly maxBytes: number;
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly tts: TextToSpeech,
    options: PhraseCacheOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  }

  get engine(): string {
    return this.tts.engine;
  }

  get sampleRateHz(): number {
    return this.tts.sampleRateHz;
  }

  /** Bytes of audio held. */
  get size(): number {
    return this.bytes;
  }

  /** Synthesizes and pins the phrases (in parallel: the engine queues its own work). */
  async warm(phrases: readonly string[], options: SynthesisOptions): Promise<void> {
    await Promise.all(phrases.map((text) => this.fetch(text, options, true)));
  }

  /** The cached audio, without synthesizing: undefined on a miss. */
  get(text: string, options: SynthesisOptions): Uint8Array | undefined {
    const key = this.key(text, options);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key); // re-insert: most recently used last
    this.entries.set(key, entry);
    return entry.audio;
  }

  /** Cached audio, synthesizing (once, however many ask at the same time) on a miss. Treat it as read-only. */
  synthesize(text: string, options: SynthesisOptions): Promise<Uint8Array> {
    return this.fetch(text, options, false);
  }

  stream(options: SynthesisOptions): SynthesisStream {
    return this.tts.stream(options);
  }

  close(): Promise<void> {
    return this.tts.close();
  }

  private key(text: string, options: SynthesisOptions): string {
    return JSON.stringify([this.tts.engine, options.voice ?? '', options.sampleRateHz, text.trim().replace(/\s+/g, ' ')]);
  }

  private fetch(text: string, options: SynthesisOptions, pin: boolean): Promise<Uint8Array> {
    const key = this.key(text, options);
    const cached = this.get(text, options);
    if (cached) {
      this.hits++;
      if (pin) this.store(key, cached, true);
      return Promise.resolve(cached);
    }
    this.misses++;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.tts.synthesize(text, options);
      this.inflight.set(key, pending);
      const forget = () => this.inflight.delete(key);
      pending.then(forget, forget);
    }
    return pending.then((audio) => {
      this.store(key, audio, pin);
      return audio;
    });
  }

  private store(key: string, audio: Uint8Array, pin: boolean): void {
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.audio.byteLength;
      this.entries.delete(key);
    }
    const entry = { audio, pinned: pin || (old?.pinned ?? false) };
    this.entries.set(key, entry);
    this.bytes += audio.byteLength;
    // Least recently used first; pinned phrases stay.
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      if (e.pinned || e === entry) continue;
      this.entries.delete(k);
      this.bytes -= e.audio.byteLength;
    }
    if (this.bytes > this.maxBytes && !entry.pinned) {
      this.entries.delete(key); // does not fit beside the pinned phrases
      this.bytes -= audio.byteLength;
    }
  }
}
