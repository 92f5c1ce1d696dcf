import { describe, expect, it } from 'vitest';
import { Repacketizer } from '../src/rtp/repacketizer';
import type { RtpPacket } from '../src/rtp/packet';

const packet = (sequenceNumber: number, timestamp: number, samples: number, fill = sequenceNumber): RtpPacket => ({
  version: 2,
  padding: false,
  extension: false,
  csrcCount: 0,
  marker: false,
  payloadType: 8,
  sequenceNumber,
  timestamp,
  ssrc: 7,
  csrcs: [],
  payload: new Uint8Array(samples).fill(fill),
  paddingLength: 0,
} as unknown as RtpPacket);

describe('Repacketizer', () => {
  it('cuts 30 ms packets into consecutive 20 ms frames with continuous timestamps', () => {
    const r = new Repacketizer();
    const frames = [0, 1, 2, 3].flatMap((i) => r.split(packet(100 + i, 1000 + i * 240, 240)));
    expect(frames.map((f) => f.payload.length)).toEqual([160, 160, 160, 160, 160, 160]);
    expect(frames.map((f) => f.timestamp - 1000)).toEqual([0, 160, 320, 480, 640, 800]);
    expect(frames.map((f) => f.sequenceNumber)).toEqual([0, 1, 2, 3, 4, 5]);
    // The second frame is half of packet 100 and half of packet 101.
    expect([...frames[1]!.payload.subarray(78, 82)]).toEqual([100, 100, 101, 101]);
  });

  it('joins 10 ms packets and leaves a hole where audio was lost, so the jitter buffer conceals it', () => {
    const r = new Repacketizer();
    const frames = [r.split(packet(1, 0, 80)), r.split(packet(2, 80, 80)), r.split(packet(5, 320, 80)), r.split(packet(6, 400, 80))];
    expect(frames.map((f) => f.length)).toEqual([0, 1, 0, 1]);
    expect(frames[1]![0]!.sequenceNumber).toBe(0);
    expect(frames[3]![0]!.sequenceNumber).toBe(2);
    expect(frames[3]![0]!.timestamp).toBe(320);
  });

  it('refuses packets longer than 200 ms', () => {
    expect(() => new Repacketizer().split(packet(1, 0, 1601))).toThrow(RangeError);
  });
});
