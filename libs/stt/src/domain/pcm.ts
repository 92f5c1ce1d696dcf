/**
 * linear16 samples (or their little-endian bytes) as floats in [-1, 1), the
 * form the recognizer and voice activity detector take.
 */
export function linear16ToFloat32(pcm: Int16Array | Uint8Array): Float32Array {
  if (pcm instanceof Int16Array) {
    const out = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) out[i] = (pcm[i] ?? 0) / 32768;
    return out;
  }
  if (pcm.byteLength % 2 !== 0) throw new RangeError(`linear16 bytes come in pairs; got ${pcm.byteLength} bytes`);
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const out = new Float32Array(pcm.byteLength / 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/** Level of a chunk in dBFS (a full-scale square wave is 0; digital silence is -Infinity). */
export function levelDbfs(samples: Float32Array): number {
  let sum = 0;
  for (const x of samples) sum += x * x;
  return samples.length === 0 ? -Infinity : 10 * Math.log10(sum / samples.length);
}

/** The last `capacity` samples pushed, to prime a fresh recognizer stream. */
export class SampleHistory {
  private readonly buffer: Float32Array;
  private filled = 0;
  private head = 0;

  constructor(readonly capacity: number) {
    this.buffer = new Float32Array(capacity);
  }

  push(samples: Float32Array): void {
    const tail = samples.length > this.capacity ? samples.subarray(samples.length - this.capacity) : samples;
    for (let i = 0; i < tail.length; i++) {
      this.buffer[this.head] = tail[i] ?? 0;
      this.head = (this.head + 1) % this.capacity;
    }
    this.filled = Math.min(this.capacity, this.filled + tail.length);
  }

  /** The most recent `count` samples (fewer if fewer were pushed), oldest first. */
  latest(count = this.capacity): Float32Array {
    const n = Math.min(count, this.filled);
    const out = new Float32Array(n);
    const start = (this.head - n + this.capacity) % this.capacity;
    for (let i = 0; i < n; i++) out[i] = this.buffer[(start + i) % this.capacity] ?? 0;
    return out;
  }
}
