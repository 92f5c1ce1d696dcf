/**
 * Adaptive jitter buffer for fixed-duration frames keyed by RTP sequence
 * number (16-bit, wrapping) and timestamp. Pull based: `push()` on arrival,
 * `pop()` from a playout clock once per frame.
 *
 * - Reorders within its window; duplicates are ignored; a packet whose slot
 *   has already been played out (or concealed) is late and dropped.
 * - When the next frame is missing but later ones are here, the frame is lost
 *   and concealed (silence, or a short repeat of the last frame). When nothing
 *   is here at all (underrun) the cursor waits, concealing, so a delayed packet
 *   still plays; after `maxConcealMs` the stream counts as paused (silence
 *   suppression, hold) and yields plain silence until packets return, when it
 *   re-buffers to the target depth (a talkspurt start).
 * - The target depth follows the RFC 3550 interarrival jitter estimate between
 *   `minDepthMs` and `maxDepthMs`; the buffer shrinks by dropping one frame when
 *   it stayed above target for a whole adaptation window, and grows by one
 *   concealment frame when it stayed below.
 * - A new SSRC, or a sequence jump too large to be reordering or loss (seen on
 *   two consecutive packets, as in RFC 3550 A.1), restarts the stream.
 */

export interface JitterPacket {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly marker: boolean;
  /** null for a packet that holds a place in the sequence without audio (RFC 4733 events share it); it plays as silence. */
  readonly payload: Uint8Array | null;
}

/** A received frame, a concealed (missing) one, or silence while the stream is paused or between talkspurts. */
export type JitterFrameKind = 'packet' | 'concealment' | 'silence';

export interface JitterFrame {
  readonly kind: JitterFrameKind;
  /** The packet's payload, the last one repeated, or the configured silence; treat as read-only. */
  readonly payload: Uint8Array;
  /** RTP timestamp of the slot this frame fills. */
  readonly timestamp: number;
  /** Sequence number of the packet played or concealed; undefined for silence that stands in for no packet. */
  readonly sequenceNumber: number | undefined;
}

export type PushOutcome = 'buffered' | 'duplicate' | 'late' | 'restarted' | 'discarded';

export interface JitterBufferOptions {
  /** Default 8000. */
  readonly clockRateHz?: number;
  /** Default 20. */
  readonly frameMs?: number;
  /** Default 20. */
  readonly minDepthMs?: number;
  /** Default 120. */
  readonly maxDepthMs?: number;
  /** Depth before any jitter has been observed; default 40. */
  readonly initialDepthMs?: number;
  /** Default 'silence'. 'repeat-last' repeats the last frame for up to two missing frames, then falls back to silence. */
  readonly concealment?: 'silence' | 'repeat-last';
  /** The frame played as silence, in the payload's encoding; default 20 ms of linear16 zeros at the clock rate. */
  readonly silence?: Uint8Array;
  /** How long an underrun is concealed before the stream counts as paused; default 100. */
  readonly maxConcealMs?: number;
  /** Monotonic milliseconds for arrival times; default performance.now. */
  readonly now?: () => number;
}

export interface JitterBufferStats {
  /** Every packet pushed, including duplicates and late ones. */
  readonly received: number;
  /** Frames that never arrived before their playout (a packet that turns up late moves from lost to late). */
  readonly lost: number;
  readonly late: number;
  readonly duplicates: number;
  /** Frames played as concealment (loss, underrun, growing the buffer). */
  readonly concealed: number;
  /** Packets dropped unplayed: trimming latency, overflow, a stream restart, an unconfirmed sequence jump. */
  readonly discarded: number;
  readonly restarts: number;
  /** Frames currently buffered from the playout cursor to the newest packet, in ms. */
  readonly depthMs: number;
  readonly targetDepthMs: number;
  /** RFC 3550 interarrival jitter estimate. */
  readonly jitterMs: number;
}

