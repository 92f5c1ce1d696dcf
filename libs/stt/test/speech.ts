import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseWav, wavSamples } from '@voiceagent/audio';
import { createLocalSpeechToText, type LocalSpeechToText, type SpeechEvent, type SpeechStream, type TurnDetectionOptions } from '../src/index';

export const repoRoot = resolve(import.meta.dirname, '../../..');

/** The shared model mirror: VOICE_AGENT_MODELS_MIRROR as CI sets it, else ../shared/models beside the checkout. */
export const modelsMirror = process.env.VOICE_AGENT_MODELS_MIRROR || resolve(repoRoot, '../shared/models');

const scratch = mkdtempSync(join(tmpdir(), 'stt-test-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** A local engine whose models are copied from the mirror into a scratch folder (never downloaded). */
export function localEngine(turn: Partial<TurnDetectionOptions> = {}, maxQueuedEvents?: number): Promise<LocalSpeechToText> {
  return createLocalSpeechToText({ models: { modelsDir: join(scratch, 'models'), mirrorDir: modelsMirror, download: false }, turn, maxQueuedEvents });
}

let spoken = 0;
/** `text` spoken by Debian's flite: kal at 8 kHz by default, or another voice (slt is 16 kHz). */
export function speak(text: string, voice?: string): { samples: Int16Array; sampleRateHz: number } {
  const file = join(scratch, `say-${spoken++}.wav`);
  execFileSync('flite', [...(voice ? ['-voice', voice] : []), '-t', text, '-o', file]);
  const wav = parseWav(readFileSync(file));
  return { samples: wavSamples(wav).slice(), sampleRateHz: wav.sampleRateHz };
}

/** Cuts flite's own leading and trailing near-silence so the pauses a test builds are exact. */
export function trimSilence(samples: Int16Array, threshold = 300): Int16Array {
  let start = 0;
  let end = samples.length;
  while (start < end && Math.abs(samples[start]!) < threshold) start++;
  while (end > start && Math.abs(samples[end - 1]!) < threshold) end--;
  return samples.slice(start, end);
}

export const silence = (ms: number, sampleRateHz = 8000) => new Int16Array(Math.round((ms * sampleRateHz) / 1000));

/** Deterministic white noise (a fixed-seed generator), `amplitude` of full scale. */
export function noise(ms: number, amplitude: number, sampleRateHz = 8000, seed = 7): Int16Array {
  const out = new Int16Array(Math.round((ms * sampleRateHz) / 1000));
  let state = seed;
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    out[i] = Math.round(((state / 0xffffffff) * 2 - 1) * amplitude * 32767);
  }
  return out;
}

export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export const durationMs = (samples: Int16Array, sampleRateHz = 8000) => (samples.length * 1000) / sampleRateHz;

/** Pushes audio in 20 ms frames, as fast as it goes. */
export function pushAll(stream: SpeechStream, samples: Int16Array, sampleRateHz = 8000): void {
  const frame = (sampleRateHz * 20) / 1000;
  for (let at = 0; at < samples.length; at += frame) stream.pushFrame(samples.subarray(at, at + frame));
}

/** Reads every event until the stream ends. */
export async function collect(stream: SpeechStream): Promise<SpeechEvent[]> {
  const events: SpeechEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

export const finals = (events: readonly SpeechEvent[]) => events.flatMap((e) => (e.type === 'final' ? [e] : []));
export const types = (events: readonly SpeechEvent[]) => events.map((e) => e.type).filter((t) => t !== 'partial');

/** Word error rate of `hypothesis` against `reference` (edit distance over words / reference words). */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = reference.toLowerCase().split(/\s+/).filter(Boolean);
  const hyp = hypothesis.toLowerCase().split(/\s+/).filter(Boolean);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[hyp.length]! / ref.length;
}
