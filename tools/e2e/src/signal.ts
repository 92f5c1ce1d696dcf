import { rmsDbfs } from '@voiceagent/audio';

const RATE_HZ = 8000;
const FRAME_SAMPLES = RATE_HZ / 50;

/** Level of each 20 ms frame in dBFS. */
export function frameLevels(samples: Int16Array): number[] {
  const levels: number[] = [];
  for (let at = 0; at + FRAME_SAMPLES <= samples.length; at += FRAME_SAMPLES) levels.push(rmsDbfs(samples.subarray(at, at + FRAME_SAMPLES)));
  return levels;
}

export interface SpeechRun {
  readonly startMs: number;
  readonly endMs: number;
  readonly durationMs: number;
}

/**
 * The longest stretch of 20 ms frames above `thresholdDbfs`, quieter gaps
 * shorter than `bridgeMs` (stop consonants, a breath between words) included.
 */
export function longestSpeechRun(samples: Int16Array, { thresholdDbfs = -40, bridgeMs = 300 } = {}): SpeechRun | undefined {
  const loud = frameLevels(samples).map((level) => level >= thresholdDbfs);
  const bridge = Math.round(bridgeMs / 20);
  let best: SpeechRun | undefined;
  let start = -1;
  let last = -1;
  const close = () => {
    if (start < 0) return;
    const run = { startMs: start * 20, endMs: (last + 1) * 20, durationMs: (last + 1 - start) * 20 };
    if (!best || run.durationMs > best.durationMs) best = run;
  };
  loud.forEach((isLoud, i) => {
    if (!isLoud) return;
    if (start >= 0 && i - last - 1 >= bridge) {
      close();
      start = -1;
    }
    if (start < 0) start = i;
    last = i;
  });
  close();
  return best;
}

export interface CorrelationPeak {
  /** Where in `signal` the reference fits best, in ms. */
  readonly lagMs: number;
  /** Normalised cross-correlation there: 1 is a perfect (scaled) copy. */
  readonly value: number;
}

/**
 * Slides `reference` along `signal` and finds the offset where they match
 * best, normalised by both energies at that offset (so level changes do not
 * matter, shape does).
 */
export function correlationPeak(signal: Int16Array, reference: Int16Array): CorrelationPeak {
  const n = reference.length;
  if (signal.length < n) throw new Error(`the signal (${signal.length} samples) is shorter than the reference (${n})`);
  const ref = Float64Array.from(reference);
  const sig = Float64Array.from(signal);
  let refEnergy = 0;
  for (const x of ref) refEnergy += x * x;
  // Energy of the signal window at each lag, kept running.
  let windowEnergy = 0;
  for (let i = 0; i < n; i++) windowEnergy += (sig[i] ?? 0) ** 2;
  let best: CorrelationPeak = { lagMs: 0, value: -Infinity };
  for (let lag = 0; lag + n <= sig.length; lag++) {
    if (lag > 0) windowEnergy += (sig[lag + n - 1] ?? 0) ** 2 - (sig[lag - 1] ?? 0) ** 2;
    let dot = 0;
    for (let i = 0; i < n; i++) dot += (sig[lag + i] ?? 0) * (ref[i] ?? 0);
    const value = windowEnergy > 0 && refEnergy > 0 ? dot / Math.sqrt(windowEnergy * refEnergy) : 0;
    if (value > best.value) best = { lagMs: (lag * 1000) / RATE_HZ, value };
  }
  return best;
}

/** The part of `samples` from the first to the last 20 ms frame above `thresholdDbfs` (the utterance without flite's lead-in and tail). */
export function trimSilence(samples: Int16Array, thresholdDbfs = -40): Int16Array {
  const levels = frameLevels(samples);
  const first = levels.findIndex((level) => level >= thresholdDbfs);
  const last = levels.findLastIndex((level) => level >= thresholdDbfs);
  return first < 0 ? new Int16Array(0) : samples.subarray(first * FRAME_SAMPLES, (last + 1) * FRAME_SAMPLES);
}
