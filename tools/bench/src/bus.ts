import { spawnSync } from 'node:child_process';
import { hrtime } from 'node:process';
import { InProcessBus, NatsBus, publishTo, subscribeTo, type MessageBus, type Topic } from '@voiceagent/bus';
import { AudioFrame, Track, topics } from '@voiceagent/contracts';
import { NatsServer } from '@voiceagent/testing';
import type { BenchResult, Benchmark } from './benchmark';
import { fixed, integer } from './format';
import { watchGc, type GcPauses } from './gc';
import { timerLateness } from './jitter';
import { pace } from './pace';
import { summarize, type LatencySummary } from './stats';

export type Transport = 'in-process' | 'nats';

export interface BusParams {
  readonly transports: readonly Transport[];
  /** Concurrent calls; each has two streams (audio.in and audio.out). */
  readonly calls: number;
  /** Frames published untimed first, so the JIT and connections are warm. */
  readonly warmupFrames: number;
  /** Frames published as fast as flow control allows. */
  readonly throughputFrames: number;
  /** Offered load of the latency run: 100 calls × 2 directions × 50 fps = 10,000. */
  readonly offeredFps: number;
  readonly latencySeconds: number;
  /** How long to sample an idle timer first, for the noise-floor row. */
  readonly idleTimerMs: number;
}

export const defaultBusParams: BusParams = {
  transports: ['in-process', 'nats'],
  calls: 100,
  warmupFrames: 20_000,
  throughputFrames: 200_000,
  offeredFps: 10_000,
  latencySeconds: 5,
  idleTimerMs: 2_000,
};

export const targets = { natsFramesPerSec: 50_000, natsP99Ms: 2, atOfferedFps: 10_000 } as const;

/** 20 ms of 8 kHz mono linear16. */
const PCM_BYTES = 320;
/** Publish this many, then flush: bounds the client's outbound buffer. */
const BATCH = 1_000;
/** Frames allowed between publisher and subscriber before the publisher waits. */
const WINDOW = 10_000;
/** How long to wait for stragglers after the last publish. */
const SETTLE_MS = 5_000;

export interface ThroughputResult {
  readonly sent: number;
  readonly delivered: number;
  /** First publish to last delivery. */
  readonly seconds: number;
  readonly framesPerSec: number;
  readonly megabytesPerSec: number;
}

export interface LatencyResult {
  readonly offeredFps: number;
  readonly offered: number;
  readonly delivered: number;
  /** Publish → decoded delivery in milliseconds (1 µs resolution, never under the truth). */
  readonly ms: LatencySummary;
  /** Pauses of this process (publisher and subscriber both) during the run. */
  readonly gc: GcPauses;
}

export interface TransportResult {
  readonly transport: Transport;
  readonly throughput: ThroughputResult;
  readonly latency: LatencyResult;
}

export interface BusMeasurements {
  readonly params: BusParams;
  /** Encoded AudioFrame size (payload, without subject or protocol framing). */
  readonly frameBytes: number;
  /** Encode + decode alone, no bus: the ceiling for any transport in one process. */
  readonly codecFramesPerSec: number;
  /** Lateness of an idle 1 ms timer just before the runs: the machine's noise floor. */
  readonly idleTimerLatenessMs: LatencySummary;
  readonly results: readonly TransportResult[];
}

const nowUs = () => Number(hrtime.bigint() / 1000n);
const secondsSince = (start: bigint, end = hrtime.bigint()) => Number(end - start) / 1e9;

/** A 400 Hz tone at half scale, little-endian: realistic bytes, not zeros. */
const PCM = (() => {
  const view = new DataView(new ArrayBuffer(PCM_BYTES));
  for (let i = 0; i < PCM_BYTES / 2; i++) view.setInt16(i * 2, Math.round(16_384 * Math.sin((2 * Math.PI * 400 * i) / 8000)), true);
  return new Uint8Array(view.buffer);
})();

// Publisher and subscriber share this process, so a monotonic stamp is
// comparable on delivery (in production capturedAtUs is wall clock).
const frame = (callId: string, sequence: number, track: Track): AudioFrame => ({
  callId,
  sequence,
  sampleRateHz: 8000,
  channels: 1,
  pcm: PCM,
  capturedAtUs: nowUs(),
  track,
  endOfUtterance: false,
});

interface Stream {
  readonly topic: Topic<AudioFrame>;
  readonly callId: string;
  readonly track: Track;
  sequence: number;
}

/** Publishes frames round-robin over every call's two streams, as media does. */
class FrameSource {
  readonly streams: readonly Stream[];
  private cursor = 0;

