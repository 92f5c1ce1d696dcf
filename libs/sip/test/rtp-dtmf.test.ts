import { describe, expect, it } from 'vitest';
import {
  DtmfDetector,
  dtmfDigit,
  dtmfEventCode,
  parseTelephoneEvent,
  RtpParseError,
  telephoneEventSequence,
  writeTelephoneEvent,
  type DtmfDigitEvent,
  type TelephoneEvent,
} from '../src/rtp';
import { hex, seededRandom } from './rtp-helpers';

describe('telephone-event payload (RFC 4733)', () => {
  it('parses and writes event, end bit, volume and duration', () => {
    expect(parseTelephoneEvent(hex('05 8a 03 20'))).toEqual({ event: 5, end: true, volume: 10, duration: 800 });
    expect(parseTelephoneEvent(hex('0b 3f ff ff'))).toEqual({ event: 11, end: false, volume: 63, duration: 0xffff });
    const out = new Uint8Array(6);
    expect(writeTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 }, out, 2)).toBe(4);
    expect(Array.from(out)).toEqual([0, 0, 5, 0x8a, 3, 0x20]);
  });

  it('ignores the reserved bit on input and rejects short payloads with an RtpParseError', () => {
    expect(parseTelephoneEvent(hex('01 4a 00 a0'))).toEqual({ event: 1, end: false, volume: 10, duration: 160 });
    expect(() => parseTelephoneEvent(hex('01 4a 00'))).toThrow(RtpParseError);
    try {
      parseTelephoneEvent(new Uint8Array(0));
    } catch (error) {
      expect((error as RtpParseError).reason).toBe('bad-telephone-event');
    }
  });

  it('refuses fields out of range when writing', () => {
    expect(() => writeTelephoneEvent({ event: 256, end: false, volume: 0, duration: 0 }, new Uint8Array(4))).toThrow(RangeError);
    expect(() => writeTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 }, new Uint8Array(4))).toThrow(RangeError);
    expect(() => writeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 65536 }, new Uint8Array(4))).toThrow(RangeError);
    expect(() => writeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 0 }, new Uint8Array(5), 2)).toThrow(RangeError);
  });

  it('maps DTMF digits to event codes and back', () => {
    expect([...'0123456789*#ABCD'].map(dtmfEventCode)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(dtmfEventCode('a')).toBe(12);
    expect(dtmfDigit(10)).toBe('*');
    expect(dtmfDigit(11)).toBe('#');
    expect(dtmfDigit(16)).toBeUndefined();
    for (const bad of ['E', '12', '', ' ']) expect(() => dtmfEventCode(bad)).toThrow(RangeError);
  });
});

describe('telephoneEventSequence', () => {
  it('sends growing durations, then the final one three times with the end bit', () => {
    const sequence = telephoneEventSequence(5, { durationMs: 100 });
    expect(sequence.map((e) => e.duration)).toEqual([160, 320, 480, 640, 800, 800, 800]);
    expect(sequence.map((e) => e.end)).toEqual([false, false, false, false, true, true, true]);
    expect(sequence.every((e) => e.event === 5 && e.volume === 10)).toBe(true);
    expect(telephoneEventSequence(1, { durationMs: 20 }).map((e) => [e.duration, e.end])).toEqual([
      [160, true],
      [160, true],
      [160, true],
    ]);
    expect(() => telephoneEventSequence(1, { durationMs: 9000 })).toThrow(RangeError);
  });
});

interface EventPacket {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly marker: boolean;
  readonly payload: Uint8Array;
}

/** What a sender puts on the wire for `digits`: one packet per 20 ms, a 40 ms pause between digits. */
function wire(digits: string, durationMs = 100): EventPacket[] {
  const packets: EventPacket[] = [];
  let sequenceNumber = 1000;
  let tick = 0;
  for (const digit of digits) {
    const timestamp = 50_000 + tick * 160;
    telephoneEventSequence(dtmfEventCode(digit), { durationMs }).forEach((event, i) => {
      const payload = new Uint8Array(4);
      writeTelephoneEvent(event, payload);
      packets.push({ sequenceNumber: sequenceNumber++, timestamp, marker: i === 0, payload });
      tick++;
    });
    tick += 2;
  }
  return packets;
}

