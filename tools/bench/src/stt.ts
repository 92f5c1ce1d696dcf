import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { mulaw } from '@voiceagent/audio';
import { speak } from '@voiceagent/callgen';
import { createLocalSpeechToText, type LocalSpeechToText, type SpeechEvent, type SpeechStream } from '@voiceagent/stt';
import type { BenchOptions, BenchResult, Benchmark, Table } from './benchmark';
import { fixed } from './format';
import { summarize } from './stats';
import { addEdits, errorRate, wordEdits, type WordEdits } from './wer';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const RATE = 8000;
/** 20 ms at 8 kHz. */
const FRAME = 160;

export type Topic = 'booking' | 'hours' | 'price' | 'transfer' | 'names+numbers' | 'other';

/**
 * What callers say, written the way flite speaks it ("three p m", "five five
 * five"): flite reads the same text, so the reference is exactly what was
 * said and WER counts only what the recognizer got wrong.
 */
export const sttCorpus: readonly (readonly [Topic, string])[] = [
  ['booking', 'i would like to book a haircut for tomorrow at three p m'],
  ['booking', 'can i make an appointment for next tuesday morning'],
  ['booking', 'do you have anything available on friday afternoon'],
  ['booking', 'i need to cancel my appointment on thursday'],
  ['booking', 'could i move my booking to saturday at ten a m'],
  ['booking', 'is there a slot for two people at four thirty'],
  ['booking', 'i want to book a cleaning with the hygienist'],
  ['booking', 'please book me in for a color and a trim'],
  ['booking', 'what is the earliest time you have next week'],
  ['booking', 'can i come in at half past two on monday'],
  ['booking', 'i would like to change my appointment to the afternoon'],
  ['hours', 'what time do you open on saturday'],
  ['hours', 'are you open on sunday'],
  ['hours', 'what are your opening hours today'],
  ['hours', 'how late are you open on friday evening'],
  ['hours', 'do you close for lunch'],
  ['hours', 'are you open on public holidays'],
  ['hours', 'when do you close tonight'],
  ['price', 'how much does a haircut cost'],
  ['price', 'what is the price for a full color'],
  ['price', 'is it twenty five dollars for a beard trim'],
  ['price', 'do you offer a discount for students'],
  ['price', 'how much is a consultation'],
  ['price', 'does the price include washing and styling'],
  ['price', 'can i pay by card over the phone'],
  ['transfer', 'can i speak to a person please'],
  ['transfer', 'please transfer me to the front desk'],
  ['transfer', 'i would like to talk to the manager'],
  ['transfer', 'can you put me through to someone at reception'],
  ['transfer', 'i need to speak with a real person'],
  ['transfer', 'connect me to the billing department please'],
  ['names+numbers', 'my name is john smith'],
  ['names+numbers', 'this is maria garcia calling about my booking'],
  ['names+numbers', 'my phone number is five five five one two three four'],
  ['names+numbers', 'the booking is under the name of david miller'],
  ['names+numbers', 'i have an appointment at eleven fifteen with sarah'],
  ['names+numbers', 'my reference number is four two seven nine'],
  ['names+numbers', 'we are a party of six on the twentieth'],
  ['names+numbers', 'i am calling for my son james he is eight years old'],
  ['other', 'yes that works for me thank you'],
  ['other', 'no that is all thank you goodbye'],
  ['other', 'sorry could you repeat that please'],
  ['other', 'i am running about ten minutes late'],
  ['other', 'do you have parking near the shop'],
];

/**
 * What a hair salon and a dental practice, the businesses the corpus calls,
 * would list as their services: passed as every stream's keyterms, as the
 * listener passes a knowledge file's service names and aliases. Not corpus
 * sentences; half of these words never occur in the corpus.
 */
export const sttKeyterms: readonly string[] = [
  'haircut', 'color', 'highlights', 'trim', 'beard trim', 'shave', 'blow dry', 'styling',
  'consultation', 'cleaning', 'hygienist', 'whitening', 'checkup',
];

