import { describe, expect, it } from 'vitest';
import { JitterBuffer, type JitterBufferOptions, type JitterFrame, type JitterPacket } from '../src';

const TS_BASE = 1_000_000;

function packet(sequenceNumber: number, overrides: Partial<JitterPacket> = {}): JitterPacket {
  const seq = sequenceNumber & 0xffff;
  return {
    sequenceNumber: seq,
    timestamp: (TS_BASE + sequenceNumber * 160) >>> 0,
    ssrc: 0x1234,
    marker: false,
    payload: Uint8Array.of(seq & 0xff, seq >> 8),
    ...overrides,
  };
}

/** "12" for packet 12, "c12" for concealment of 12, "c" for an underrun, "s" for silence, "-" for nothing. */
function label(frame: JitterFrame | undefined): string {
  if (!frame) return '-';
  if (frame.kind === 'packet') return String(frame.sequenceNumber);
  if (frame.kind === 'silence') return 's';
  return frame.sequenceNumber === undefined ? 'c' : `c${frame.sequenceNumber}`;
}

/** A 20 ms playout clock: at tick t the packets in arrivals[t] arrive (at t*20 ms), then one frame is popped. */
class Harness {
  now = 0;
  readonly buffer: JitterBuffer;
  constructor(options: JitterBufferOptions = {}) {
    this.buffer = new JitterBuffer({ now: () => this.now, ...options });
  }
  run(arrivals: Array<JitterPacket[] | JitterPacket | undefined>): string[] {
    return arrivals.map((arriving) => {
      for (const p of arriving === undefined ? [] : Array.isArray(arriving) ? arriving : [arriving]) this.buffer.push(p);
      const frame = this.buffer.pop();
      this.now += 20;
      return label(frame);
    });
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('JitterBuffer', () => {
  it('buffers to the initial 40 ms depth, then plays in order', () => {
    const h = new Harness();
    expect(h.run(range(0, 8).map((n) => packet(n)))).toEqual(['-', '0', '1', '2', '3', '4', '5', '6']);
    expect(h.buffer.stats()).toMatchObject({ received: 8, lost: 0, late: 0, duplicates: 0, concealed: 0, depthMs: 20, targetDepthMs: 40 });
  });

  it('puts reordered packets back in order', () => {
    const h = new Harness();
    const arrivals = [packet(0), packet(2), packet(1), [packet(4), packet(3)], packet(6), packet(5), packet(7), undefined];
    expect(h.run(arrivals)).toEqual(['-', '0', '1', '2', '3', '4', '5', '6']);
    expect(h.buffer.stats().lost).toBe(0);
  });

  it('conceals a lost packet in its slot, and drops it as late when it turns up afterwards', () => {
    const h = new Harness();
    expect(h.run([packet(0), packet(1), packet(2), undefined, packet(4), packet(5), packet(3), packet(3)])).toEqual(['-', '0', '1', '2', 'c3', '4', '5', 'c6']);
    expect(h.buffer.push(packet(3))).toBe('duplicate');
    expect(h.buffer.stats()).toMatchObject({ lost: 0, late: 1, duplicates: 2, concealed: 2 });
    const lostForGood = new Harness();
    lostForGood.run([packet(0), packet(1), packet(2), undefined, packet(4), packet(5)]);
    expect(lostForGood.buffer.stats()).toMatchObject({ lost: 1, late: 0, concealed: 1 });
  });

  it('ignores duplicates, before and after playout', () => {
    const h = new Harness();
    expect(h.buffer.push(packet(0))).toBe('buffered');
    expect(h.buffer.push(packet(0))).toBe('duplicate');
    expect(h.run([packet(1), packet(2), packet(2), packet(3)])).toEqual(['0', '1', '2', '3']);
    expect(h.buffer.push(packet(1))).toBe('duplicate');
    expect(h.buffer.stats()).toMatchObject({ received: 7, duplicates: 3, lost: 0, late: 0 });
  });

  it('follows sequence numbers and timestamps across the 16-bit and 32-bit wrap', () => {
    const h = new Harness();
    const wrapped = (n: number) => packet(65533 + n, { timestamp: (0xffffffff - 320 + n * 160 + 1) >>> 0 });
    const arrivals = [wrapped(0), wrapped(1), wrapped(3), wrapped(2), wrapped(4), wrapped(5), undefined];
    expect(h.run(arrivals)).toEqual(['-', '65533', '65534', '65535', '0', '1', '2']);
    expect(h.buffer.stats()).toMatchObject({ lost: 0, late: 0, concealed: 0 });
  });

  it('repeats the last frame for up to two missing frames when configured, then falls back to silence', () => {
    const silence = new Uint8Array(2);
    const buffer = new JitterBuffer({ concealment: 'repeat-last', silence, now: () => 0 });
    const frames: JitterFrame[] = [];
    for (const p of [packet(0), packet(1), packet(2), undefined, undefined, undefined, packet(6), packet(7)]) {
      if (p) buffer.push(p);
      const frame = buffer.pop();
      if (frame) frames.push(frame);
    }
    // Two underrun frames waiting for 3, then 3 and 4 lost once 6 is here.
    expect(frames.map(label)).toEqual(['0', '1', '2', 'c3', 'c3', 'c3', 'c4']);
    expect(frames.slice(3, 5).map((f) => Array.from(f.payload))).toEqual([
      [2, 0],
      [2, 0],
    ]);
    expect(frames[5]!.payload).toBe(silence);
    expect(frames[6]!.payload).toBe(silence);
  });

  it('waits on an underrun so a delayed packet still plays, and counts the stream as paused after maxConcealMs', () => {
    const h = new Harness();
    // 3 is 40 ms late, 20 ms more than the buffer holds: the cursor waits one frame, concealing, and plays it.
    expect(h.run([packet(0), packet(1), packet(2), undefined, undefined, [packet(3), packet(4)], packet(5), packet(6)])).toEqual(['-', '0', '1', '2', 'c3', '3', '4', '5']);
    expect(h.buffer.stats()).toMatchObject({ lost: 0, late: 0, concealed: 1 });
    // The sender goes quiet: five concealment frames (100 ms), then plain silence.
    expect(h.run(Array(9).fill(undefined))).toEqual(['6', 'c7', 'c7', 'c7', 'c7', 'c7', 's', 's', 's']);
    expect(h.buffer.stats()).toMatchObject({ lost: 0, concealed: 6 });
  });

  it('re-buffers at the start of a talkspurt after silence suppression, counting no loss', () => {
    const h = new Harness();
    h.run(range(0, 5).map((n) => packet(n)).concat(Array(10).fill(undefined)));
    // Sequence numbers continue, the timestamp jumped by the pause.
    const resumed = (n: number) => packet(n, { timestamp: TS_BASE + (n + 40) * 160, marker: n === 5 });
    expect(h.run([resumed(5), resumed(6), resumed(7), resumed(8)])).toEqual(['s', '5', '6', '7']);
    expect(h.buffer.stats().lost).toBe(0);
    // After an outage instead, the gap in sequence numbers is loss.
    h.run(Array(10).fill(undefined));
    h.run([packet(20), packet(21), packet(22)]);
    expect(h.buffer.stats().lost).toBe(11);
  });

  it('keeps a short sender pause inside the buffer as silence, timed by the RTP timestamps', () => {
    const h = new Harness({ initialDepthMs: 100 });
    const late = (n: number) => packet(n, { timestamp: TS_BASE + (n + 2) * 160, marker: n === 4 });
    // 0-3, a 40 ms pause in the sender's media clock, then 4-9; all arrive early enough.
    const arrivals = [[packet(0), packet(1), packet(2), packet(3)], [late(4), late(5)], late(6), late(7), late(8), late(9), undefined, undefined, undefined, undefined, undefined];
    expect(h.run(arrivals).filter((l) => l !== '-')).toEqual(['0', '1', '2', '3', 's', 's', '4', '5', '6', '7']);
    expect(h.buffer.stats()).toMatchObject({ lost: 0, concealed: 0 });
  });

  it('plays packets that hold a place without audio (RFC 4733 events) as silence, not loss', () => {
    const h = new Harness();
    const event = (n: number) => packet(n, { payload: null, timestamp: TS_BASE + 3 * 160 });
    expect(h.run([packet(0), packet(1), packet(2), event(3), event(4), event(5), packet(6), packet(7), packet(8)])).toEqual(['-', '0', '1', '2', 's', 's', 's', '6', '7']);
    expect(h.buffer.stats()).toMatchObject({ lost: 0, concealed: 0 });
  });

  it('restarts on a new SSRC, discarding what the old stream left', () => {
    const h = new Harness();
    h.run([packet(0), packet(1), packet(2)]);
    expect(h.buffer.push(packet(500, { ssrc: 99 }))).toBe('restarted');
    expect(h.run([packet(501, { ssrc: 99 }), packet(502, { ssrc: 99 }), packet(503, { ssrc: 99 })])).toEqual(['500', '501', '502']);
    expect(h.buffer.stats()).toMatchObject({ restarts: 1, discarded: 1, lost: 0 });
  });

  it('ignores one packet with a wild sequence number, but restarts when the jump is confirmed', () => {
    const h = new Harness();
    h.run([packet(0), packet(1), packet(2)]);
    expect(h.buffer.push(packet(40000))).toBe('discarded');
    expect(h.run([packet(3), packet(4)])).toEqual(['2', '3']);
    expect(h.buffer.push(packet(20000))).toBe('discarded');
    expect(h.buffer.push(packet(20001))).toBe('restarted');
    expect(h.run([packet(20002), packet(20003)])).toEqual(['20001', '20002']);
    expect(h.buffer.stats()).toMatchObject({ restarts: 1, lost: 0 });
  });

  it('re-buffers after a forward jump larger than its window, counting the gap as lost', () => {
    const h = new Harness();
    h.run([packet(0), packet(1), packet(2), packet(3)]);
    h.buffer.push(packet(1000));
    expect(h.buffer.stats().lost).toBe(1000 - 3 - 1);
    expect(h.run([packet(1001), packet(1002)])).toEqual(['1000', '1001']);
  });

  it('grows its target with interarrival jitter and shrinks back, dropping frames, when the network calms down', () => {
    // Deterministic pseudo-random delays of 0-80 ms on a 20 ms packet clock.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const now = { ms: 0 };
    const buffer = new JitterBuffer({ now: () => now.ms });
    const arrivals: Array<{ at: number; p: JitterPacket }> = [];
    for (let n = 0; n < 500; n++) arrivals.push({ at: n * 20 + random() * 80, p: packet(n) });
    for (let n = 500; n < 2000; n++) arrivals.push({ at: n * 20 + 5, p: packet(n) });
    arrivals.sort((a, b) => a.at - b.at);
    let next = 0;
    let maxTarget = 0;
    let lateDuringJitter = 0;
    for (let tick = 0; tick < 2010; tick++) {
      now.ms = tick * 20 + 10;
      while (next < arrivals.length && arrivals[next]!.at <= now.ms) buffer.push(arrivals[next++]!.p, arrivals[next - 1]!.at);
      buffer.pop();
      maxTarget = Math.max(maxTarget, buffer.targetDepthMs);
      if (tick === 500) lateDuringJitter = buffer.stats().late;
    }
    const stats = buffer.stats();
    expect(maxTarget).toBeGreaterThanOrEqual(100);
    expect(stats.jitterMs).toBeLessThan(1);
    expect(stats.targetDepthMs).toBe(20);
    expect(stats.depthMs).toBeLessThanOrEqual(40);
    expect(stats.discarded).toBeGreaterThan(0);
    // Once the target had grown, few packets missed their playout.
    expect(lateDuringJitter).toBeLessThan(50);
    expect(stats.late).toBe(lateDuringJitter);
  });

  it('never buffers more than the maximum depth for long, whatever bursts in', () => {
    const h = new Harness();
    h.run([packet(0), packet(1), packet(2)]);
    h.run([range(3, 40).map((n) => packet(n))]);
    expect(h.buffer.depthMs).toBeLessThanOrEqual(120);
    expect(h.buffer.stats().discarded).toBeGreaterThan(20);
  });

  it('gives nothing before the first packet and after reset()', () => {
    const h = new Harness();
    expect(h.run([undefined, undefined])).toEqual(['-', '-']);
    h.run([packet(0), packet(1), packet(2)]);
    h.buffer.reset();
    expect(h.run([undefined])).toEqual(['-']);
    expect(h.buffer.stats().received).toBe(3);
  });
});
