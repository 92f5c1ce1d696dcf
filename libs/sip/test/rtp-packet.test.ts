import { describe, expect, it } from 'vitest';
import { isRtcpPacket, parseRtpPacket, RtpParseError, rtpHeaderLength, serializeRtpPacket, writeRtpHeader, type RtpParseErrorReason } from '../src/rtp';
import { fuzzSeeds, hex, mutate, seededRandom } from './rtp-helpers';

function parseError(datagram: Uint8Array): RtpParseError {
  try {
    parseRtpPacket(datagram);
  } catch (error) {
    if (error instanceof RtpParseError) return error;
    throw error;
  }
  throw new Error('parsed without error');
}

describe('parseRtpPacket', () => {
  it('reads every header field of a plain packet, the payload as a view', () => {
    const datagram = hex('80 e0 12 34 de ad be ef 01 02 03 04 aa bb cc');
    const packet = parseRtpPacket(datagram);
    expect(packet).toMatchObject({ marker: true, payloadType: 96, sequenceNumber: 0x1234, timestamp: 0xdeadbeef, ssrc: 0x01020304, csrcs: [], extension: undefined, paddingLength: 0 });
    expect(Array.from(packet.payload)).toEqual([0xaa, 0xbb, 0xcc]);
    expect(packet.payload.buffer).toBe(datagram.buffer);
  });

  it('reads CSRCs, a header extension and padding', () => {
    // V=2 P=1 X=1 CC=2, PT 0, two CSRCs, a one-word 0xBEDE extension, 2 payload bytes, 3 bytes of padding.
    const datagram = hex('b2 00 00 01 00 00 00 a0 00 00 00 0b  00 00 00 01 00 00 00 02  be de 00 01 10 ff 00 00  7f 80  00 00 03');
    const packet = parseRtpPacket(datagram);
    expect(packet.csrcs).toEqual([1, 2]);
    expect(packet.extension?.profile).toBe(0xbede);
    expect(Array.from(packet.extension!.data)).toEqual([0x10, 0xff, 0, 0]);
    expect(Array.from(packet.payload)).toEqual([0x7f, 0x80]);
    expect(packet.paddingLength).toBe(3);
  });

  it('accepts an empty payload', () => {
    expect(parseRtpPacket(hex('80 00 00 01 00 00 00 00 00 00 00 01')).payload.length).toBe(0);
  });

  it.each<[string, string, RtpParseErrorReason]>([
    ['an 11-byte datagram', '80 00 00 01 00 00 00 00 00 00 00', 'too-short'],
    ['version 1', '40 00 00 01 00 00 00 00 00 00 00 01', 'bad-version'],
    ['version 0 (STUN and others)', '00 01 00 00 21 12 a4 42 00 00 00 00', 'bad-version'],
    ['an RTCP receiver report', '81 c9 00 07 00 00 00 01 00 00 00 00', 'rtcp'],
    ['CSRCs beyond the end', '83 00 00 01 00 00 00 00 00 00 00 01 00 00 00 01', 'truncated-csrc'],
    ['an extension header cut short', '90 00 00 01 00 00 00 00 00 00 00 01 be de', 'truncated-extension'],
    ['an extension longer than the packet', '90 00 00 01 00 00 00 00 00 00 00 01 be de 00 02 00 00 00 00', 'truncated-extension'],
    ['zero padding', 'a0 00 00 01 00 00 00 00 00 00 00 01 aa 00', 'bad-padding'],
    ['padding longer than the payload', 'a0 00 00 01 00 00 00 00 00 00 00 01 aa 05', 'bad-padding'],
  ])('rejects %s with reason %s', (_name, bytes, reason) => {
    const error = parseError(hex(bytes));
    expect(error.reason).toBe(reason);
    expect(error.message).toContain(reason);
  });
});

describe('isRtcpPacket (rtcp-mux demultiplexing)', () => {
  it('recognises RTCP packet types 192-223 and nothing else', () => {
    for (const type of [200, 201, 202, 203, 204, 205, 206, 207]) expect(isRtcpPacket(hex(`80 ${type.toString(16)} 00 01 00 00 00 01`))).toBe(true);
    for (const second of [0x00, 0x08, 0x80, 0x88, 0x65, 0xe5, 0x7f]) expect(isRtcpPacket(hex(`80 ${second.toString(16).padStart(2, '0')} 00 01 00 00 00 01 00 00 00 01`))).toBe(false);
    expect(isRtcpPacket(hex('00 c8 00 01'))).toBe(false);
    expect(isRtcpPacket(hex('80 c8'))).toBe(false);
  });
});