  constructor(
    private readonly bus: MessageBus,
    calls: number,
  ) {
    this.streams = Array.from({ length: calls }, (_, c) => `bench-${c}`).flatMap((callId) => [
      { topic: topics.call(callId, 'audioIn'), callId, track: Track.TRACK_CALLER, sequence: 0 },
      { topic: topics.call(callId, 'audioOut'), callId, track: Track.TRACK_AGENT, sequence: 0 },
    ]);
  }

  send(count: number): void {
    for (let i = 0; i < count; i++) {
      const s = this.streams[this.cursor++ % this.streams.length] as Stream;
      publishTo(this.bus, s.topic, frame(s.callId, s.sequence++, s.track));
    }
  }
}

/** Counts decoded frames and, while recording, their publish → deliver latency. */
class FrameSink {
  delivered = 0;
  lastDeliveryNs = 0n;
  private samples: Float64Array | undefined;
  private recorded = 0;
  private waiter: { count: number; resolve: () => void } | undefined;

  onFrame(frame: AudioFrame): void {
    const now = hrtime.bigint();
    this.delivered++;
    this.lastDeliveryNs = now;
    if (this.samples && this.recorded < this.samples.length) {
      // The stamp is truncated to whole µs, so this is never below the true latency.
      this.samples[this.recorded++] = Number(now - BigInt(frame.capturedAtUs) * 1000n) / 1e6;
    }
    if (this.waiter && this.delivered >= this.waiter.count) this.waiter.resolve();
  }

  record(capacity: number): void {
    this.samples = new Float64Array(capacity);
    this.recorded = 0;
  }

  stopRecording(): Float64Array {
    const samples = this.samples?.subarray(0, this.recorded) ?? new Float64Array();
    this.samples = undefined;
    return samples;
  }

  /** Resolves once `count` frames have arrived in total, or after `timeoutMs` (lost frames). */
  until(count: number, timeoutMs = SETTLE_MS): Promise<void> {
    if (this.delivered >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiter = { count, resolve: done };
    });
  }
}

interface Pair {
  readonly publisher: MessageBus;
  readonly subscriber: MessageBus;
  close(): Promise<void>;
}

