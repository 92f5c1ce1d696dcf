import { RtpParseError } from './packet';

/** RFC 4733 telephone-events: the payload format, a DTMF detector and the event sequence a sender emits. */

export interface TelephoneEvent {
  /** 0-9, 10 = *, 11 = #, 12-15 = A-D; other codes are tones DTMF ignores. */
  readonly event: number;
  readonly end: boolean;
  /** Power level as -dBm0, 0..63. */
  readonly volume: number;
  /** Duration so far in RTP timestamp units, counted from the event's timestamp. */
  readonly duration: number;
}

export const TELEPHONE_EVENT_BYTES = 4;
const DTMF_DIGITS = '0123456789*#ABCD';

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < TELEPHONE_EVENT_BYTES) throw new RtpParseError('bad-telephone-event', `${payload.length} bytes, an event needs ${TELEPHONE_EVENT_BYTES}`);
  const flags = payload[1] ?? 0;
  return {
    event: payload[0] ?? 0,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: ((payload[2] ?? 0) << 8) | (payload[3] ?? 0),
  };
}

/** Writes the 4-byte payload at `offset`; returns 4. */
export function writeTelephoneEvent(event: TelephoneEvent, out: Uint8Array, offset = 0): number {
  const check = (name: string, value: number, max: number) => {
    if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`telephone-event ${name} must be an integer in 0..${max}, got ${value}`);
  };
  check('event', event.event, 0xff);
  check('volume', event.volume, 0x3f);
  check('duration', event.duration, 0xffff);
  if (offset < 0 || offset + TELEPHONE_EVENT_BYTES > out.length) throw new RangeError(`telephone-event needs 4 bytes at offset ${offset}, buffer has ${out.length}`);
  out[offset] = event.event;
  out[offset + 1] = (event.end ? 0x80 : 0) | event.volume;
  out[offset + 2] = event.duration >>> 8;
  out[offset + 3] = event.duration;
  return TELEPHONE_EVENT_BYTES;
}

/** The event code of a DTMF digit (0-9, *, #, A-D, case-insensitive); RangeError for anything else. */
export function dtmfEventCode(digit: string): number {
  const code = digit.length === 1 ? DTMF_DIGITS.indexOf(digit.toUpperCase()) : -1;
  if (code < 0) throw new RangeError(`"${digit}" is not a DTMF digit (0-9, *, #, A-D)`);
  return code;
}

/** The DTMF digit of an event code, or undefined for non-DTMF events. */
export function dtmfDigit(event: number): string | undefined {
  return event >= 0 && event < DTMF_DIGITS.length ? DTMF_DIGITS[event] : undefined;
}

export interface TelephoneEventSequenceOptions {
  /** Default 100 ms (the usual tone length). */
  readonly durationMs?: number;
  /** Default 10 (-10 dBm0). */
  readonly volume?: number;
  /** Default 8000. */
  readonly clockRateHz?: number;
  /** Interval between packets; default 20 ms. */
  readonly packetMs?: number;
}

/**
 * The payloads a sender emits for one event, one per packet interval, all
 * under the same RTP timestamp (the event start): updates with growing
 * duration, then the final duration three times with the end bit (RFC 4733
 * section 2.5.1.4). The sender sets the marker bit on the first packet.
 */
export function telephoneEventSequence(event: number, options: TelephoneEventSequenceOptions = {}): TelephoneEvent[] {
  const { durationMs = 100, volume = 10, clockRateHz = 8000, packetMs = 20 } = options;
  const step = (clockRateHz * packetMs) / 1000;
  const packets = Math.max(1, Math.round(durationMs / packetMs));
  // One segment only: longer events would need RFC 4733's segmentation, which no DTMF needs.
  if (packets * step > 0xffff) throw new RangeError(`telephone-event of ${durationMs} ms exceeds one ${Math.floor((0xffff * 1000) / clockRateHz)} ms segment`);
  const sequence: TelephoneEvent[] = [];
  for (let k = 1; k < packets; k++) sequence.push({ event, end: false, volume, duration: k * step });
  for (let k = 0; k < 3; k++) sequence.push({ event, end: true, volume, duration: packets * step });
  return sequence;
}

