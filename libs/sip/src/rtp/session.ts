import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { alaw, int16View, JitterBuffer, linear16Bytes, mulaw, type G711Codec, type JitterBufferOptions, type JitterFrameKind } from '@voiceagent/audio';
import { isRtcpPacket, parseRtpPacket, RTP_HEADER_BYTES, RtpParseError, writeRtpHeader, type RtpPacket } from './packet';
import { sharedPacingScheduler, type PacingScheduler } from './pacing';
import { Repacketizer } from './repacketizer';
import {
  DtmfDetector,
  dtmfEventCode,
  parseTelephoneEvent,
  TELEPHONE_EVENT_BYTES,
  telephoneEventSequence,
  writeTelephoneEvent,
  type DtmfDigitEvent,
  type TelephoneEvent,
} from './telephone-event';

/** G.711 at 8 kHz, 20 ms packets: 160 samples, 160 payload bytes, 320 bytes of linear16. */
const CLOCK_RATE_HZ = 8000;
const FRAME_SAMPLES = 160;
export const RTP_FRAME_BYTES = FRAME_SAMPLES * 2;
/** Pause between queued digits, so that the far end's detector sees two presses. */
const INTER_DIGIT_TICKS = 2;
/** Encoded frames kept for reuse after sending; beyond this they are left to the GC. */
const PAYLOAD_POOL_LIMIT = 64;

export interface RtpEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface RtpPortRange {
  readonly min: number;
  readonly max: number;
}

export type RtpAudioCodec = 'PCMU' | 'PCMA';

export interface RtpSessionOptions {
  /** The negotiated audio codec. */
  readonly codec: RtpAudioCodec;
  /** Its payload type; default the static one (PCMU 0, PCMA 8). */
  readonly payloadType?: number;
  /** The negotiated RFC 4733 payload type; without one, DTMF is neither sent nor detected. */
  readonly telephoneEventPayloadType?: number;
  /** Address to bind; default 0.0.0.0 (an IPv6 address binds udp6). */
  readonly localAddress?: string;
  /** A fixed port (0: any free port, as in tests); when absent a free even port is taken from `portRange`. */
  readonly port?: number;
  /** Default 10000-20000. */
  readonly portRange?: RtpPortRange;
  /** Where to send, from the SDP; may come later through `updateRemote()`. */
  readonly remote?: RtpEndpoint;
  /**
   * Symmetric RTP (default true): latch onto the source address of the first
   * valid packet and send there, ignoring other sources until `updateRemote()`.
   * Gets through NATs whose SDP address is wrong; trusts the first sender.
   */
  readonly symmetric?: boolean;
  /**
   * What goes out while nothing is queued: 'silence' (default) keeps a
   * continuous stream of encoded silence, because SBCs and PBXs take a
   * missing stream for a media timeout or one-way audio and NAT bindings
   * expire; 'none' sends nothing (silence suppression), marking each new
   * talkspurt. Either way the timestamp follows the clock.
   */
  readonly idleAudio?: 'silence' | 'none';
  readonly jitter?: Pick<JitterBufferOptions, 'minDepthMs' | 'maxDepthMs' | 'initialDepthMs' | 'concealment' | 'maxConcealMs'>;
  /** Default: the process-wide scheduler. */
  readonly scheduler?: PacingScheduler;
}

export interface RtpSessionHandlers {
  /** One 20 ms frame of linear16 (320 bytes, the receiver's to keep) per playout tick, from the first received packet on. */
  readonly onAudio?: (frame: Uint8Array, kind: JitterFrameKind) => void;
  /** Each received DTMF digit, once, when it ends. */
  readonly onDtmf?: (event: DtmfDigitEvent) => void;
  /** Send failures and errors thrown by the other handlers; the session keeps running. */
  readonly onError?: (error: unknown) => void;
}

export interface SendDtmfOptions {
  /** Default 100 ms. */
  readonly durationMs?: number;
  /** Default 10 (-10 dBm0). */
  readonly volume?: number;
}

export interface RtpSessionStats {
  readonly packetsSent: number;
  /** RTP payload octets sent (RFC 3550's sender octet count). */
  readonly bytesSent: number;
  /** Valid RTP packets accepted from the remote, audio and telephone-events. */
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  readonly lost: number;
  readonly late: number;
  readonly duplicates: number;
  readonly concealed: number;
  readonly jitterMs: number;
  /** Audio waiting in the jitter buffer. */
  readonly playoutDelayMs: number;
  /** Frames waiting to be sent. */
  readonly queuedFrames: number;
  readonly flushedFrames: number;
  readonly dtmfSent: number;
  readonly dtmfReceived: number;
  readonly rtcpReceived: number;
  /** Datagrams that were not valid RTP, or whose payload was unusable (wrong frame size, short event). */
  readonly invalidPackets: number;
  /** Valid RTP from a source other than the latched remote, or of a payload type not negotiated. */
  readonly ignoredPackets: number;
  readonly sendErrors: number;
}