export interface SttParams {
  /** flite voices; kal is 8 kHz, the others 16 kHz (resampled to 8 kHz). */
  readonly voices: readonly string[];
  readonly corpus: readonly (readonly [Topic, string])[];
  /** Every stream's keyterms: the beam-decoding pass is biased by them; greedy decoding (the default) ignores them. */
  readonly keyterms: readonly string[];
  /** Silence before each utterance and after it (long enough for the turn to end). */
  readonly leadMs: number;
  readonly tailMs: number;
  /** Simultaneous streams tried, in order, on one core; stops after the first that cannot keep up. */
  readonly concurrencySteps: readonly number[];
  /** Audio per stream in each concurrency step. */
  readonly callSeconds: number;
  /** A step is sustained when processing takes at most this share of real time (the rest is headroom). */
  readonly sustainedLoad: number;
  /** Core the concurrency steps run on (the whole process, every thread). */
  readonly core: number;
}

export const defaultSttParams: SttParams = {
  voices: ['kal', 'slt', 'rms', 'awb'],
  corpus: sttCorpus,
  keyterms: sttKeyterms,
  leadMs: 300,
  tailMs: 1000,
  concurrencySteps: [10, 20, 25, 30, 35, 40],
  callSeconds: 10,
  sustainedLoad: 0.8,
  core: 1,
};

export const sttTargets = { wer: 0.15, rtf: 0.05, streamsPerCore: 25 } as const;

export interface Clip {
  readonly topic: Topic;
  readonly voice: string;
  readonly text: string;
  /** 8 kHz linear16 after the phone band and a μ-law round trip. */
  readonly samples: Int16Array;
}

export interface UtteranceResult {
  readonly topic: Topic;
  readonly voice: string;
  readonly text: string;
  /** Finals of the stream, joined. */
  readonly heard: string;
  readonly edits: WordEdits;
  /** Audio pushed: lead silence, speech, trailing silence. */
  readonly audioMs: number;
  readonly cpuMs: number;
  readonly wallMs: number;
}

export interface ConcurrencyStep {
  readonly streams: number;
  readonly audioSeconds: number;
  /** Share of each stream's audio that is speech (the rest is the caller listening). */
  readonly speechShare: number;
  /** Processing time over audio time for all streams together: below 1 keeps up with real time. */
  readonly cpuLoad: number;
  readonly wallLoad: number;
  /** Time to push one 20 ms frame into every stream (and hand out the events). */
  readonly roundMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly finals: number;
  /** Error events (dropped events or a failed stream): should be 0. */
  readonly errors: number;
}

export interface SttMeasurements {
  readonly params: SttParams;
  readonly utterances: readonly UtteranceResult[];
  /** The same corpus decoded by beam search with the keyterms: word edits per topic. */
  readonly beamWithKeyterms: Readonly<Record<string, WordEdits>>;
  readonly concurrency: readonly ConcurrencyStep[];
  /** Whether the concurrency steps really ran on one core. */
  readonly pinned: string;
  readonly corpusSeconds: number;
}

/** Second-order low-pass (RBJ biquad, Q = 1/√2) at `cutoffHz`: with callgen's phoneBand (300 Hz high-pass), the 300–3400 Hz phone band. */
export function lowPass(samples: Int16Array, cutoffHz = 3400, sampleRateHz = RATE): Int16Array {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRateHz;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / Math.SQRT2;
  const a0 = 1 + alpha;
  const b0 = (1 - cos) / 2 / a0;
  const b1 = (1 - cos) / a0;
  const a1 = (-2 * cos) / a0;
  const a2 = (1 - alpha) / a0;
  const out = new Int16Array(samples.length);
  let [x1, x2, y1, y2] = [0, 0, 0, 0];
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i] as number;
    const y = b0 * x + b1 * x1 + b0 * x2 - a1 * y1 - a2 * y2;
    [x2, x1, y2, y1] = [x1, x, y1, y];
    out[i] = Math.max(-32768, Math.min(32767, Math.round(y)));
  }
  return out;
}

