/**
 * ITU-T G.711 μ-law (PCMU) and A-law (PCMA), table driven.
 *
 * Hand-written rather than taken from npm: the maintained packages
 * (alawmulaw, x-law) only offer per-sample calls and allocating array calls,
 * while the RTP hot path needs allocation-free table lookups into buffers it
 * already owns (hundreds of calls x 50 packets/s).
 */

export interface G711Codec {
  /** Payload name as in SDP and RFC 3551. */
  readonly name: 'PCMU' | 'PCMA';
  /** Static RTP payload type (RFC 3551). */
  readonly payloadType: 0 | 8;
  /** The code that decodes closest to zero, for silence fill. */
  readonly silenceByte: number;
  encodeSample(sample: number): number;
  decodeSample(code: number): number;
  /** Encodes into `out` from `outOffset`; returns the number of bytes written. */
  encodeInto(samples: Int16Array, out: Uint8Array, outOffset?: number): number;
  /** Decodes into `out` from `outOffset`; returns the number of samples written. */
  decodeInto(codes: Uint8Array, out: Int16Array, outOffset?: number): number;
  encode(samples: Int16Array): Uint8Array;
  decode(codes: Uint8Array): Int16Array;
}

const MULAW_BIAS = 0x84;
// Largest magnitude that still fits the top segment once the bias is added.
const MULAW_CLIP = 32635;

function mulawEncodeReference(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), MULAW_CLIP) + MULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = sign | (exponent << 4) | mantissa;
  return ~magnitude & 0xff;
}

function mulawDecodeReference(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const magnitude = ((((inverted & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return inverted & 0x80 ? -magnitude : magnitude;
}

// A-law works on 13-bit magnitudes; these are the segment end points.
const ALAW_SEGMENT_ENDS = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function alawEncodeReference(sample: number): number {
  let value = sample >> 3;
  let mask = 0xd5;
  if (value < 0) {
    mask = 0x55;
    value = -value - 1;
  }
  const segment = ALAW_SEGMENT_ENDS.findIndex((end) => value <= end);
  if (segment < 0) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (value >> 1) & 0x0f : (value >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

function alawDecodeReference(code: number): number {
  const value = code ^ 0x55;
  const segment = (value & 0x70) >> 4;
  let magnitude = ((value & 0x0f) << 4) + (segment === 0 ? 8 : 0x108);
  if (segment > 1) magnitude <<= segment - 1;
  return value & 0x80 ? magnitude : -magnitude;
}

function buildCodec(
  name: G711Codec['name'],
  payloadType: G711Codec['payloadType'],
  encodeReference: (sample: number) => number,
  decodeReference: (code: number) => number,
): G711Codec {
  // Indexed by the sample's 16-bit two's complement pattern: one load per sample.
  const encodeTable = new Uint8Array(65536);
  for (let pattern = 0; pattern < 65536; pattern++) encodeTable[pattern] = encodeReference((pattern << 16) >> 16);
  const decodeTable = new Int16Array(256);
  for (let code = 0; code < 256; code++) decodeTable[code] = decodeReference(code);

  const encodeInto = (samples: Int16Array, out: Uint8Array, outOffset = 0): number => {
    const count = samples.length;
    if (outOffset < 0 || outOffset + count > out.length) throw new RangeError(`${name} encode needs ${count} bytes at offset ${outOffset}, buffer has ${out.length}`);
    for (let i = 0; i < count; i++) out[outOffset + i] = encodeTable[(samples[i] ?? 0) & 0xffff] ?? 0;
    return count;
  };
  const decodeInto = (codes: Uint8Array, out: Int16Array, outOffset = 0): number => {
    const count = codes.length;
    if (outOffset < 0 || outOffset + count > out.length) throw new RangeError(`${name} decode needs ${count} samples at offset ${outOffset}, buffer has ${out.length}`);
    for (let i = 0; i < count; i++) out[outOffset + i] = decodeTable[codes[i] ?? 0] ?? 0;
    return count;
  };
  return {
    name,
    payloadType,
    silenceByte: encodeReference(0),
    encodeSample: (sample) => encodeTable[sample & 0xffff] ?? 0,
    decodeSample: (code) => decodeTable[code & 0xff] ?? 0,
    encodeInto,
    decodeInto,
    encode: (samples) => {
      const out = new Uint8Array(samples.length);
      encodeInto(samples, out);
      return out;
    },
    decode: (codes) => {
      const out = new Int16Array(codes.length);
      decodeInto(codes, out);
      return out;
    },
  };
}

export const mulaw: G711Codec = buildCodec('PCMU', 0, mulawEncodeReference, mulawDecodeReference);
export const alaw: G711Codec = buildCodec('PCMA', 8, alawEncodeReference, alawDecodeReference);