const CAPACITY = 256;
const SLOT_MASK = CAPACITY - 1;
// RFC 3550 A.1: beyond these a sequence number is a restart, not loss or reordering.
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
/** Pops between depth adjustments: shrinking costs at most one frame per half second. */
const ADAPT_WINDOW_TICKS = 25;
/** Target depth covers this many jitter estimates beyond the frame itself. */
const JITTER_MULTIPLIER = 3;
/** Jitter this small (after the multiplier) still fits the frame-sized depth. */
const JITTER_TOLERANCE_MS = 2;
/** Per-packet decay of the peak-held jitter (half-life ~140 packets). */
const JITTER_PEAK_DECAY = 0.995;
const MAX_REPEATS = 2;
/** Timestamp gaps inside the buffer up to this many frames are filled with silence. */
const MAX_SILENCE_GAP_FRAMES = 50;
/** Extended sequence numbers start this many cycles up, so that reordering before the first packet stays positive. */
const EXTENDED_BASE = 16 * 65536;

/** What a ring slot holds for the sequence number recorded in it. */
const SLOT_EMPTY = 0;
const SLOT_BUFFERED = 1;
const SLOT_PLAYED = 2;
const SLOT_MISSED = 3;
const SLOT_DROPPED = 4;

type Mode = 'idle' | 'buffering' | 'playing' | 'paused';

const int16 = (value: number) => (value << 16) >> 16;
const int32 = (value: number) => value | 0;

export class JitterBuffer {
  private readonly clockRateHz: number;
  private readonly frameMs: number;
  private readonly frameTicks: number;
  private readonly minFrames: number;
  private readonly maxFrames: number;
  private readonly maxConcealFrames: number;
  private readonly repeatLast: boolean;
  private readonly silence: Uint8Array;
  private readonly now: () => number;

  private readonly packets: Array<JitterPacket | undefined> = new Array<JitterPacket | undefined>(CAPACITY);
  private readonly slotSequence = new Float64Array(CAPACITY).fill(-1);
  private readonly slotState = new Uint8Array(CAPACITY);

  private mode: Mode = 'idle';
  /** Whether frames have been played since the last reset(): decides between silence and nothing while buffering. */
  private started = false;
  private ssrc: number | undefined;
  private highest = 0;
  private cursor = 0;
  /** After a pause: the cursor before re-anchoring, so a gap in sequence numbers counts as loss. */
  private anchorFloor: number | undefined;
  private bufferingTicks = 0;
  private stalledTicks = 0;
  private repeats = 0;
  private lastPayload: Uint8Array | undefined;
  /** RTP timestamp of the next slot to fill. */
  private expectedTimestamp = 0;
  private probationSequence: number | undefined;

  private previousArrival: number | undefined;
  private previousTimestamp = 0;
  /** RFC 3550 jitter in timestamp units, and its decaying peak that sets the target. */
  private jitter = 0;
  private jitterPeak = 0;
  private targetFrames: number;
  private windowTicks = 0;
  private windowMinDepth = Infinity;
  private windowMaxDepth = 0;

  private received = 0;
  private lost = 0;
  private late = 0;
  private duplicates = 0;
  private concealed = 0;
  private discarded = 0;
  private restarts = 0;

  constructor(options: JitterBufferOptions = {}) {
    this.clockRateHz = options.clockRateHz ?? 8000;
    this.frameMs = options.frameMs ?? 20;
    this.frameTicks = (this.clockRateHz * this.frameMs) / 1000;
    const frames = (ms: number) => Math.max(1, Math.round(ms / this.frameMs));
    this.minFrames = frames(options.minDepthMs ?? 20);
    this.maxFrames = Math.max(this.minFrames, frames(options.maxDepthMs ?? 120));
    this.targetFrames = Math.min(this.maxFrames, Math.max(this.minFrames, frames(options.initialDepthMs ?? 40)));
    // Seed the peak with the jitter the initial depth stands for; it decays unless the network backs it up.
    const seededJitterMs = ((this.targetFrames - 1) * this.frameMs + JITTER_TOLERANCE_MS) / JITTER_MULTIPLIER;
    this.jitterPeak = (seededJitterMs * this.clockRateHz) / 1000;
    this.maxConcealFrames = frames(options.maxConcealMs ?? 100);
    this.repeatLast = options.concealment === 'repeat-last';
    this.silence = options.silence ?? new Uint8Array(this.frameTicks * 2);
    this.now = options.now ?? (() => performance.now());
  }