/**
 * The rest of the phone line for 8 kHz audio that callgen's `speak()` has
 * already high-passed at 300 Hz: the 3400 Hz low-pass, then G.711 μ-law
 * encoded and decoded.
 */
export function telephone(samples: Int16Array): Int16Array {
  return mulaw.decode(mulaw.encode(lowPass(samples)));
}

/** Every corpus line in every voice, two flite processes at a time. */
async function buildCorpus(params: SttParams): Promise<Clip[]> {
  const jobs = params.voices.flatMap((voice) => params.corpus.map(([topic, text]) => ({ topic, voice, text })));
  const clips: Clip[] = new Array<Clip>(jobs.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < jobs.length; i = next++) {
      const job = jobs[i] as (typeof jobs)[number];
      // speak() resamples to 8 kHz and high-passes at 300 Hz; telephone() adds the 3400 Hz low-pass and μ-law.
      const { samples } = await speak(job.text, job.voice);
      clips[i] = { ...job, samples: telephone(samples) };
    }
  };
  await Promise.all([worker(), worker()]);
  return clips;
}

const silence = (ms: number) => new Int16Array((ms * RATE) / 1000);

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function collect(stream: SpeechStream): Promise<SpeechEvent[]> {
  const events: SpeechEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const cpuMsSince = (before: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};

/** One stream per utterance, fed 20 ms frames as fast as they go, one after the other. */
async function transcribe(engine: LocalSpeechToText, clip: Clip, params: SttParams, keyterms = params.keyterms): Promise<UtteranceResult> {
  const audio = concat([silence(params.leadMs), clip.samples, silence(params.tailMs)]);
  const stream = engine.stream({ sampleRateHz: RATE, keyterms });
  const events = collect(stream);
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let at = 0; at < audio.length; at += FRAME) stream.pushFrame(audio.subarray(at, at + FRAME));
  await stream.close();
  const cpuMs = cpuMsSince(cpu0);
  const wallMs = performance.now() - wall0;
  const heard = (await events)
    .flatMap((e) => (e.type === 'final' ? [e.text] : []))
    .join(' ');
  return { topic: clip.topic, voice: clip.voice, text: clip.text, heard, edits: wordEdits(clip.text, heard), audioMs: (audio.length * 1000) / RATE, cpuMs, wallMs };
}

/**
 * A caller's side of a call, `seconds` long: utterances from the corpus
 * (several voices), each followed by a pause while the agent answers.
 * Streams start at different points and pause differently, so their turns
 * and the recognizer's 320 ms chunks do not line up.
 */
function callAudio(clips: readonly Clip[], index: number, seconds: number): { samples: Int16Array; speech: number } {
  const total = seconds * RATE;
  const parts: Int16Array[] = [silence((index * 613) % 3000)];
  let length = parts[0]?.length ?? 0;
  let speech = 0;
  for (let k = 0; length < total; k++) {
    const clip = clips[(index * 11 + k * 7) % clips.length] as Clip;
    const pause = silence(1500 + ((k * 977 + index * 331) % 2500));
    parts.push(clip.samples, pause);
    speech += Math.min(clip.samples.length, total - length);
    length += clip.samples.length + pause.length;
  }
  return { samples: concat(parts).subarray(0, total), speech: speech / total };
}