export class RtpPortError extends Error {
  override readonly name = 'RtpPortError';
}

interface SendSlot {
  readonly bytes: Buffer;
  readonly done: (error: Error | null) => void;
}

interface PendingDigit {
  readonly event: number;
  readonly durationMs: number;
  readonly volume: number;
}

interface EventInProgress {
  readonly payloads: readonly TelephoneEvent[];
  readonly timestamp: number;
  next: number;
}

const CODECS: Record<RtpAudioCodec, G711Codec> = { PCMU: mulaw, PCMA: alaw };

/** FIFO of encoded frames without Array.shift's copying. */
class FrameQueue {
  private items: Uint8Array[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: Uint8Array): void {
    this.items.push(item);
  }

  shift(): Uint8Array | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): Uint8Array[] {
    const dropped = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return dropped;
  }
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${what} must be a port number, got ${port}`);
}

function bindOnce(type: 'udp4' | 'udp6', address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type });
    const failed = (error: Error) => {
      socket.close();
      reject(error);
    };
    socket.once('error', failed);
    socket.bind(port, address, () => {
      socket.off('error', failed);
      resolve(socket);
    });
  });
}

/** A free even port from the range (RTP convention; RTCP, if any, would take the odd one above), trying from a random start. */
async function bindInRange(type: 'udp4' | 'udp6', address: string, range: RtpPortRange): Promise<Socket> {
  checkPort(range.min, 'portRange.min');
  checkPort(range.max, 'portRange.max');
  const first = range.min + (range.min % 2);
  const count = Math.floor((range.max - first) / 2) + 1;
  if (count <= 0) throw new RangeError(`port range ${range.min}-${range.max} holds no even port`);
  const start = randomInt(count);
  for (let i = 0; i < count; i++) {
    const port = first + ((start + i) % count) * 2;
    try {
      return await bindOnce(type, address, port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  throw new RtpPortError(`no free even UDP port in ${range.min}-${range.max} on ${address}`);
}

/** Source addresses of a dual-stack socket come IPv4-mapped. */
const plainAddress = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

/**
 * The media of one call: a UDP socket, G.711 audio both ways and RFC 4733
 * DTMF. Received packets go through a jitter buffer and come out decoded,
 * one linear16 frame per 20 ms tick; played frames go out paced on the same
 * shared tick, with a random SSRC, sequence number and timestamp start.
 */
export class RtpSession {
  private readonly codec: G711Codec;
  private readonly audioPayloadType: number;
  private readonly eventPayloadType: number | undefined;
  private readonly symmetric: boolean;
  private readonly idleAudio: 'silence' | 'none';
  private readonly scheduler: PacingScheduler;
  private readonly jitter: JitterBuffer;
  private readonly dtmfDetector: DtmfDetector;
  private readonly unregister: () => void;
  private handlers: RtpSessionHandlers = {};
  /** The bound port and address, to put in SDP. */
  readonly localPort: number;
  readonly localAddress: string;

  private remoteEndpoint: RtpEndpoint | undefined;
  private latched = false;
  private held = false;
  private closing: Promise<void> | undefined;

  private readonly silencePayload: Uint8Array;
  private readonly playQueue = new FrameQueue();
  /** Queued frames whose sender asked to know when they leave (the first frame of a reply: latency accounting). */
  private readonly sentCallbacks = new Map<Uint8Array, (sent: boolean) => void>();
  private readonly freePayloads: Uint8Array[] = [];
  private readonly freeSendSlots: SendSlot[] = [];
  private readonly header = { marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 };
  private readonly eventPayload = new Uint8Array(TELEPHONE_EVENT_BYTES);
  private readonly timestampBase: number;
  private firstTick: number | undefined;
  private talkspurtStart = true;
  private readonly pendingDigits: PendingDigit[] = [];
  private event: EventInProgress | undefined;
  private interDigitTicks = 0;
  /** Packets that are not 20 ms long are cut into 20 ms frames from the first one on. */
  private readonly repacketizer = new Repacketizer();
  private repacketizing = false;
  /** SSRC of the received audio, so that telephone-events from it keep their place in its sequence. */
  private audioSsrc: number | undefined;

  private packetsSent = 0;
  private bytesSent = 0;
  private packetsReceived = 0;
  private bytesReceived = 0;
  private flushedFrames = 0;
  private dtmfSent = 0;
  private dtmfReceived = 0;
  private rtcpReceived = 0;
  private invalidPackets = 0;
  private ignoredPackets = 0;
  private sendErrors = 0;

  private constructor(
    private readonly socket: Socket,
    options: RtpSessionOptions,
  ) {
    const codec = CODECS[options.codec];
    this.codec = codec;
    ({ port: this.localPort, address: this.localAddress } = socket.address());
    this.audioPayloadType = options.payloadType ?? codec.payloadType;
    this.eventPayloadType = options.telephoneEventPayloadType;
    this.symmetric = options.symmetric ?? true;
    this.idleAudio = options.idleAudio ?? 'silence';
    this.scheduler = options.scheduler ?? sharedPacingScheduler;
    this.remoteEndpoint = options.remote;
    this.silencePayload = new Uint8Array(FRAME_SAMPLES).fill(codec.silenceByte);
    const clock = this.scheduler.clock;
    this.jitter = new JitterBuffer({ ...options.jitter, clockRateHz: CLOCK_RATE_HZ, frameMs: 20, silence: this.silencePayload, now: () => clock.now() });
    this.dtmfDetector = new DtmfDetector((digit) => this.digitReceived(digit), { clockRateHz: CLOCK_RATE_HZ });
    this.header.payloadType = this.audioPayloadType;
    this.header.ssrc = randomInt(0x100000000);
    this.header.sequenceNumber = randomInt(0x10000);
    this.timestampBase = randomInt(0x100000000);
    socket.on('message', (datagram, from) => this.receive(datagram, from));
    socket.on('error', (error) => this.report(error));
    this.unregister = this.scheduler.register((tick) => this.tick(tick));
  }

  /** Binds the socket and starts the session's clock. */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    if (!Object.hasOwn(CODECS, options.codec)) throw new RangeError(`unsupported RTP codec "${String(options.codec)}" (PCMU or PCMA)`);
    for (const [name, value] of [
      ['payloadType', options.payloadType],
      ['telephoneEventPayloadType', options.telephoneEventPayloadType],
    ] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 127)) throw new RangeError(`${name} must be 0..127, got ${value}`);
    }
    if (options.telephoneEventPayloadType === (options.payloadType ?? CODECS[options.codec].payloadType)) {
      throw new RangeError('telephone-event needs a payload type of its own');
    }
    if (options.remote) checkPort(options.remote.port, 'remote port');
    const address = options.localAddress ?? '0.0.0.0';
    const type = isIPv6(address) ? 'udp6' : 'udp4';
    let socket: Socket;
    if (options.port !== undefined) {
      checkPort(options.port, 'port');
      socket = await bindOnce(type, address, options.port);
    } else {
      socket = await bindInRange(type, address, options.portRange ?? { min: 10000, max: 20000 });
    }
    return new RtpSession(socket, options);
  }


  /** Where audio goes: the SDP address, or the latched source once symmetric RTP has latched. */
  get remote(): RtpEndpoint | undefined {
    return this.remoteEndpoint;
  }

  get isLatched(): boolean {
    return this.latched;
  }

  /** Sets (replaces) the handlers; frames and digits before this are dropped. */
  listen(handlers: RtpSessionHandlers): void {
    this.handlers = handlers;
  }

  /**
   * Queues 20 ms of linear16 (320 bytes) for paced sending; ignored after
   * close(). `onSent` hears when the frame's packet went out (true), or that
   * it never will (false: flushed or closed).
   */
  play(frame: Uint8Array, onSent?: (sent: boolean) => void): void {
    if (this.closing) return;
    if (frame.byteLength !== RTP_FRAME_BYTES) throw new RangeError(`an RTP frame is ${RTP_FRAME_BYTES} bytes of linear16 (20 ms at 8 kHz), got ${frame.byteLength}`);
    const payload = this.freePayloads.pop() ?? new Uint8Array(FRAME_SAMPLES);
    this.codec.encodeInto(int16View(frame), payload);
    this.playQueue.push(payload);
    if (onSent) this.sentCallbacks.set(payload, onSent);
  }

  /** True while queued audio waits to be sent. */
  isPlaying(): boolean {
    return this.playQueue.length > 0;
  }

  /** Drops queued playback at once (barge-in); returns how many frames were dropped. */
  flush(): number {
    const dropped = this.playQueue.clear();
    for (const payload of dropped) {
      this.settle(payload, false);
      this.recyclePayload(payload);
    }
    this.flushedFrames += dropped.length;
    return dropped.length;
  }

  /** Queues RFC 4733 events for the digits (0-9, *, #, A-D); they go out ahead of queued audio, which waits. */
  sendDtmf(digits: string, options: SendDtmfOptions = {}): void {
    if (this.eventPayloadType === undefined) throw new Error('telephone-event was not negotiated for this session');
    const { durationMs = 100, volume = 10 } = options;
    // Everything is checked before anything is queued.
    const events = Array.from(digits, dtmfEventCode);
    if (!Number.isInteger(volume) || volume < 0 || volume > 63) throw new RangeError(`DTMF volume must be 0..63, got ${volume}`);
    telephoneEventSequence(0, { durationMs, volume, clockRateHz: CLOCK_RATE_HZ });
    for (const event of events) this.pendingDigits.push({ event, durationMs, volume });
  }

  /** A re-INVITE moved the far end: send there, and latch afresh. */
  updateRemote(address: string, port: number): void {
    checkPort(port, 'remote port');
    this.remoteEndpoint = { address, port };
    this.latched = false;
    this.talkspurtStart = true;
  }

  /** On hold nothing is sent (queued audio waits); receiving goes on. */
  hold(on: boolean): void {
    this.held = on;
  }

  stats(): RtpSessionStats {
    const jitter = this.jitter.stats();
    return {
      packetsSent: this.packetsSent,
      bytesSent: this.bytesSent,
      packetsReceived: this.packetsReceived,
      bytesReceived: this.bytesReceived,
      lost: jitter.lost,
      late: jitter.late,
      duplicates: jitter.duplicates,
      concealed: jitter.concealed,
      jitterMs: jitter.jitterMs,
      playoutDelayMs: jitter.depthMs,
      queuedFrames: this.playQueue.length,
      flushedFrames: this.flushedFrames,
      dtmfSent: this.dtmfSent,
      dtmfReceived: this.dtmfReceived,
      rtcpReceived: this.rtcpReceived,
      invalidPackets: this.invalidPackets,
      ignoredPackets: this.ignoredPackets,
      sendErrors: this.sendErrors,
    };
  }

  /** Stops the clock, drops queued audio and releases the socket; safe to call more than once. */
  close(): Promise<void> {
    if (!this.closing) {
      this.unregister();
      for (const payload of this.playQueue.clear()) this.settle(payload, false);
      this.pendingDigits.length = 0;
      this.closing = new Promise((resolve) => this.socket.close(() => resolve()));
    }
    return this.closing;
  }

  private receive(datagram: Buffer, from: RemoteInfo): void {
    if (this.closing) return;
    if (isRtcpPacket(datagram)) {
      this.rtcpReceived++;
      return;
    }
    let packet: RtpPacket;
    let event: TelephoneEvent | undefined;
    try {
      packet = parseRtpPacket(datagram);
      if (this.latched && !this.isRemote(from)) {
        this.ignoredPackets++;
        return;
      }
      if (packet.payloadType === this.eventPayloadType) {
        event = parseTelephoneEvent(packet.payload);
      } else if (packet.payloadType !== this.audioPayloadType) {
        this.ignoredPackets++;
        return;
      } else if (!Repacketizer.accepts(packet.payload.length)) {
        this.invalidPackets++;
        return;
      }
    } catch (error) {
      if (!(error instanceof RtpParseError)) throw error;
      this.invalidPackets++;
      return;
    }
    if (this.symmetric && !this.latched) {
      this.remoteEndpoint = { address: plainAddress(from.address), port: from.port };
      this.latched = true;
    }
    this.packetsReceived++;
    this.bytesReceived += packet.payload.length;
    const now = this.scheduler.clock.now();
    if (event) {
      // A stream cut into 20 ms frames has its own sequence numbers; events keep no place in it.
      if (packet.ssrc === this.audioSsrc && !this.repacketizing) this.jitter.push({ sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp, ssrc: packet.ssrc, marker: packet.marker, payload: null }, now);
      this.dtmfDetector.push(packet, event, now);
    } else {
      this.audioSsrc = packet.ssrc;
      if (packet.payload.length === FRAME_SAMPLES && !this.repacketizing) {
        this.jitter.push(packet, now);
        return;
      }
      this.repacketizing = true;
      for (const frame of this.repacketizer.split(packet)) this.jitter.push(frame, now);
    }
  }

  private isRemote(from: RemoteInfo): boolean {
    const remote = this.remoteEndpoint;
    return remote !== undefined && remote.port === from.port && remote.address === plainAddress(from.address);
  }

  private tick(tick: number): void {
    if (this.closing) return;
    this.firstTick ??= tick;
    // The media clock follows the pacing clock, sent or not, so pauses show as timestamp gaps.
    this.send((this.timestampBase + (tick - this.firstTick) * FRAME_SAMPLES) >>> 0);
    this.dtmfDetector.expire(this.scheduler.clock.now());
    this.playout();
  }

  private send(timestamp: number): void {
    const remote = this.remoteEndpoint;
    if (!remote || this.held) {
      this.talkspurtStart = true;
      return;
    }
    if (this.interDigitTicks > 0) {
      this.interDigitTicks--;
      this.sendIdle(remote, timestamp);
      return;
    }
    const digit = this.event ? undefined : this.pendingDigits.shift();
    if (digit) {
      const payloads = telephoneEventSequence(digit.event, { durationMs: digit.durationMs, volume: digit.volume, clockRateHz: CLOCK_RATE_HZ });
      this.event = { payloads, timestamp, next: 0 };
      this.talkspurtStart = true;
    }
    if (this.event) {
      this.sendEvent(remote, this.event);
      return;
    }
    const payload = this.playQueue.shift();
    if (payload) {
      this.sendPacket(remote, this.audioPayloadType, timestamp, payload);
      this.settle(payload, true);
      this.recyclePayload(payload);
    } else {
      this.sendIdle(remote, timestamp);
    }
  }

  private sendEvent(remote: RtpEndpoint, event: EventInProgress): void {
    const payload = event.payloads[event.next++];
    if (!payload || this.eventPayloadType === undefined) return;
    writeTelephoneEvent(payload, this.eventPayload);
    this.sendPacket(remote, this.eventPayloadType, event.timestamp, this.eventPayload);
    if (event.next === event.payloads.length) {
      this.event = undefined;
      this.dtmfSent++;
      this.talkspurtStart = true;
      if (this.pendingDigits.length > 0) this.interDigitTicks = INTER_DIGIT_TICKS;
    }
  }

  private sendIdle(remote: RtpEndpoint, timestamp: number): void {
    if (this.idleAudio === 'silence') this.sendPacket(remote, this.audioPayloadType, timestamp, this.silencePayload);
    else this.talkspurtStart = true;
  }

  private sendPacket(remote: RtpEndpoint, payloadType: number, timestamp: number, payload: Uint8Array): void {
    const { header } = this;
    header.marker = this.talkspurtStart;
    header.payloadType = payloadType;
    header.timestamp = timestamp;
    const slot = this.takeSendSlot();
    const headerLength = writeRtpHeader(header, slot.bytes);
    slot.bytes.set(payload, headerLength);
    // The buffer stays in flight until the callback: dgram resolves the address asynchronously.
    this.socket.send(slot.bytes, 0, headerLength + payload.length, remote.port, remote.address, slot.done);
    header.sequenceNumber = (header.sequenceNumber + 1) & 0xffff;
    this.talkspurtStart = false;
    this.packetsSent++;
    this.bytesSent += payload.length;
  }

  private takeSendSlot(): SendSlot {
    const free = this.freeSendSlots.pop();
    if (free) return free;
    const slot: SendSlot = {
      bytes: Buffer.allocUnsafeSlow(RTP_HEADER_BYTES + FRAME_SAMPLES),
      done: (error) => {
        this.freeSendSlots.push(slot);
        if (error) {
          this.sendErrors++;
          this.report(error);
        }
      },
    };
    return slot;
  }

  private settle(payload: Uint8Array, sent: boolean): void {
    if (this.sentCallbacks.size === 0) return;
    const onSent = this.sentCallbacks.get(payload);
    if (!onSent) return;
    this.sentCallbacks.delete(payload);
    try {
      onSent(sent);
    } catch (error) {
      this.report(error);
    }
  }

  private recyclePayload(payload: Uint8Array): void {
    if (this.freePayloads.length < PAYLOAD_POOL_LIMIT) this.freePayloads.push(payload);
  }

  private playout(): void {
    const frame = this.jitter.pop();
    if (!frame || !this.handlers.onAudio) return;
    const samples = new Int16Array(FRAME_SAMPLES);
    this.codec.decodeInto(frame.payload, samples);
    try {
      this.handlers.onAudio(linear16Bytes(samples), frame.kind);
    } catch (error) {
      this.report(error);
    }
  }

  private digitReceived(digit: DtmfDigitEvent): void {
    this.dtmfReceived++;
    try {
      this.handlers.onDtmf?.(digit);
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    const { onError } = this.handlers;
    try {
      if (onError) onError(error);
      else process.stderr.write(`rtp session: ${error instanceof Error ? error.message : String(error)}\n`);
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }
}