  /** Takes a packet in on arrival; `arrivalMs` defaults to the clock. */
  push(packet: JitterPacket, arrivalMs: number = this.now()): PushOutcome {
    this.received++;
    const sequence = packet.sequenceNumber & 0xffff;
    if (this.mode === 'idle' || packet.ssrc !== this.ssrc) {
      const outcome = this.mode === 'idle' ? 'buffered' : 'restarted';
      this.restart(packet, arrivalMs);
      return outcome;
    }

    const delta = int16(sequence - (this.highest & 0xffff));
    if (delta > MAX_DROPOUT || delta < -MAX_MISORDER) {
      if (this.probationSequence === sequence) {
        this.restart(packet, arrivalMs);
        return 'restarted';
      }
      this.probationSequence = (sequence + 1) & 0xffff;
      this.discarded++;
      return 'discarded';
    }
    this.probationSequence = undefined;
    const extended = this.highest + delta;
    const slot = extended & SLOT_MASK;

    if (extended < this.cursor) {
      const floor = Math.max(this.anchorFloor ?? -Infinity, this.cursor - this.maxFrames);
      if (this.mode === 'buffering' && extended >= floor && this.slotSequence[slot] !== extended) {
        this.store(packet, extended, arrivalMs);
        this.cursor = extended;
        return 'buffered';
      }
      return this.tooLate(extended);
    }
    if (this.slotSequence[slot] === extended && this.slotState[slot] === SLOT_BUFFERED) {
      this.duplicates++;
      return 'duplicate';
    }
    if (extended - this.cursor >= CAPACITY) {
      this.skipTo(extended);
    } else if (this.mode === 'paused') {
      // Packets are back after a pause: a talkspurt starts, re-buffer to the target depth.
      this.anchorFloor = this.cursor;
      this.cursor = extended;
      this.mode = 'buffering';
      this.bufferingTicks = 0;
      this.expectedTimestamp = packet.timestamp;
      this.previousArrival = undefined;
    }
    this.store(packet, extended, arrivalMs);
    return 'buffered';
  }

  /** The next frame for the playout clock; undefined only before the first packet (or after reset()) is due. */
  pop(): JitterFrame | undefined {
    switch (this.mode) {
      case 'idle':
        return undefined;
      case 'paused':
        return this.silenceFrame();
      case 'buffering':
        this.bufferingTicks++;
        if (this.depthFrames() < this.targetFrames && this.bufferingTicks < this.targetFrames) return this.started ? this.silenceFrame() : undefined;
        this.startPlaying();
        break;
      case 'playing':
        break;
    }
    const adjustment = this.adapt();
    if (adjustment === 'grow') return this.concealmentFrame(undefined);
    if (adjustment === 'shrink') this.dropCursorFrame();
    return this.playNext();
  }

  /** Forgets the stream entirely; statistics are kept. */
  reset(): void {
    this.clearSlots();
    this.mode = 'idle';
    this.started = false;
    this.ssrc = undefined;
    this.previousArrival = undefined;
  }

  get depthMs(): number {
    return this.depthFrames() * this.frameMs;
  }

  get targetDepthMs(): number {
    return this.targetFrames * this.frameMs;
  }

  stats(): JitterBufferStats {
    return {
      received: this.received,
      lost: this.lost,
      late: this.late,
      duplicates: this.duplicates,
      concealed: this.concealed,
      discarded: this.discarded,
      restarts: this.restarts,
      depthMs: this.depthMs,
      targetDepthMs: this.targetDepthMs,
      jitterMs: (this.jitter * 1000) / this.clockRateHz,
    };
  }

  private restart(packet: JitterPacket, arrivalMs: number): void {
    if (this.mode !== 'idle') {
      this.restarts++;
      this.discarded += this.bufferedCount();
    }
    this.clearSlots();
    this.ssrc = packet.ssrc;
    this.highest = EXTENDED_BASE + (packet.sequenceNumber & 0xffff);
    this.cursor = this.highest;
    this.anchorFloor = undefined;
    this.mode = 'buffering';
    this.bufferingTicks = 0;
    this.stalledTicks = 0;
    this.probationSequence = undefined;
    this.previousArrival = undefined;
    this.expectedTimestamp = packet.timestamp;
    this.store(packet, this.highest, arrivalMs);
  }