/** N streams fed round by round (frame k of every stream, then frame k+1), as fast as they go: the order real time would give. */
async function concurrencyStep(engine: LocalSpeechToText, clips: readonly Clip[], streams: number, params: SttParams): Promise<ConcurrencyStep> {
  const seconds = params.callSeconds;
  const calls = Array.from({ length: streams }, (_, i) => callAudio(clips, i, seconds));
  const open = calls.map(() => engine.stream({ sampleRateHz: RATE, keyterms: params.keyterms }));
  const events = open.map(collect);
  const rounds = (seconds * RATE) / FRAME;
  const roundMs = new Float64Array(rounds);
  const turn = () => new Promise<void>((done) => setImmediate(done));
  await turn();
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const at = r * FRAME;
    for (let i = 0; i < streams; i++) (open[i] as SpeechStream).pushFrame((calls[i] as { samples: Int16Array }).samples.subarray(at, at + FRAME));
    // Let the readers take their events, as a service reading its streams would.
    await turn();
    roundMs[r] = performance.now() - t0;
  }
  const cpuMs = cpuMsSince(cpu0);
  const wallMs = performance.now() - wall0;
  await Promise.all(open.map((s) => s.close()));
  const all = (await Promise.all(events)).flat();
  const rs = summarize(roundMs);
  return {
    streams,
    audioSeconds: seconds,
    speechShare: calls.reduce((sum, c) => sum + c.speech, 0) / streams,
    cpuLoad: cpuMs / 1000 / seconds,
    wallLoad: wallMs / 1000 / seconds,
    roundMs: { p50: rs.p50, p99: rs.p99, max: rs.max },
    finals: all.filter((e) => e.type === 'final').length,
    errors: all.filter((e) => e.type === 'error').length,
  };
}