describe('serializeRtpPacket / writeRtpHeader', () => {
  it('round-trips every field through the parser, written at an offset into a preallocated buffer', () => {
    const cases = [
      { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: new Uint8Array(160).fill(0xff) },
      { marker: true, payloadType: 101, sequenceNumber: 65535, timestamp: 0xffffffff, ssrc: 0xffffffff, payload: Uint8Array.of(1, 0x8a, 3, 0x20) },
      { payloadType: 8, sequenceNumber: 7, timestamp: 123456, ssrc: 42, csrcs: [1, 0xfffffffe], extension: { profile: 0xbede, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }, payload: Uint8Array.of(9) },
    ];
    const buffer = new Uint8Array(512).fill(0xee);
    for (const fields of cases) {
      const length = serializeRtpPacket(fields, buffer, 100);
      expect(length).toBe(rtpHeaderLength(fields) + fields.payload.length);
      expect(buffer[99]).toBe(0xee);
      const parsed = parseRtpPacket(buffer.subarray(100, 100 + length));
      expect(parsed).toMatchObject({ marker: fields.marker ?? false, payloadType: fields.payloadType, sequenceNumber: fields.sequenceNumber, timestamp: fields.timestamp, ssrc: fields.ssrc, csrcs: fields.csrcs ?? [] });
      expect(Array.from(parsed.payload)).toEqual(Array.from(fields.payload));
      expect(parsed.extension?.profile).toBe(fields.extension?.profile);
      expect(parsed.extension && Array.from(parsed.extension.data)).toEqual(fields.extension && Array.from(fields.extension.data));
    }
  });

  it('writes the bytes RFC 3550 lays out', () => {
    const out = new Uint8Array(12);
    expect(writeRtpHeader({ marker: true, payloadType: 8, sequenceNumber: 0x0102, timestamp: 0x03040506, ssrc: 0x0708090a }, out)).toBe(12);
    expect(Array.from(out)).toEqual([0x80, 0x88, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('refuses out-of-range fields and buffers that are too small', () => {
    const base = { payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: new Uint8Array(4) };
    const out = new Uint8Array(64);
    expect(() => serializeRtpPacket({ ...base, payloadType: 128 }, out)).toThrow(RangeError);
    expect(() => serializeRtpPacket({ ...base, sequenceNumber: 65536 }, out)).toThrow(RangeError);
    expect(() => serializeRtpPacket({ ...base, timestamp: -1 }, out)).toThrow(RangeError);
    expect(() => serializeRtpPacket({ ...base, ssrc: 2 ** 32 }, out)).toThrow(RangeError);
    expect(() => serializeRtpPacket({ ...base, csrcs: Array(16).fill(1) }, new Uint8Array(200))).toThrow(RangeError);
    expect(() => serializeRtpPacket({ ...base, extension: { profile: 1, data: new Uint8Array(3) } }, out)).toThrow(RangeError);
    expect(() => serializeRtpPacket(base, new Uint8Array(15))).toThrow(RangeError);
    expect(() => writeRtpHeader(base, new Uint8Array(16), 8)).toThrow(RangeError);
  });
});

describe('parser fuzz', () => {
  it('only ever throws RtpParseError on 100,000 mutated datagrams, and what it accepts stays inside the datagram', () => {
    const random = seededRandom(0x5eed);
    const seeds = fuzzSeeds();
    const reasons = new Map<string, number>();
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) {
      const datagram = mutate(seeds[i % seeds.length]!, random);
      try {
        const packet = parseRtpPacket(datagram);
        accepted++;
        const start = packet.payload.byteOffset - datagram.byteOffset;
        if (start < 12 || start + packet.payload.length > datagram.length || packet.csrcs.length > 15 || packet.payloadType > 127) {
          throw new Error(`accepted an inconsistent packet from ${Buffer.from(datagram).toString('hex')}`);
        }
      } catch (error) {
        if (!(error instanceof RtpParseError)) throw error;
        reasons.set(error.reason, (reasons.get(error.reason) ?? 0) + 1);
      }
    }
    expect(accepted).toBeGreaterThan(10_000);
    expect([...reasons.keys()].sort()).toEqual(['bad-padding', 'bad-version', 'rtcp', 'too-short', 'truncated-csrc', 'truncated-extension']);
  });
});
