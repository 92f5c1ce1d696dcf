/** linear16: signed 16-bit little-endian PCM, the bus format (DESIGN.md). */

const FULL_SCALE = 32768;
/** What `rmsDbfs` reports for digital silence, instead of -Infinity. */
export const SILENCE_DBFS = -100;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Samples of linear16 bytes. A view sharing memory when the bytes are 2-byte
 * aligned (and the host is little-endian, as every Node target is); a copy
 * otherwise, so writes through the result reach `bytes` only in the first case.
 */
export function int16View(bytes: Uint8Array): Int16Array {
  if (bytes.byteLength % 2 !== 0) throw new RangeError(`linear16 needs an even number of bytes, got ${bytes.byteLength}`);
  if (HOST_IS_LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const samples = new Int16Array(bytes.byteLength / 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  return samples;
}

/** linear16 bytes of samples; a view sharing memory on little-endian hosts. */
export function linear16Bytes(samples: Int16Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const bytes = new Uint8Array(samples.byteLength);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] ?? 0, true);
  return bytes;
}

/** Mean of the squared samples, normalised so that a full-scale square wave is 1. */
export function meanSquare(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] ?? 0;
    sum += s * s;
  }
  return sum / samples.length / (FULL_SCALE * FULL_SCALE);
}

/** RMS relative to full scale, 0..1. */
export function rms(samples: Int16Array): number {
  return Math.sqrt(meanSquare(samples));
}

/**
 * RMS level in dBFS: 0 for a full-scale square wave, about -3 for a
 * full-scale sine, floored at SILENCE_DBFS so that silence stays a finite
 * number (loggable, JSON-safe).
 */
export function rmsDbfs(samples: Int16Array): number {
  const power = meanSquare(samples);
  return power === 0 ? SILENCE_DBFS : Math.max(SILENCE_DBFS, 10 * Math.log10(power));
}
