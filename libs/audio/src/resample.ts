/**
 * Streaming rational resampling of linear16 (8k <-> 16k, 24k/48k -> 8k, any
 * integer rates): a polyphase FIR with a Kaiser-windowed sinc low-pass.
 *
 * Hand-written: the npm resamplers either work on whole buffers
 * (wave-resampler) or need async WASM set-up (libsamplerate-js), while calls
 * feed 20 ms chunks and need state carried between them with no extra latency.
 */

/** Sinc zero crossings on each side of the centre tap: sharper edge, more taps. */
const ZERO_CROSSINGS = 16;
/** Kaiser beta for roughly 70 dB stopband attenuation. */
const KAISER_BETA = 7;
/** Pass band edge as a share of the lower rate's Nyquist frequency. */
const CUTOFF_SHARE = 0.9;

export interface ResamplerOptions {
  /**
   * Start the output at the input's first sample rather than at the filter's
   * ramp-in: output k then lines up with input time k / toRateHz, and the
   * first chunk yields fewer samples. Off by default, so that every 20 ms in
   * gives exactly 20 ms out.
   */
  readonly compensateDelay?: boolean;
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

/** Modified Bessel function of the first kind, order 0 (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

export class Resampler {
  /** Upsampling factor L and downsampling factor M: out = in * L / M. */
  private readonly up: number;
  private readonly down: number;
  /** Taps per polyphase branch. */
  private readonly taps: number;
  /** Branch p holds the taps for input x[j - i] at i = 0..taps-1, flattened. */
  private readonly coefficients: Float64Array;
  private readonly initialInputIndex: number;
  private readonly initialPhase: number;
  /** [taps - 1 samples of history | current chunk]. */
  private work: Int16Array;
  private inputIndex: number;
  private phase: number;
  /** Group delay of the filter, in output samples. */
  readonly delaySamples: number;

  constructor(
    readonly fromRateHz: number,
    readonly toRateHz: number,
    options: ResamplerOptions = {},
  ) {
    if (!Number.isInteger(fromRateHz) || !Number.isInteger(toRateHz) || fromRateHz <= 0 || toRateHz <= 0) {
      throw new RangeError(`resampling needs positive integer rates, got ${fromRateHz} -> ${toRateHz}`);
    }
    const divisor = greatestCommonDivisor(fromRateHz, toRateHz);
    this.up = toRateHz / divisor;
    this.down = fromRateHz / divisor;

    // Designed at the upsampled rate; cuts below the lower of the two Nyquist frequencies.
    const upsampledRate = fromRateHz * this.up;
    const cutoff = (CUTOFF_SHARE * Math.min(fromRateHz, toRateHz)) / 2 / upsampledRate;
    const halfLength = Math.ceil(ZERO_CROSSINGS / (2 * cutoff));
    const length = 2 * halfLength + 1;
    const prototype = new Float64Array(length);
    let sum = 0;
    for (let n = 0; n < length; n++) {
      const t = n - halfLength;
      const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
      const window = besselI0(KAISER_BETA * Math.sqrt(1 - (t / halfLength) ** 2)) / besselI0(KAISER_BETA);
      prototype[n] = sinc * window;
      sum += sinc * window;
    }
    // Unity gain at DC for every branch: zero-stuffing divides the level by L.
    const gain = this.up / sum;

    this.taps = Math.ceil(length / this.up);
    this.coefficients = new Float64Array(this.up * this.taps);
    for (let p = 0; p < this.up; p++) {
      for (let i = 0; i < this.taps; i++) this.coefficients[p * this.taps + i] = (prototype[p + i * this.up] ?? 0) * gain;
    }

    this.delaySamples = halfLength / this.down;
    const start = options.compensateDelay ? halfLength : 0;
    this.initialInputIndex = Math.floor(start / this.up);
    this.initialPhase = start % this.up;
    this.inputIndex = this.initialInputIndex;
    this.phase = this.initialPhase;
    this.work = new Int16Array(this.taps - 1 + 960);
  }

  /** Most output samples that `inputLength` more input samples can produce. */
  maxOutputLength(inputLength: number): number {
    return Math.ceil((inputLength * this.up) / this.down);
  }

  /** Resamples the next chunk into `out`; returns the number of samples written. */
  processInto(input: Int16Array, out: Int16Array): number {
    if (out.length < this.maxOutputLength(input.length)) {
      throw new RangeError(`resampler output needs room for ${this.maxOutputLength(input.length)} samples, got ${out.length}`);
    }
    const history = this.taps - 1;
    if (this.work.length < history + input.length) {
      const grown = new Int16Array(history + input.length);
      grown.set(this.work.subarray(0, history));
      this.work = grown;
    }
    const { work, coefficients, taps, up, down } = this;
    work.set(input, history);

    let written = 0;
    let inputIndex = this.inputIndex;
    let phase = this.phase;
    while (inputIndex < input.length) {
      const newest = inputIndex + history;
      const branch = phase * taps;
      let acc = 0;
      for (let i = 0; i < taps; i++) acc += (coefficients[branch + i] ?? 0) * (work[newest - i] ?? 0);
      const rounded = Math.round(acc);
      out[written++] = rounded > 32767 ? 32767 : rounded < -32768 ? -32768 : rounded;
      phase += down;
      inputIndex += Math.floor(phase / up);
      phase %= up;
    }
    this.inputIndex = inputIndex - input.length;
    this.phase = phase;
    work.copyWithin(0, input.length, input.length + history);
    return written;
  }

  process(input: Int16Array): Int16Array {
    const out = new Int16Array(this.maxOutputLength(input.length));
    return out.subarray(0, this.processInto(input, out));
  }

  /** Forgets the history, as for a new stream. */
  reset(): void {
    this.work.fill(0);
    this.inputIndex = this.initialInputIndex;
    this.phase = this.initialPhase;
  }
}

/** Resamples a whole signal; the result is time-aligned with the input (no filter delay). */
export function resample(samples: Int16Array, fromRateHz: number, toRateHz: number): Int16Array {
  if (fromRateHz === toRateHz) return samples.slice();
  const resampler = new Resampler(fromRateHz, toRateHz, { compensateDelay: true });
  const length = Math.floor((samples.length * toRateHz) / fromRateHz);
  const tail = new Int16Array(Math.ceil((resampler.delaySamples * fromRateHz) / toRateHz) + 2);
  const out = new Int16Array(resampler.maxOutputLength(samples.length) + resampler.maxOutputLength(tail.length));
  const head = resampler.processInto(samples, out);
  resampler.processInto(tail, out.subarray(head));
  return out.slice(0, length);
}