async function openPair(transport: Transport): Promise<Pair> {
  if (transport === 'in-process') {
    const bus = new InProcessBus();
    return { publisher: bus, subscriber: bus, close: () => bus.drain() };
  }
  const server = await NatsServer.start();
  const buses: NatsBus[] = [];
  const close = async () => {
    await Promise.allSettled(buses.map((b) => b.drain()));
    await server.dispose();
  };
  try {
    // Two connections, as media and listener would have.
    buses.push(await NatsBus.connect({ servers: server.url, name: 'bench-publisher' }));
    buses.push(await NatsBus.connect({ servers: server.url, name: 'bench-subscriber' }));
    return { publisher: buses[0] as NatsBus, subscriber: buses[1] as NatsBus, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function measureThroughput(pair: Pair, source: FrameSource, sink: FrameSink, frames: number, frameBytes: number): Promise<ThroughputResult> {
  const base = sink.delivered;
  const start = hrtime.bigint();
  let sent = 0;
  while (sent < frames) {
    const n = Math.min(BATCH, frames - sent);
    source.send(n);
    sent += n;
    await pair.publisher.flush();
    await sink.until(base + sent - WINDOW);
  }
  await sink.until(base + frames);
  const delivered = sink.delivered - base;
  const seconds = secondsSince(start, delivered > 0 ? sink.lastDeliveryNs : undefined);
  return { sent, delivered, seconds, framesPerSec: delivered / seconds, megabytesPerSec: (delivered * frameBytes) / seconds / 1e6 };
}

async function measureLatency(source: FrameSource, sink: FrameSink, offeredFps: number, seconds: number): Promise<LatencyResult> {
  const base = sink.delivered;
  sink.record(Math.round(offeredFps * seconds));
  const stopGc = watchGc();
  const offered = await pace(offeredFps, seconds * 1000, (n) => source.send(n));
  await sink.until(base + offered);
  const gc = stopGc();
  return { offeredFps, offered, delivered: sink.delivered - base, ms: summarize(sink.stopRecording()), gc };
}

async function measureTransport(transport: Transport, params: BusParams, frameBytes: number, log: (line: string) => void): Promise<TransportResult> {
  const pair = await openPair(transport);
  try {
    const source = new FrameSource(pair.publisher, params.calls);
    const sink = new FrameSink();
    for (const { topic } of source.streams) subscribeTo(pair.subscriber, topic, (f) => sink.onFrame(f));
    // The server must know every subscription before the first publish.
    await pair.subscriber.flush();

    if (params.warmupFrames > 0) {
      log(`${transport}: warm-up, ${integer(params.warmupFrames)} frames`);
      await measureThroughput(pair, source, sink, params.warmupFrames, frameBytes);
    }
    log(`${transport}: throughput, ${integer(params.throughputFrames)} frames over ${source.streams.length} streams`);
    const throughput = await measureThroughput(pair, source, sink, params.throughputFrames, frameBytes);
    log(`${transport}: latency, ${integer(params.offeredFps)} frames/s for ${params.latencySeconds} s`);
    const latency = await measureLatency(source, sink, params.offeredFps, params.latencySeconds);
    return { transport, throughput, latency };
  } finally {
    await pair.close();
  }
}

/** Encode + decode rate without a bus, over as many frames as the throughput run. */
function measureCodec(frames: number): number {
  const topic = topics.call('bench-0', 'audioIn');
  const start = hrtime.bigint();
  for (let i = 0; i < frames; i++) topic.decode(topic.encode(frame('bench-0', i, Track.TRACK_CALLER)));
  return frames / secondsSince(start);
}

export async function measureBus(params: BusParams, log: (line: string) => void = () => undefined): Promise<BusMeasurements> {
  const frameBytes = AudioFrame.encode(frame('bench-0', 1, Track.TRACK_CALLER)).finish().length;
  log(`codec: ${integer(params.throughputFrames)} frames`);
  measureCodec(params.warmupFrames);
  const codecFramesPerSec = measureCodec(params.throughputFrames);
  log(`idle timer: ${params.idleTimerMs} ms`);
  const idleTimerLatenessMs = summarize(await timerLateness(params.idleTimerMs));
  const results: TransportResult[] = [];
  for (const transport of params.transports) results.push(await measureTransport(transport, params, frameBytes, log));
  return { params, frameBytes, codecFramesPerSec, idleTimerLatenessMs, results };
}

export function busReport(m: BusMeasurements): BenchResult {
  const ms = (n: number) => fixed(n, 3);
  const rows = m.results.map(({ transport, throughput: t, latency: l }) => [
    transport,
    integer(t.framesPerSec),
    fixed(t.megabytesPerSec, 1),
    integer(l.offeredFps),
    `${integer(l.delivered)}/${integer(l.offered)}`,
    ms(l.ms.p50),
    ms(l.ms.p90),
    ms(l.ms.p99),
    ms(l.ms.max),
    `${l.gc.count} / ${fixed(l.gc.maxMs, 1)}`,
  ]);
  const codecRow = ['codec only', integer(m.codecFramesPerSec), '-', '-', '-', '-', '-', '-', '-', '-'];
  const idle = m.idleTimerLatenessMs;
  const idleRow = ['idle timer', '-', '-', '-', '-', ms(idle.p50), ms(idle.p90), ms(idle.p99), ms(idle.max), '-'];
  const nats = m.results.find((r) => r.transport === 'nats');
  const checks = nats
    ? [
        {
          target: `nats delivers ≥ ${integer(targets.natsFramesPerSec)} frames/s`,
          measured: `${integer(nats.throughput.framesPerSec)} frames/s`,
          met: nats.throughput.framesPerSec >= targets.natsFramesPerSec,
        },
        {
          target: `nats p99 < ${targets.natsP99Ms} ms at ${integer(targets.atOfferedFps)} frames/s`,
          measured: `${ms(nats.latency.ms.p99)} ms at ${integer(nats.latency.offeredFps)} frames/s`,
          met: nats.latency.ms.p99 < targets.natsP99Ms && nats.latency.offeredFps >= targets.atOfferedFps,
        },
      ]
    : [];
  return {
    tables: [
      {
        title: `bus: ${m.frameBytes}-byte AudioFrame protobufs (20 ms, ${PCM_BYTES} B linear16), ${m.params.calls} calls × 2 directions`,
        columns: ['transport', 'max frames/s', 'MB/s', 'offered/s', 'delivered/offered', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'GC n / max ms'],
        rows: [...rows, codecRow, idleRow],
      },
    ],
    targets: checks,
    notes: [
      `max: ${integer(m.params.throughputFrames)} frames after ${integer(m.params.warmupFrames)} warm-up, flush every ${integer(BATCH)}, at most ${integer(WINDOW)} in flight`,
      `latency: publish → decoded delivery for ${m.params.latencySeconds} s; publisher and subscriber share one Node process (and its GC pauses)`,
      `idle timer: lateness of a 1 ms timer with nothing else running in this process, the scheduling noise under every latency above`,
      ...(nats ? [natsServerVersion()] : []),
    ],
    data: m,
  };
}

function natsServerVersion(): string {
  const out = spawnSync(process.env['NATS_SERVER_BIN'] ?? 'nats-server', ['--version'], { encoding: 'utf8' });
  return out.stdout?.trim() || 'nats-server version unknown';
}

export const busBenchmark: Benchmark = {
  name: 'bus',
  description: 'AudioFrame publish → deliver: max throughput and latency at 10,000 frames/s, in-process and NATS on loopback',
  run: ({ log }) => measureBus(defaultBusParams, log).then(busReport),
};