function detect(packets: EventPacket[], expireAtMs?: number): DtmfDigitEvent[] {
  const digits: DtmfDigitEvent[] = [];
  const detector = new DtmfDetector((d) => digits.push(d));
  packets.forEach((p, i) => detector.push(p, parseTelephoneEvent(p.payload), i * 20));
  if (expireAtMs !== undefined) detector.expire(expireAtMs);
  return digits;
}

describe('DtmfDetector', () => {
  it('round-trips generated digits, each reported once with its duration', () => {
    const digits = detect(wire('159*#D0'));
    expect(digits.map((d) => d.digit).join('')).toBe('159*#D0');
    expect(digits.every((d) => d.durationMs === 100 && d.volume === 10)).toBe(true);
    expect(digits[0]!.timestamp).toBe(50_000);
  });

  it('reports a repeated digit twice: a new timestamp is a new press', () => {
    expect(detect(wire('55')).map((d) => d.digit)).toEqual(['5', '5']);
  });

  it('absorbs duplicated, redundant and reordered packets', () => {
    const random = seededRandom(3);
    const packets = wire('2468');
    const noisy: EventPacket[] = [];
    for (const p of packets) {
      noisy.push(p);
      if (random() < 0.5) noisy.push(p);
    }
    // Swap neighbours now and then, as the network might.
    for (let i = 1; i < noisy.length; i++) if (random() < 0.2) [noisy[i - 1], noisy[i]] = [noisy[i]!, noisy[i - 1]!];
    expect(detect(noisy).map((d) => d.digit)).toEqual(['2', '4', '6', '8']);
  });

  it('still reports a digit whose start packet was lost', () => {
    expect(detect(wire('7').slice(1)).map((d) => d.digit)).toEqual(['7']);
  });

  it('reports a digit whose end packets were all lost when the next one starts, or after the timeout', () => {
    const packets = wire('12');
    const withoutFirstEnd = packets.filter((p, i) => !(i >= 4 && i <= 6));
    const digits = detect(withoutFirstEnd);
    expect(digits.map((d) => d.digit)).toEqual(['1', '2']);
    expect(digits[0]!.durationMs).toBe(80);
    const lone = wire('3').slice(0, 4);
    expect(detect(lone)).toEqual([]);
    expect(detect(lone, 60 + 249)).toEqual([]);
    expect(detect(lone, 60 + 250).map((d) => d.digit)).toEqual(['3']);
  });

  it('ignores non-DTMF events and stragglers of a reported digit', () => {
    const packets = wire('9');
    const flash: TelephoneEvent = { event: 16, end: true, volume: 10, duration: 800 };
    const digits: string[] = [];
    const detector = new DtmfDetector((d) => digits.push(d.digit));
    detector.push({ timestamp: 1, marker: true }, flash, 0);
    for (const p of packets) detector.push(p, parseTelephoneEvent(p.payload), 0);
    // A late update of the same event arrives after its end.
    detector.push(packets[1]!, parseTelephoneEvent(packets[1]!.payload), 0);
    detector.expire(10_000);
    expect(digits).toEqual(['9']);
  });

  it('follows a long event across segments without reporting it twice', () => {
    const digits: DtmfDigitEvent[] = [];
    const detector = new DtmfDetector((d) => digits.push(d));
    detector.push({ timestamp: 0, marker: true }, { event: 4, end: false, volume: 10, duration: 160 }, 0);
    detector.push({ timestamp: 0, marker: false }, { event: 4, end: false, volume: 10, duration: 0xffff }, 20);
    detector.push({ timestamp: 0xffff, marker: false }, { event: 4, end: false, volume: 10, duration: 800 }, 40);
    detector.push({ timestamp: 0xffff, marker: false }, { event: 4, end: true, volume: 10, duration: 1600 }, 60);
    expect(digits.map((d) => [d.digit, d.durationMs])).toEqual([['4', ((0xffff + 1600) * 1000) / 8000]]);
  });
});
