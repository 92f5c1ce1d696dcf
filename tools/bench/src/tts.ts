import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { LocalTextToSpeech } from '@voiceagent/tts';
import type { BenchOptions, BenchResult, Benchmark } from './benchmark';
import { fixed } from './format';
import { summarize } from './stats';

const RATE = 8000;
const FRAME_MS = 20;

/** What the agent says: a filler, a typical 10-word answer, and a 50-word sentence (no full stop until the end). */
export const ttsTexts = {
  short: 'One moment please.',
  ten: 'I can book you in on Tuesday at three thirty.',
  long:
    'We are open from nine in the morning until six in the evening on weekdays and from ten until four on Saturdays, ' +
    'so if you would like a haircut, a color or a beard trim this week I can look for a free time that suits you and book it.',
} as const;

export type TextKind = keyof typeof ttsTexts;

export interface TtsParams {
  readonly voices: readonly string[];
  readonly texts: readonly TextKind[];
  /** Untimed runs per voice and text first (voice data paged in, code compiled). */
  readonly warmupRuns: number;
  readonly runs: number;
  /** Calls asking for the 10-word sentence at the same moment. */
  readonly concurrentCalls: readonly number[];
  /** Per step, at least this many first-audio samples (rounds of all calls at once). */
  readonly concurrentSamples: number;
}

export const defaultTtsParams: TtsParams = {
  voices: ['kal', 'slt'],
  texts: ['short', 'ten', 'long'],
  warmupRuns: 2,
  runs: 15,
  concurrentCalls: [1, 5, 10, 20],
  concurrentSamples: 40,
};

export const ttsTargets = { firstAudioMs: 100 } as const;

export interface SentenceRow {
  readonly voice: string;
  readonly text: TextKind;
  readonly words: number;
  /** Sentences the engine synthesized separately (long text is cut at a comma past 250 characters). */
  readonly sentences: number;
  readonly audioMs: number;
  /** pushText → first 20 ms frame handed out. */
  readonly firstAudioMs: { readonly p50: number; readonly p90: number; readonly max: number };
  /** pushText → last frame, per audio time. */
  readonly rtf: number;
}

export interface ConcurrentRow {
  readonly voice: string;
  readonly calls: number;
  readonly samples: number;
  readonly firstAudioMs: { readonly p50: number; readonly p95: number; readonly max: number };
}

export interface TtsMeasurements {
  readonly params: TtsParams;
  /** Synthesis processes the engine runs at once (its default: the CPUs this process may use). */
  readonly maxProcesses: number;
  /** Resident memory of this process when synthesis started: each sentence forks a process, and fork gets slower as it grows. */
  readonly rssMiB: number;
  readonly sentences: readonly SentenceRow[];
  readonly concurrent: readonly ConcurrentRow[];
}

interface Timing {
  readonly firstMs: number;
  readonly totalMs: number;
  readonly frames: number;
  readonly sentences: number;
}

/** One stream, one text: timed from handing over the text to each frame coming out. */
async function speakOnce(tts: LocalTextToSpeech, voice: string, text: string, t0 = performance.now()): Promise<Timing> {
  const stream = tts.stream({ sampleRateHz: RATE, voice });
  stream.pushText(text);
  stream.endInput();
  let frames = 0;
  let firstMs = NaN;
  const sentences = new Set<number>();
  for await (const frame of stream) {
    if (frames++ === 0) firstMs = performance.now() - t0;
    sentences.add(frame.sentenceIndex);
  }
  return { firstMs, totalMs: performance.now() - t0, frames, sentences: sentences.size };
}

async function measureSentence(tts: LocalTextToSpeech, voice: string, kind: TextKind, params: TtsParams): Promise<SentenceRow> {
  const text = ttsTexts[kind];
  for (let i = 0; i < params.warmupRuns; i++) await speakOnce(tts, voice, text);
  const runs: Timing[] = [];
  for (let i = 0; i < params.runs; i++) runs.push(await speakOnce(tts, voice, text));
  const first = summarize(Float64Array.from(runs, (r) => r.firstMs));
  const audioMs = (runs[0]?.frames ?? 0) * FRAME_MS;
  const total = summarize(Float64Array.from(runs, (r) => r.totalMs));
  return {
    voice,
    text: kind,
    words: text.split(/\s+/).length,
    sentences: runs[0]?.sentences ?? 0,
    audioMs,
    firstAudioMs: { p50: first.p50, p90: first.p90, max: first.max },
    rtf: total.p50 / audioMs,
  };
}

