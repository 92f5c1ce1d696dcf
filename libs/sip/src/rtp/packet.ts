/** RTP packets (RFC 3550 section 5.1) and telling RTCP apart on a shared port (RFC 5761). */

export type RtpParseErrorReason =
  | 'too-short'
  | 'bad-version'
  | 'rtcp'
  | 'truncated-csrc'
  | 'truncated-extension'
  | 'bad-padding'
  | 'bad-telephone-event';

/** The only error the RTP parsers throw: the datagram is not a usable packet, and why. */
export class RtpParseError extends Error {
  override readonly name = 'RtpParseError';
  constructor(
    readonly reason: RtpParseErrorReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

export interface RtpHeaderExtension {
  /** The 16-bit "defined by profile" field (0xBEDE for RFC 8285 one-byte headers). */
  readonly profile: number;
  /** The extension body, a multiple of 4 bytes. */
  readonly data: Uint8Array;
}

export interface RtpHeader {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly extension: RtpHeaderExtension | undefined;
}

export interface RtpPacket extends RtpHeader {
  /** The payload without padding; shares memory with the datagram. */
  readonly payload: Uint8Array;
  readonly paddingLength: number;
}

/** What `writeRtpHeader` needs; CSRCs and extension are optional. */
export interface RtpHeaderFields {
  readonly marker?: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
  readonly extension?: RtpHeaderExtension;
}

export const RTP_HEADER_BYTES = 12;
const NO_CSRCS: readonly number[] = Object.freeze([]);

const u16 = (bytes: Uint8Array, at: number) => ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
const u32 = (bytes: Uint8Array, at: number) => (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0;

/**
 * RFC 5761 section 4: with RTP and RTCP on one port, a second octet of
 * 192..223 is an RTCP packet type (SR, RR, SDES, BYE, APP, feedback, XR).
 */
export function isRtcpPacket(datagram: Uint8Array): boolean {
  const second = datagram[1] ?? 0;
  return datagram.length >= 4 && ((datagram[0] ?? 0) & 0xc0) === 0x80 && second >= 192 && second <= 223;
}

/** Parses and validates one RTP datagram; throws RtpParseError, and nothing else, on anything malformed. */
export function parseRtpPacket(datagram: Uint8Array): RtpPacket {
  const length = datagram.length;
  if (length < RTP_HEADER_BYTES) throw new RtpParseError('too-short', `${length} bytes, an RTP header needs ${RTP_HEADER_BYTES}`);
  const first = datagram[0] ?? 0;
  const second = datagram[1] ?? 0;
  if (first >> 6 !== 2) throw new RtpParseError('bad-version', `version ${first >> 6}, expected 2`);
  if (isRtcpPacket(datagram)) throw new RtpParseError('rtcp', `packet type ${second} is RTCP`);

  const csrcCount = first & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (offset > length) throw new RtpParseError('truncated-csrc', `${csrcCount} CSRCs need ${offset} bytes, got ${length}`);
  let csrcs = NO_CSRCS;
  if (csrcCount > 0) {
    const list: number[] = [];
    for (let i = 0; i < csrcCount; i++) list.push(u32(datagram, RTP_HEADER_BYTES + i * 4));
    csrcs = list;
  }

  let extension: RtpHeaderExtension | undefined;
  if (first & 0x10) {
    if (offset + 4 > length) throw new RtpParseError('truncated-extension', `extension header needs ${offset + 4} bytes, got ${length}`);
    const profile = u16(datagram, offset);
    const dataBytes = u16(datagram, offset + 2) * 4;
    const dataStart = offset + 4;
    if (dataStart + dataBytes > length) throw new RtpParseError('truncated-extension', `extension of ${dataBytes} bytes overruns the ${length}-byte packet`);
    extension = { profile, data: datagram.subarray(dataStart, dataStart + dataBytes) };
    offset = dataStart + dataBytes;
  }

  let paddingLength = 0;
  if (first & 0x20) {
    paddingLength = datagram[length - 1] ?? 0;
    if (paddingLength === 0 || offset + paddingLength > length) {
      throw new RtpParseError('bad-padding', `padding of ${paddingLength} bytes does not fit the ${length - offset} bytes after the header`);
    }
  }

  return {
    marker: (second & 0x80) !== 0,
    payloadType: second & 0x7f,
    sequenceNumber: u16(datagram, 2),
    timestamp: u32(datagram, 4),
    ssrc: u32(datagram, 8),
    csrcs,
    extension,
    payload: datagram.subarray(offset, length - paddingLength),
    paddingLength,
  };
}

function writeU16(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 8;
  out[at + 1] = value;
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

export function rtpHeaderLength(fields: RtpHeaderFields): number {
  return RTP_HEADER_BYTES + (fields.csrcs?.length ?? 0) * 4 + (fields.extension ? 4 + fields.extension.data.length : 0);
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`RTP ${name} must be an integer in 0..${max}, got ${value}`);
}

/** Writes an RTP header (no padding) into `out` at `offset`; returns its length, so the payload can be written in place after it. */
export function writeRtpHeader(fields: RtpHeaderFields, out: Uint8Array, offset = 0): number {
  const csrcs = fields.csrcs ?? NO_CSRCS;
  const { extension } = fields;
  checkField('payload type', fields.payloadType, 0x7f);
  checkField('sequence number', fields.sequenceNumber, 0xffff);
  checkField('timestamp', fields.timestamp, 0xffffffff);
  checkField('SSRC', fields.ssrc, 0xffffffff);
  if (csrcs.length > 15) throw new RangeError(`RTP carries at most 15 CSRCs, got ${csrcs.length}`);
  if (extension && (extension.data.length % 4 !== 0 || extension.data.length > 0xffff * 4)) {
    throw new RangeError(`RTP header extension data must be a multiple of 4 bytes up to ${0xffff * 4}, got ${extension.data.length}`);
  }
  const length = rtpHeaderLength(fields);
  if (offset < 0 || offset + length > out.length) throw new RangeError(`RTP header needs ${length} bytes at offset ${offset}, buffer has ${out.length}`);

  out[offset] = 0x80 | (extension ? 0x10 : 0) | csrcs.length;
  out[offset + 1] = (fields.marker ? 0x80 : 0) | fields.payloadType;
  writeU16(out, offset + 2, fields.sequenceNumber);
  writeU32(out, offset + 4, fields.timestamp);
  writeU32(out, offset + 8, fields.ssrc);
  let at = offset + RTP_HEADER_BYTES;
  for (const csrc of csrcs) {
    checkField('CSRC', csrc, 0xffffffff);
    writeU32(out, at, csrc);
    at += 4;
  }
  if (extension) {
    checkField('extension profile', extension.profile, 0xffff);
    writeU16(out, at, extension.profile);
    writeU16(out, at + 2, extension.data.length / 4);
    out.set(extension.data, at + 4);
  }
  return length;
}

/** Serializes a whole packet into a preallocated buffer; returns the packet length. */
export function serializeRtpPacket(packet: RtpHeaderFields & { readonly payload: Uint8Array }, out: Uint8Array, offset = 0): number {
  const headerLength = rtpHeaderLength(packet);
  if (offset < 0 || offset + headerLength + packet.payload.length > out.length) {
    throw new RangeError(`RTP packet needs ${headerLength + packet.payload.length} bytes at offset ${offset}, buffer has ${out.length}`);
  }
  writeRtpHeader(packet, out, offset);
  out.set(packet.payload, offset + headerLength);
  return headerLength + packet.payload.length;
}
