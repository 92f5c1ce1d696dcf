import { Resampler } from '@voiceagent/audio';
import { bytesOf, samples } from '../../domain/pcm';

/**
 * linear16 bytes as they come off the network, at the rate asked for. At the
 * engine's own rate they pass through untouched (framing joins any split);
 * otherwise a streaming resampler runs, which needs whole samples, so an odd
 * byte waits for the next piece.
 */
export class PcmReceiver {
  private readonly resampler: Resampler | undefined;
  private odd: Uint8Array | undefined;
  private samplesIn = 0;
  private samplesOut = 0;

  constructor(
    private readonly fromRateHz: number,
    private readonly toRateHz: number,
  ) {
    if (fromRateHz !== toRateHz) this.resampler = new Resampler(fromRateHz, toRateHz, { compensateDelay: true });
  }

  push(bytes: Uint8Array): Uint8Array {
    if (!this.resampler) return bytes;
    let joined = bytes;
    if (this.odd) {
      joined = new Uint8Array(this.odd.byteLength + bytes.byteLength);
      joined.set(this.odd);
      joined.set(bytes, this.odd.byteLength);
    }
    const even = joined.byteLength & ~1;
    this.odd = even < joined.byteLength ? joined.slice(even) : undefined;
    const input = samples(joined.subarray(0, even));
    this.samplesIn += input.length;
    const output = this.resampler.process(input);
    this.samplesOut += output.length;
    return bytesOf(output);
  }

  /** What the resampler still holds (its filter delay), cut to the input's length at the new rate. */
  end(): Uint8Array {
    if (!this.resampler) return new Uint8Array(0);
    const tail = new Int16Array(Math.ceil((this.resampler.delaySamples * this.fromRateHz) / this.toRateHz) + 2);
    const due = Math.max(0, Math.floor((this.samplesIn * this.toRateHz) / this.fromRateHz) - this.samplesOut);
    const rest = this.resampler.process(tail).subarray(0, due);
    this.samplesOut += rest.length;
    return bytesOf(rest);
  }
}