  private store(packet: JitterPacket, extended: number, arrivalMs: number): void {
    const slot = extended & SLOT_MASK;
    this.packets[slot] = packet;
    this.slotSequence[slot] = extended;
    this.slotState[slot] = SLOT_BUFFERED;
    if (extended > this.highest) this.highest = extended;
    if (packet.payload !== null) this.observeJitter(packet.timestamp, arrivalMs, packet.marker);
  }

  /**
   * RFC 3550 A.8, with a peak hold so that the target reacts fast to jitter
   * and relaxes slowly. A talkspurt start, or a transit change of over a
   * second, is a new timeline (the sender paused or jumped), not jitter.
   */
  private observeJitter(timestamp: number, arrivalMs: number, talkspurtStart: boolean): void {
    const arrival = (arrivalMs * this.clockRateHz) / 1000;
    const difference = this.previousArrival === undefined ? undefined : arrival - this.previousArrival - int32(timestamp - this.previousTimestamp);
    if (difference !== undefined && !talkspurtStart && Math.abs(difference) <= this.clockRateHz) {
      this.jitter += (Math.abs(difference) - this.jitter) / 16;
      this.jitterPeak = Math.max(this.jitter, this.jitterPeak * JITTER_PEAK_DECAY);
      const jitterMs = (this.jitterPeak * 1000) / this.clockRateHz;
      const wanted = 1 + Math.ceil((JITTER_MULTIPLIER * jitterMs - JITTER_TOLERANCE_MS) / this.frameMs);
      this.targetFrames = Math.min(this.maxFrames, Math.max(this.minFrames, wanted));
    }
    this.previousArrival = arrival;
    this.previousTimestamp = timestamp;
  }

  private tooLate(extended: number): PushOutcome {
    const slot = extended & SLOT_MASK;
    const known = this.slotSequence[slot] === extended;
    const state = this.slotState[slot];
    if (known && (state === SLOT_PLAYED || state === SLOT_DROPPED)) {
      this.duplicates++;
      return 'duplicate';
    }
    this.late++;
    if (known && state === SLOT_MISSED) {
      this.lost--;
      // A second copy of this packet is a duplicate, not another late arrival.
      this.slotState[slot] = SLOT_DROPPED;
    }
    return 'late';
  }

  private startPlaying(): void {
    if (this.anchorFloor !== undefined) {
      for (let missed = this.anchorFloor; missed < this.cursor; missed++) this.markMissed(missed);
      this.anchorFloor = undefined;
    }
    const packet = this.packets[this.cursor & SLOT_MASK];
    if (packet) this.expectedTimestamp = packet.timestamp;
    this.mode = 'playing';
    this.started = true;
    this.stalledTicks = 0;
    this.resetWindow();
  }

  private playNext(): JitterFrame {
    const slot = this.cursor & SLOT_MASK;
    const packet = this.slotState[slot] === SLOT_BUFFERED && this.slotSequence[slot] === this.cursor ? this.packets[slot] : undefined;
    if (packet) {
      this.stalledTicks = 0;
      const gap = int32(packet.timestamp - this.expectedTimestamp);
      // The sender paused (silence suppression) for less than the buffer holds: keep the pause.
      if (packet.payload !== null && gap >= this.frameTicks && gap <= MAX_SILENCE_GAP_FRAMES * this.frameTicks) return this.silenceFrame();
      this.slotState[slot] = SLOT_PLAYED;
      this.packets[slot] = undefined;
      this.cursor++;
      if (packet.payload === null) return this.silenceFrame(packet.sequenceNumber);
      this.repeats = 0;
      this.lastPayload = packet.payload;
      this.expectedTimestamp = (packet.timestamp + this.frameTicks) >>> 0;
      return { kind: 'packet', payload: packet.payload, timestamp: packet.timestamp, sequenceNumber: packet.sequenceNumber };
    }
    if (this.highest > this.cursor) {
      const sequenceNumber = this.cursor & 0xffff;
      this.markMissed(this.cursor);
      this.cursor++;
      return this.concealmentFrame(sequenceNumber);
    }
    // Nothing to play: hold the cursor so a delayed packet still plays, until the stream counts as paused.
    if (++this.stalledTicks > this.maxConcealFrames) {
      this.mode = 'paused';
      return this.silenceFrame();
    }
    return this.concealmentFrame(this.cursor & 0xffff);
  }