/** Affinity of every thread of this process, as taskset's hex mask. */
function affinityMask(): string | undefined {
  try {
    return /mask:\s*([0-9a-f]+)/i.exec(execFileSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' }))?.[1];
  } catch {
    return undefined;
  }
}

function setAffinity(args: readonly string[]): boolean {
  try {
    // -a: every thread (V8's helpers and onnxruntime's too), not just the main one.
    execFileSync('taskset', ['-a', '-p', ...args, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function measureStt(params: SttParams, log: (line: string) => void = () => undefined): Promise<SttMeasurements> {
  const mirror = process.env.VOICE_AGENT_MODELS_MIRROR || resolve(workspaceRoot, '../shared/models');
  const models = { mirrorDir: existsSync(mirror) ? mirror : null, log };
  // The product's default engine (greedy decoding) is what the targets judge; beam decoding with keyterms is measured beside it.
  const engine = await createLocalSpeechToText({ models });
  const beamEngine = await createLocalSpeechToText({ models, decoding: 'beam' });

  const t0 = performance.now();
  const clips = await buildCorpus(params);
  const corpusSeconds = clips.reduce((sum, c) => sum + c.samples.length, 0) / RATE;
  log(`corpus: ${clips.length} utterances (${params.corpus.length} × ${params.voices.length} voices), ${corpusSeconds.toFixed(0)} s of speech, spoken in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Warm-up: onnxruntime's first runs allocate and the JIT compiles the stream code.
  for (const clip of clips.slice(0, 3)) await transcribe(engine, clip, params);
  const utterances: UtteranceResult[] = [];
  for (const clip of clips) utterances.push(await transcribe(engine, clip, params));
  const all = addEdits(utterances.map((u) => u.edits));
  log(`accuracy: WER ${(errorRate(all) * 100).toFixed(1)} % over ${all.words} words`);
  const beam: UtteranceResult[] = [];
  for (const clip of clips) beam.push(await transcribe(beamEngine, clip, params));
  const beamWithKeyterms = Object.fromEntries(
    ['all', ...new Set(beam.map((u) => u.topic))].map((topic) => [topic, addEdits(beam.filter((u) => topic === 'all' || u.topic === topic).map((u) => u.edits))]),
  );
  log(`accuracy with beam decoding and keyterms: WER ${(errorRate(beamWithKeyterms.all as WordEdits) * 100).toFixed(1)} %`);

  const core = Math.min(params.core, cpus().length - 1);
  const original = affinityMask();
  const pinned = original !== undefined && setAffinity(['-c', String(core)]) ? `core ${core}` : 'not pinned (taskset failed)';
  const concurrency: ConcurrencyStep[] = [];
  try {
    for (const streams of params.concurrencySteps) {
      const step = await concurrencyStep(engine, clips, streams, params);
      concurrency.push(step);
      log(`${streams} streams: ${(step.cpuLoad * 100).toFixed(0)} % of one core (cpu), ${(step.wallLoad * 100).toFixed(0)} % (wall), worst round ${step.roundMs.max.toFixed(1)} ms`);
      if (step.cpuLoad > 1) break;
    }
  } finally {
    if (original !== undefined) setAffinity([original]);
  }
  return { params, utterances, beamWithKeyterms, concurrency, pinned, corpusSeconds };
}

const pct = (x: number) => `${fixed(x * 100, 1)} %`;

function accuracyRow(label: string, rows: readonly UtteranceResult[]): string[] {
  const e = addEdits(rows.map((r) => r.edits));
  const rtf = (pick: (r: UtteranceResult) => number) => summarize(Float64Array.from(rows, (r) => pick(r) / r.audioMs));
  const cpu = rtf((r) => r.cpuMs);
  const wall = rtf((r) => r.wallMs);
  return [
    label,
    String(rows.length),
    String(e.words),
    pct(errorRate(e)),
    `${e.substitutions}/${e.deletions}/${e.insertions}`,
    fixed(cpu.mean, 4),
    fixed(cpu.max, 4),
    fixed(wall.mean, 4),
    fixed(wall.max, 4),
  ];
}

/** Largest step that kept within the sustained load, judged on CPU time. */
export function sustainedStreams(m: SttMeasurements): number {
  return Math.max(0, ...m.concurrency.filter((s) => s.cpuLoad <= m.params.sustainedLoad).map((s) => s.streams));
}

export function sttReport(m: SttMeasurements): BenchResult {
  const { params, utterances, concurrency } = m;
  const all = addEdits(utterances.map((u) => u.edits));
  const wer = errorRate(all);
  const perStream = summarize(Float64Array.from(utterances, (u) => u.cpuMs / u.audioMs));
  const perStreamWall = summarize(Float64Array.from(utterances, (u) => u.wallMs / u.audioMs));
  const sustained = sustainedStreams(m);
  // Straight-line estimate from the busiest step measured: streams at the sustained load.
  const busiest = concurrency.at(-1);
  const estimate = busiest ? Math.floor((busiest.streams * params.sustainedLoad) / busiest.cpuLoad) : NaN;
  const topics = [...new Set(utterances.map((u) => u.topic))];
  const beam = (topic: string) => m.beamWithKeyterms[topic] ?? { substitutions: 0, deletions: 0, insertions: 0, words: 0 };
  const werBeam = errorRate(beam('all'));
  const accuracyColumns = ['', 'utterances', 'words', 'WER', 'sub/del/ins', 'RTF cpu mean', 'RTF cpu max', 'RTF wall mean', 'RTF wall max'];
  const tables: Table[] = [
    {
      title: `stt accuracy and speed per stream: flite voices → 8 kHz, 300–3400 Hz, μ-law; one stream at a time, default (greedy) decoding, 20 ms frames as fast as they go (+${params.leadMs} ms / ${params.tailMs} ms silence)`,
      columns: ['voice', ...accuracyColumns.slice(1)],
      rows: [...params.voices.map((v) => accuracyRow(v, utterances.filter((u) => u.voice === v))), accuracyRow('all', utterances)],
    },
    {
      title: 'stt accuracy by topic (all voices), default decoding, and beam decoding with the keyterms',
      columns: ['topic', ...accuracyColumns.slice(1, 5), 'WER beam + keyterms'],
      rows: [...topics, 'all'].map((t) => [
        ...accuracyRow(t, utterances.filter((u) => t === 'all' || u.topic === t)).slice(0, 5),
        pct(errorRate(beam(t))),
      ]),
    },
    {
      title: `stt concurrency on one core (${m.pinned}): ${params.callSeconds} s of call audio per stream, all streams fed frame by frame in real-time order, as fast as they go`,
      columns: ['streams', 'speech share', 'load cpu', 'load wall', 'sustained', 'round p50 ms', 'round p99 ms', 'round max ms', 'finals', 'errors'],
      rows: concurrency.map((s) => [
        String(s.streams),
        pct(s.speechShare),
        pct(s.cpuLoad),
        pct(s.wallLoad),
        s.cpuLoad <= params.sustainedLoad ? 'yes' : s.cpuLoad <= 1 ? 'no margin' : 'no',
        fixed(s.roundMs.p50, 2),
        fixed(s.roundMs.p99, 2),
        fixed(s.roundMs.max, 1),
        String(s.finals),
        String(s.errors),
      ]),
    },
  ];
  const worst = [...utterances].sort((a, b) => errorRate(b.edits) - errorRate(a.edits)).slice(0, 4);
  return {
    tables,
    targets: [
      {
        target: `WER ≤ ${sttTargets.wer * 100} % (phone-band μ-law flite speech, default decoding)`,
        measured: `${pct(wer)} (beam decoding with keyterms ${pct(werBeam)})`,
        met: wer <= sttTargets.wer,
      },
      {
        target: `RTF ≤ ${sttTargets.rtf} per stream (CPU, p90 of utterances)`,
        measured: `p90 ${fixed(perStream.p90, 4)} (mean ${fixed(perStream.mean, 4)}, wall p90 ${fixed(perStreamWall.p90, 4)})`,
        met: perStream.p90 <= sttTargets.rtf,
      },
      {
        target: `≥ ${sttTargets.streamsPerCore} streams per core in real time (≤ ${params.sustainedLoad * 100} % of the core)`,
        measured: `${sustained} streams (estimate ${Number.isFinite(estimate) ? estimate : '-'})`,
        met: sustained >= sttTargets.streamsPerCore,
      },
    ],
    notes: [
      'local engine (default): sherpa-onnx streaming zipformer, 3.3M parameters (asr-en-zipformer-3m, greedy search, 1 thread, input +12 dB, unsure trailing words dropped) + Silero VAD; default turn settings. Concurrency is measured on it',
      "beam decoding (the engine's `decoding: 'beam'` option, not the default: it writes short sounds such as \"uh-huh\" as words, which the barge-in guard takes for interruptions): modified beam search with 12 paths and sherpa hotwords (1.5 per matched piece)",
      "biasing (sherpa hotwords, beam decoding only, 1.5 per matched piece): the engine's built-in phone-call vocabulary (phoneCallVocabulary in libs/stt/src/adapters/local/hotwords.ts: days, months, numbers and times, booking, opening hours, prices, reaching a person) on every stream, plus these keyterms, a salon's and a dental practice's service names as a knowledge file would give them: " +
        params.keyterms.join(', '),
      `corpus: ${params.corpus.length} sentences × ${params.voices.length} voices (${m.corpusSeconds.toFixed(0)} s of speech), generated with flite at run time; WER = word edits / reference words over the corpus, after lower-casing and dropping punctuation`,
      'why the WER: the 3.3M model is a tiny keyword-spotting release (trained on GigaSpeech, 16 kHz human speech) with no language model, and synthetic flite speech is far from its training data (greedy search before the gain and the closing-word filter: 24.4 %). Biasing helps where callers use the biased words: 37 % of the corpus words are in the phone-call vocabulary (40 % with the keyterms); on other phone-call sentences the gain is smaller (docs/benchmarks.md). Differences under a point are noise: moving the pre-roll by 80 ms moves the WER by up to a point',
      `RTF = processing time / audio pushed (speech plus the silences); load = processing time of all streams / ${params.callSeconds} s; "sustained" = CPU load ≤ ${params.sustainedLoad * 100} %, judged on CPU time because other jobs share the machine (wall load includes their interference); estimate = busiest step scaled linearly to that load`,
      ...worst.map((u) => `worst (${u.voice}, ${pct(errorRate(u.edits))}): "${u.text}" → "${u.heard}"`),
    ],
    data: m,
  };
}

export const sttBenchmark: Benchmark = {
  name: 'stt',
  description: 'Local speech-to-text on phone audio: WER and real-time factor per stream, streams one core sustains',
  async run({ log }: BenchOptions): Promise<BenchResult> {
    return sttReport(await measureStt(defaultSttParams, log));
  },
};