/** `calls` streams ask for the 10-word sentence at the same instant, round after round. */
async function measureConcurrent(tts: LocalTextToSpeech, voice: string, calls: number, params: TtsParams): Promise<ConcurrentRow> {
  const rounds = Math.max(3, Math.ceil(params.concurrentSamples / calls));
  const first: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const timings = await Promise.all(Array.from({ length: calls }, () => speakOnce(tts, voice, ttsTexts.ten, t0)));
    first.push(...timings.map((t) => t.firstMs));
  }
  const sorted = [...first].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
  return { voice, calls, samples: first.length, firstAudioMs: { p50: rank(0.5), p95: rank(0.95), max: rank(1) } };
}

export async function measureTts(params: TtsParams, log: (line: string) => void = () => undefined): Promise<TtsMeasurements> {
  // An earlier benchmark in the same run may have pinned this process to one core; synthesis gets them all back.
  try {
    execFileSync('taskset', ['-a', '-p', '-c', `0-${cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
  } catch {
    // No taskset (not Linux): affinity was never changed either.
  }
  const tts = await LocalTextToSpeech.create();
  const maxProcesses = tts.maxProcesses;
  const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
  try {
    const sentences: SentenceRow[] = [];
    for (const voice of params.voices) {
      for (const kind of params.texts) {
        const row = await measureSentence(tts, voice, kind, params);
        sentences.push(row);
        log(`${voice} ${kind}: first audio p50 ${row.firstAudioMs.p50.toFixed(1)} ms, RTF ${row.rtf.toFixed(3)}`);
      }
    }
    const concurrent: ConcurrentRow[] = [];
    for (const voice of params.voices) {
      for (const calls of params.concurrentCalls) {
        const row = await measureConcurrent(tts, voice, calls, params);
        concurrent.push(row);
        log(`${voice} × ${calls} calls: first audio p50 ${row.firstAudioMs.p50.toFixed(1)} ms, p95 ${row.firstAudioMs.p95.toFixed(1)} ms`);
      }
    }
    return { params, maxProcesses, rssMiB, sentences, concurrent };
  } finally {
    await tts.close();
  }
}

const ms = (x: number) => fixed(x, 1);

export function ttsReport(m: TtsMeasurements): BenchResult {
  const tenWord = m.sentences.filter((r) => r.text === 'ten');
  return {
    tables: [
      {
        title: `tts per sentence: local engine (flite), 8 kHz, one stream at a time, ${m.params.runs} runs after ${m.params.warmupRuns} warm-up`,
        columns: ['voice', 'text', 'words', 'sentences', 'audio s', 'first audio p50 ms', 'p90 ms', 'max ms', 'RTF (p50)'],
        rows: m.sentences.map((r) => [
          r.voice,
          r.text,
          String(r.words),
          String(r.sentences),
          fixed(r.audioMs / 1000, 2),
          ms(r.firstAudioMs.p50),
          ms(r.firstAudioMs.p90),
          ms(r.firstAudioMs.max),
          fixed(r.rtf, 3),
        ]),
      },
      {
        title: `tts first audio when calls ask at once: 10-word sentence, 8 kHz, engine runs ${m.maxProcesses} flite processes at a time`,
        columns: ['voice', 'calls at once', 'samples', 'first audio p50 ms', 'p95 ms', 'max ms'],
        rows: m.concurrent.map((r) => [r.voice, String(r.calls), String(r.samples), ms(r.firstAudioMs.p50), ms(r.firstAudioMs.p95), ms(r.firstAudioMs.max)]),
      },
    ],
    targets: tenWord.map((r) => ({
      target: `first audio < ${ttsTargets.firstAudioMs} ms, 10-word sentence (${r.voice}, one call, p50)`,
      measured: `${ms(r.firstAudioMs.p50)} ms (p90 ${ms(r.firstAudioMs.p90)})`,
      met: r.firstAudioMs.p50 < ttsTargets.firstAudioMs,
    })),
    notes: [
      'LocalTextToSpeech.create() defaults: one flite process per sentence, started from the engine\'s helper process, writing a WAV to /dev/shm, trimmed to 10 ms lead / 200 ms trail; slt (16 kHz) is resampled to 8 kHz, kal is native 8 kHz',
      'first audio = pushText() + endInput() → the stream yields its first 20 ms frame (the whole first sentence is synthesized before any of it comes out); RTF = time to the last frame / audio length',
      `this process had ${m.rssMiB} MiB resident; flite is forked by the engine's small helper process, so that no longer adds fork time (which grows with the forking process's memory: ~1 ms at 40 MiB, ~22 ms at 570 MiB)`,
      `calls at once: the engine runs at most ${m.maxProcesses} synthesis processes (its default, two per CPU); the rest queue, first sentences of replies ahead of later ones, so first audio grows with the queue`,
    ],
    data: m,
  };
}

export const ttsBenchmark: Benchmark = {
  name: 'tts',
  description: 'Local text-to-speech: time to first audio and real-time factor per sentence, first audio with calls at once',
  async run({ log }: BenchOptions): Promise<BenchResult> {
    return ttsReport(await measureTts(defaultTtsParams, log));
  },
};