  /** Once per window: shrink if the buffer never fell to the target, grow if it never reached it. */
  private adapt(): 'grow' | 'shrink' | undefined {
    const depth = this.depthFrames();
    // Far too deep (a burst after a stall): cut back to the target at once.
    if (depth > this.maxFrames + this.targetFrames) {
      while (this.depthFrames() > this.targetFrames) this.dropCursorFrame();
      this.resetWindow();
      return undefined;
    }
    this.windowMinDepth = Math.min(this.windowMinDepth, depth);
    this.windowMaxDepth = Math.max(this.windowMaxDepth, depth);
    if (++this.windowTicks < ADAPT_WINDOW_TICKS) return undefined;
    const adjustment = this.windowMinDepth > this.targetFrames ? 'shrink' : this.windowMaxDepth < this.targetFrames ? 'grow' : undefined;
    this.resetWindow();
    return adjustment;
  }

  private dropCursorFrame(): void {
    const slot = this.cursor & SLOT_MASK;
    if (this.slotState[slot] === SLOT_BUFFERED && this.slotSequence[slot] === this.cursor) {
      this.slotState[slot] = SLOT_DROPPED;
      this.packets[slot] = undefined;
      this.discarded++;
    } else {
      this.markMissed(this.cursor);
    }
    this.cursor++;
  }

  /** A forward jump beyond the window: what is buffered is dropped, the gap is lost, and playout re-buffers from the new packet. */
  private skipTo(extended: number): void {
    const buffered = this.bufferedCount();
    this.discarded += buffered;
    this.lost += extended - this.cursor - buffered;
    this.clearSlots();
    this.cursor = extended;
    this.anchorFloor = undefined;
    this.mode = 'buffering';
    this.bufferingTicks = 0;
    this.previousArrival = undefined;
  }

  private markMissed(extended: number): void {
    const slot = extended & SLOT_MASK;
    this.packets[slot] = undefined;
    this.slotSequence[slot] = extended;
    this.slotState[slot] = SLOT_MISSED;
    this.lost++;
  }

  private concealmentFrame(sequenceNumber: number | undefined): JitterFrame {
    this.concealed++;
    const timestamp = this.advanceTimestamp();
    const repeat = this.repeatLast && this.lastPayload !== undefined && this.repeats < MAX_REPEATS;
    if (repeat) this.repeats++;
    return { kind: 'concealment', payload: repeat && this.lastPayload ? this.lastPayload : this.silence, timestamp, sequenceNumber };
  }

  private silenceFrame(sequenceNumber?: number): JitterFrame {
    return { kind: 'silence', payload: this.silence, timestamp: this.advanceTimestamp(), sequenceNumber };
  }

  private advanceTimestamp(): number {
    const timestamp = this.expectedTimestamp;
    this.expectedTimestamp = (timestamp + this.frameTicks) >>> 0;
    return timestamp;
  }

  private depthFrames(): number {
    return this.mode === 'idle' || this.highest < this.cursor ? 0 : this.highest - this.cursor + 1;
  }

  private bufferedCount(): number {
    let count = 0;
    for (let slot = 0; slot < CAPACITY; slot++) if (this.slotState[slot] === SLOT_BUFFERED) count++;
    return count;
  }

  private clearSlots(): void {
    this.packets.fill(undefined);
    this.slotSequence.fill(-1);
    this.slotState.fill(SLOT_EMPTY);
  }

  private resetWindow(): void {
    this.windowTicks = 0;
    this.windowMinDepth = Infinity;
    this.windowMaxDepth = 0;
  }
}
