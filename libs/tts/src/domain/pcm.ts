import { FRAME_MS, bytesPerFrame } from '@voiceagent/audio';
import type { SynthesizedFrame } from '../ports/text-to-speech';

/** Typed-array views below assume a little-endian host, as linear16 on the wire is. */
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('@voiceagent/tts needs a little-endian host');

export { FRAME_MS };

export function assertFrameRate(sampleRateHz: number): void {
  if (!Number.isInteger(sampleRateHz) || sampleRateHz <= 0 || sampleRateHz % (1000 / FRAME_MS) !== 0) {
    throw new RangeError(`sampleRateHz must be a positive multiple of 50 so a 20 ms frame is whole samples (got ${sampleRateHz})`);
  }
}

/** The 16-bit samples of linear16 bytes (copied when not aligned). */
export function samples(bytes: Uint8Array): Int16Array {
  const even = bytes.byteLength & ~1;
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, even / 2);
  // Not bytes.slice(): on a Node Buffer that is a view into a shared pool, not a copy.
  const copy = new Int16Array(even / 2);
  new Uint8Array(copy.buffer).set(bytes.subarray(0, even));
  return copy;
}

/** The parts one after another, in a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.byteLength;
  }
  return whole;
}

export function bytesOf(pcm: Int16Array): Uint8Array {
  return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

export interface Wav {
  readonly sampleRateHz: number;
  readonly pcm: Int16Array;
}

/**
 * Reads a mono 16-bit PCM WAV. A data chunk whose size runs past the end
 * (espeak-ng writing to a pipe says 0x7fffffff) is taken to the end.
 */
export function parseWav(bytes: Uint8Array): Wav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a WAV file');
  let at = 12;
  let sampleRateHz = 0;
  while (at + 8 <= bytes.byteLength) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      const format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const bits = view.getUint16(body + 14, true);
      if (format !== 1 || channels !== 1 || bits !== 16) throw new Error(`unsupported WAV: format ${format}, ${channels} channels, ${bits} bits (want PCM mono 16-bit)`);
      sampleRateHz = view.getUint32(body + 4, true);
    } else if (id === 'data') {
      if (!sampleRateHz) throw new Error('WAV data before its fmt chunk');
      const end = Math.min(bytes.byteLength, body + size);
      return { sampleRateHz, pcm: samples(bytes.slice(body, end)) };
    }
    at = body + size + (size & 1);
  }
  throw new Error('WAV without a data chunk');
}

/**
 * Cuts the silence engines put around speech (flite: ~225 ms before every
 * sentence, which the caller would hear as latency) down to a short margin.
 * The trailing margin is the pause between sentences.
 */
export function trimSilence(pcm: Int16Array, sampleRateHz: number, options: { leadMs: number; trailMs: number; threshold?: number }): Int16Array {
  const threshold = options.threshold ?? 200; // about -44 dBFS
  let first = 0;
  while (first < pcm.length && Math.abs(pcm[first] ?? 0) < threshold) first++;
  if (first === pcm.length) return pcm.subarray(0, 0);
  let last = pcm.length - 1;
  while (last > first && Math.abs(pcm[last] ?? 0) < threshold) last--;
  const lead = Math.round((options.leadMs * sampleRateHz) / 1000);
  const trail = Math.round((options.trailMs * sampleRateHz) / 1000);
  return pcm.subarray(Math.max(0, first - lead), Math.min(pcm.length, last + 1 + trail));
}

export type FrameMeta = Omit<SynthesizedFrame, 'audio' | 'sampleRateHz' | 'sentenceEnd' | 'text'> & { readonly text?: string };
export type MutableFrame = { -readonly [K in keyof SynthesizedFrame]: SynthesizedFrame[K] };

/** One sentence's audio as 20 ms frames; the last is padded with silence, and there is always at least one. */
export function toFrames(audio: Uint8Array, sampleRateHz: number, meta: FrameMeta): MutableFrame[] {
  const size = bytesPerFrame(sampleRateHz);
  const count = Math.max(1, Math.ceil(audio.byteLength / size));
  // One copy per sentence, so frames never share memory with engine buffers.
  const whole = new Uint8Array(count * size);
  whole.set(audio.subarray(0, whole.byteLength));
  const frames: MutableFrame[] = [];
  for (let i = 0; i < count; i++) {
    frames.push({
      audio: whole.subarray(i * size, (i + 1) * size),
      sampleRateHz,
      sentenceIndex: meta.sentenceIndex,
      replyIndex: meta.replyIndex,
      ...(i === 0 && meta.text !== undefined ? { text: meta.text } : {}),
      sentenceEnd: i === count - 1,
      replyEnd: i === count - 1 && meta.replyEnd,
    });
  }
  return frames;
}

/** Root-mean-square level of linear16 audio, 0–32768 (a silence check for tests and diagnostics). */
export function rms(audio: Uint8Array): number {
  const s = samples(audio);
  if (s.length === 0) return 0;
  let sum = 0;
  for (const x of s) sum += x * x;
  return Math.sqrt(sum / s.length);
}

/**
 * One sentence's audio framed as it arrives (for engines that stream it):
 * whole frames go out at once, but the last bytes are held back until end(),
 * because only then is it known which frame is the sentence's last (padded,
 * flagged). The meta is read at end(), so a replyEnd set meanwhile counts.
 */
export class SentenceFramer {
  private held = new Uint8Array(0);
  private started = false;

  constructor(
    private readonly sampleRateHz: number,
    private readonly meta: FrameMeta,
  ) {}

  /** Frames that are complete and certainly not the sentence's last. */
  push(audio: Uint8Array): MutableFrame[] {
    if (audio.byteLength === 0) return [];
    const size = bytesPerFrame(this.sampleRateHz);
    const joined = concatBytes([this.held, audio]);
    const count = Math.floor((joined.byteLength - 1) / size); // at least one byte stays for end()
    this.held = joined.slice(count * size);
    const frames: MutableFrame[] = [];
    for (let i = 0; i < count; i++) {
      frames.push({
        audio: joined.subarray(i * size, (i + 1) * size),
        sampleRateHz: this.sampleRateHz,
        sentenceIndex: this.meta.sentenceIndex,
        replyIndex: this.meta.replyIndex,
        ...(!this.started && this.meta.text !== undefined ? { text: this.meta.text } : {}),
        sentenceEnd: false,
        replyEnd: false,
      });
      this.started = true;
    }
    return frames;
  }

  /** The rest, with `audio` appended: at least one frame, the last padded and flagged. */
  end(audio: Uint8Array = new Uint8Array(0)): MutableFrame[] {
    const rest = concatBytes([this.held, audio]);
    this.held = new Uint8Array(0);
    const { text, ...meta } = this.meta;
    return toFrames(rest, this.sampleRateHz, this.started || text === undefined ? meta : { ...meta, text });
  }
}
