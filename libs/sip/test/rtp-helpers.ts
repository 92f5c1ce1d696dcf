import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { G711Codec } from '@voiceagent/audio';
import { parseRtpPacket, rtpHeaderLength, serializeRtpPacket, type PacingClock, type RtpPacket } from '../src/rtp';

/** mulberry32: a small seeded PRNG, so fuzz and jitter runs repeat exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A clock whose time moves only when told, with timers that fire late by
 * whatever `lateness()` says, as an event loop under load would.
 */
export class FakeClock implements PacingClock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  constructor(private readonly lateness: () => number = () => 0) {}

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(1, delayMs) + this.lateness(), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order at their (late) times. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let earliest: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= target && (!earliest || entry[1].at < earliest[1].at)) earliest = entry;
      if (!earliest) break;
      this.timers.delete(earliest[0]);
      this.time = Math.max(this.time, earliest[1].at);
      earliest[1].callback();
    }
    this.time = target;
  }
}

export interface ReceivedPacket {
  readonly packet: RtpPacket;
  readonly from: RemoteInfo;
  readonly atMs: number;
}

/** A plain UDP socket on loopback that records every RTP packet it gets, and can send raw datagrams. */
export class RtpSink {
  readonly received: ReceivedPacket[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (datagram, from) => {
      try {
        this.received.push({ packet: parseRtpPacket(datagram), from, atMs: performance.now() });
      } catch {
        // Not RTP: the tests that care count packets they sent themselves.
      }
    });
  }

  static open(): Promise<RtpSink> {
    return new Promise((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve(new RtpSink(socket)));
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(datagram: Uint8Array, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(datagram, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** 20 ms linear16 frames of a sine tone at 8 kHz, continuous across frames. */
export function toneFrames(count: number, frequencyHz = 1000, amplitude = 8000): Uint8Array[] {
  return Array.from({ length: count }, (_, f) => {
    const samples = Int16Array.from({ length: 160 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * (f * 160 + i)) / 8000)));
    return new Uint8Array(samples.buffer);
  });
}

export const samplesOf = (frame: Uint8Array) => new Int16Array(frame.buffer, frame.byteOffset, frame.length / 2);

/** A linear16 frame as it comes out after a trip through the codec. */
export const throughCodec = (codec: G711Codec, frame: Uint8Array) => new Uint8Array(codec.decode(codec.encode(samplesOf(frame))).buffer);

export function isSilent(frame: Uint8Array): boolean {
  return samplesOf(frame).every((s) => Math.abs(s) <= 8);
}

/** A serialized PCMU packet. */
export function pcmuPacket(fields: { sequenceNumber: number; timestamp: number; ssrc: number; marker?: boolean; payloadType?: number }, payload: Uint8Array = new Uint8Array(160).fill(0xff)): Uint8Array {
  const out = new Uint8Array(12 + payload.length);
  serializeRtpPacket({ payloadType: 0, ...fields, payload }, out);
  return out;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));

/** Mutations a hostile or broken network produces: bit flips, cuts, garbage, lying length fields. */
export function mutate(seed: Uint8Array, random: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  if (random() < 0.05) return Uint8Array.from({ length: pick(80) }, () => pick(256));
  let bytes = Uint8Array.from(seed);
  for (let round = 1 + pick(4); round > 0; round--) {
    switch (pick(8)) {
      case 0:
        if (bytes.length) bytes[pick(bytes.length)]! ^= 1 << pick(8);
        break;
      case 1:
        if (bytes.length) bytes[pick(bytes.length)] = pick(256);
        break;
      case 2:
        bytes = bytes.subarray(0, pick(bytes.length + 1));
        break;
      case 3:
        bytes = Uint8Array.from([...bytes, ...Array.from({ length: pick(40) }, () => pick(256))]);
        break;
      case 4:
        if (bytes.length) bytes[0] = (bytes[0]! & 0xf0) | pick(16);
        break;
      case 5:
        if (bytes.length) bytes[0]! ^= [0x10, 0x20, 0x30, 0xc0][pick(4)]!;
        break;
      case 6:
        if (bytes.length) bytes[bytes.length - 1] = pick(256);
        break;
      case 7:
        if (bytes.length > 15) bytes[14 + pick(2)] = pick(256);
        break;
    }
  }
  return bytes;
}

export function fuzzSeeds(): Uint8Array[] {
  const build = (fields: Parameters<typeof serializeRtpPacket>[0], paddingLength = 0) => {
    const out = new Uint8Array(rtpHeaderLength(fields) + fields.payload.length + paddingLength);
    serializeRtpPacket(fields, out);
    if (paddingLength) {
      out[0]! |= 0x20;
      out[out.length - 1] = paddingLength;
    }
    return out;
  };
  return [
    build({ payloadType: 0, sequenceNumber: 100, timestamp: 16000, ssrc: 0xabc, payload: new Uint8Array(160).fill(0x55) }),
    build({ payloadType: 8, sequenceNumber: 101, timestamp: 16160, ssrc: 0xabc, csrcs: [1, 2, 3], payload: new Uint8Array(160) }),
    build({ payloadType: 0, sequenceNumber: 102, timestamp: 16320, ssrc: 0xabc, extension: { profile: 0xbede, data: new Uint8Array(8) }, payload: new Uint8Array(160) }),
    build({ payloadType: 0, sequenceNumber: 103, timestamp: 16480, ssrc: 0xabc, payload: new Uint8Array(160) }, 4),
    build({ marker: true, payloadType: 101, sequenceNumber: 104, timestamp: 16640, ssrc: 0xabc, payload: Uint8Array.of(5, 0x0a, 0, 160) }),
    hex('81 c8 00 06 00 00 0a bc 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00'),
    build({ payloadType: 13, sequenceNumber: 105, timestamp: 16800, ssrc: 0xabc, payload: Uint8Array.of(0x40) }),
  ];
}

/** Waits until `condition` holds: checked on each of the next event-loop turns, then every 2 ms; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (let turns = 0; !condition(); turns++) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await (turns < 20 ? new Promise((resolve) => setImmediate(resolve)) : sleep(2));
  }
}
