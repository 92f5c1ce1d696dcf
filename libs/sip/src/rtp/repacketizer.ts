import type { RtpPacket } from './packet';

/** Samples in one 20 ms G.711 frame at 8 kHz: the playout clock's unit. */
const FRAME_SAMPLES = 160;
/** RFC 3551 §4.5: receivers should take packets of up to 200 ms. */
const MAX_PACKET_SAMPLES = 1600;

export type Frame20 = Pick<RtpPacket, 'sequenceNumber' | 'timestamp' | 'ssrc' | 'marker' | 'payload'>;

/**
 * Cuts G.711 packets of any duration (10, 30, 40 ms... as some PBXs and
 * gateways send, whatever ptime we asked for) into the 20 ms frames the jitter
 * buffer and playout clock work in. Frames get their own sequence numbers; a
 * gap in the sender's timestamps becomes the same gap in ours, so the jitter
 * buffer conceals it. Assumes packets of such streams arrive in order (no
 * reordering across a split packet); a jump resynchronises.
 */
export class Repacketizer {
  private carry = new Uint8Array(0);
  private nextTimestamp: number | undefined;
  private sequence = 0;
  private ssrc: number | undefined;

  /** Whether a G.711 payload of this many bytes is a packet we can play. */
  static accepts(samples: number): boolean {
    return samples > 0 && samples <= MAX_PACKET_SAMPLES;
  }

  /** The 20 ms frames a packet completes (none, one or several). */
  split(packet: RtpPacket): Frame20[] {
    const samples = packet.payload.length;
    if (!Repacketizer.accepts(samples)) throw new RangeError(`a ${samples}-byte G.711 payload is not a playable packet`);
    const gap = this.nextTimestamp === undefined || packet.ssrc !== this.ssrc ? undefined : (packet.timestamp - this.nextTimestamp) >>> 0;
    if (gap === undefined || gap > FRAME_SAMPLES * 50) {
      // New stream, or a jump too far to be loss: start again from this packet.
      this.carry = new Uint8Array(0);
      this.ssrc = packet.ssrc;
    } else if (gap > 0) {
      // Lost audio: drop the partial frame and leave a hole of the lost frames' size.
      this.sequence = (this.sequence + Math.ceil((gap + this.carry.length) / FRAME_SAMPLES)) & 0xffff;
      this.carry = new Uint8Array(0);
    }
    const bytes = new Uint8Array(this.carry.length + samples);
    bytes.set(this.carry);
    bytes.set(packet.payload, this.carry.length);
    const firstTimestamp = (packet.timestamp - this.carry.length) >>> 0;
    const frames: Frame20[] = [];
    let at = 0;
    for (; at + FRAME_SAMPLES <= bytes.length; at += FRAME_SAMPLES) {
      frames.push({
        sequenceNumber: this.sequence,
        timestamp: (firstTimestamp + at) >>> 0,
        ssrc: packet.ssrc,
        marker: packet.marker && at === 0,
        payload: bytes.subarray(at, at + FRAME_SAMPLES),
      });
      this.sequence = (this.sequence + 1) & 0xffff;
    }
    this.carry = bytes.slice(at);
    this.nextTimestamp = (packet.timestamp + samples) >>> 0;
    return frames;
  }
}