export interface DtmfDigitEvent {
  readonly digit: string;
  readonly durationMs: number;
  readonly volume: number;
  /** RTP timestamp of the event start. */
  readonly timestamp: number;
}

export interface DtmfDetectorOptions {
  /** Default 8000. */
  readonly clockRateHz?: number;
  /** An event that stops updating for this long without an end packet is reported anyway; default 250 ms. */
  readonly endTimeoutMs?: number;
}

interface OpenEvent {
  readonly event: number;
  readonly start: number;
  /** Timestamp of the current segment (a long event continues under a new timestamp). */
  segment: number;
  duration: number;
  volume: number;
  lastSeenMs: number;
}

const int32 = (value: number) => value | 0;
/** Timestamps further apart than this (10 s at 8 kHz) belong to another timeline, never "before" one another. */
const TIMELINE_SPAN = 80_000;

/**
 * Turns telephone-event packets into digits, each reported once when it
 * ends: end-packet retransmits, redundant updates and stragglers that share
 * the event's timestamp are absorbed. A digit whose end packets were all lost
 * is reported when the next event starts or after `endTimeoutMs` (`expire()`).
 */
export class DtmfDetector {
  private readonly clockRateHz: number;
  private readonly endTimeoutMs: number;
  private open: OpenEvent | undefined;
  /** Segment timestamp and end of the last reported event: anything at or before it is a leftover. */
  private reportedSegment: number | undefined;
  private reportedEnd = 0;

  constructor(
    private readonly onDigit: (digit: DtmfDigitEvent) => void,
    options: DtmfDetectorOptions = {},
  ) {
    this.clockRateHz = options.clockRateHz ?? 8000;
    this.endTimeoutMs = options.endTimeoutMs ?? 250;
  }

  /** Feeds one telephone-event packet: its RTP header fields, parsed payload and arrival time. */
  push(packet: { readonly timestamp: number; readonly marker: boolean }, event: TelephoneEvent, nowMs: number): void {
    const { timestamp } = packet;
    if (dtmfDigit(event.event) === undefined || this.isLeftover(timestamp)) return;
    let open = this.open;
    if (open && timestamp !== open.segment) {
      const ahead = int32(timestamp - open.segment);
      if (ahead < 0 && -ahead < TIMELINE_SPAN) return;
      // A long event goes on, without a marker, under a new timestamp where the last segment ended (RFC 4733 section 2.5.2.1).
      const continues = !packet.marker && event.event === open.event && ahead <= int32(open.start + open.duration - open.segment) + this.clockRateHz / 10;
      if (continues) {
        open.segment = timestamp;
      } else {
        this.report(open);
        open = undefined;
      }
    }
    if (!open) {
      open = { event: event.event, start: timestamp, segment: timestamp, duration: 0, volume: event.volume, lastSeenMs: nowMs };
      this.open = open;
    }
    open.duration = Math.max(open.duration, int32(open.segment - open.start) + event.duration);
    open.volume = event.volume;
    open.lastSeenMs = nowMs;
    if (event.end) this.report(open);
  }

  /** Reports an event whose end never came once it has been silent for `endTimeoutMs`. */
  expire(nowMs: number): void {
    if (this.open && nowMs - this.open.lastSeenMs >= this.endTimeoutMs) this.report(this.open);
  }

  private isLeftover(timestamp: number): boolean {
    if (this.reportedSegment === undefined) return false;
    if (timestamp === this.reportedSegment) return true;
    const behind = int32(this.reportedEnd - timestamp);
    return behind > 0 && behind < TIMELINE_SPAN;
  }

  private report(open: OpenEvent): void {
    this.open = undefined;
    this.reportedSegment = open.segment;
    this.reportedEnd = (open.start + open.duration) >>> 0;
    this.onDigit({
      digit: dtmfDigit(open.event) ?? '',
      durationMs: (open.duration * 1000) / this.clockRateHz,
      volume: open.volume,
      timestamp: open.start,
    });
  }
}
