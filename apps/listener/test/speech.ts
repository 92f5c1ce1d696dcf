import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { linear16Bytes, parseWav, wavSamples } from '@voiceagent/audio';
import { publishTo, subscribeTo, type BusHeaders } from '@voiceagent/bus';
import { Track, topics, type Transcript, type UserTurn, type VadEvent } from '@voiceagent/contracts';
import type { ServiceHarness } from '@voiceagent/runtime/testing';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** The shared model mirror: VOICE_AGENT_MODELS_MIRROR as CI sets it, else ../shared/models beside the checkout. */
export const modelsMirror = process.env.VOICE_AGENT_MODELS_MIRROR || resolve(repoRoot, '../shared/models');

export const scratch = mkdtempSync(join(tmpdir(), 'listener-test-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** Models copied from the mirror into a scratch folder, never downloaded (the service is made with downloadModels: false). */
export const modelEnv = { VOICE_AGENT_MODELS: join(scratch, 'models'), VOICE_AGENT_MODELS_MIRROR: modelsMirror };

let spoken = 0;
/** `text` spoken by Debian's flite (kal, 8 kHz), its own leading and trailing near-silence cut. */
export function speak(text: string): Int16Array {
  const file = join(scratch, `say-${spoken++}.wav`);
  execFileSync('flite', ['-t', text, '-o', file]);
  const wav = parseWav(readFileSync(file));
  if (wav.sampleRateHz !== 8000) throw new Error(`flite spoke at ${wav.sampleRateHz} Hz; the tests expect 8000`);
  const samples = wavSamples(wav);
  let start = 0;
  let end = samples.length;
  while (start < end && Math.abs(samples[start]!) < 300) start++;
  while (end > start && Math.abs(samples[end - 1]!) < 300) end--;
  return samples.slice(start, end);
}

export const silence = (ms: number) => new Int16Array(ms * 8);
export const durationMs = (samples: Int16Array) => samples.length / 8;

export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** `samples` scaled by `db` (negative: quieter). */
export function gain(samples: Int16Array, db: number): Int16Array {
  const factor = 10 ** (db / 20);
  return samples.map((s) => Math.round(s * factor));
}

/** Word error rate of `hypothesis` against `reference`. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = reference.toLowerCase().split(/\s+/).filter(Boolean);
  const hyp = hypothesis.toLowerCase().split(/\s+/).filter(Boolean);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1)));
    previous = current;
  }
  return previous[hyp.length]! / ref.length;
}

const sleepUntil = (wallMs: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, wallMs - Date.now())));

export interface Received<T> {
  readonly value: T;
  readonly headers: BusHeaders;
  /** Wall clock when it arrived. */
  readonly at: number;
}

/** Everything the listener publishes for one call, in arrival order. */
export function watchCall(h: ServiceHarness, callId: string) {
  const vad: Received<VadEvent>[] = [];
  const transcripts: Received<Transcript>[] = [];
  const turns: Received<UserTurn>[] = [];
  const order: string[] = [];
  const subscriptions = [
    subscribeTo(h.bus, topics.call(callId, 'vad'), (value, m) => {
      vad.push({ value, headers: m.headers, at: Date.now() });
      order.push(`vad:${value.kind === 1 ? 'started' : 'stopped'}${value.duringAgentSpeech ? ':agent' : ''}`);
    }),
    subscribeTo(h.bus, topics.call(callId, 'transcript'), (value, m) => {
      transcripts.push({ value, headers: m.headers, at: Date.now() });
      // Consecutive partials collapse: how many come depends on scheduling.
      const kind = value.isFinal ? 'final' : 'partial';
      if (order.at(-1) !== kind || kind === 'final') order.push(kind);
    }),
    subscribeTo(h.bus, topics.call(callId, 'userTurn'), (value, m) => {
      turns.push({ value, headers: m.headers, at: Date.now() });
      order.push('turn');
    }),
  ];
  return { vad, transcripts, turns, order, unsubscribe: () => subscriptions.forEach((s) => s.unsubscribe()) };
}

let sequences = new Map<string, number>();
export const resetSequences = () => (sequences = new Map());

/**
 * Publishes caller audio as 20 ms `audio.in` frames. Fast by default (the
 * engine's timing follows the audio, not the clock) with each frame captured
 * `capturedFrom` + its position; `realTime` sends each frame when its audio
 * would have been captured, stamped with the wall clock, as media does. The bus is flushed after
 * every frame so the listener's events interleave with the audio as they
 * would live. Returns the capture time of the first sample.
 */
export async function sayIntoCall(
  h: ServiceHarness,
  callId: string,
  samples: Int16Array,
  { realTime = false, capturedFrom = Date.now() - durationMs(samples) } = {},
): Promise<number> {
  const topic = topics.call(callId, 'audioIn');
  const start = realTime ? Date.now() : capturedFrom;
  for (let at = 0, i = 0; at < samples.length; at += 160, i++) {
    const sequence = sequences.get(callId) ?? 0;
    sequences.set(callId, sequence + 1);
    // Live, a frame goes out once its last sample is in, 20 ms after its first.
    if (realTime) await sleepUntil(start + (i + 1) * 20);
    const pcm = linear16Bytes(samples.slice(at, at + 160));
    publishTo(h.bus, topic, { callId, sequence, sampleRateHz: 8000, channels: 1, pcm, capturedAtUs: (start + i * 20) * 1000, track: Track.TRACK_CALLER, endOfUtterance: false });
    await h.bus.flush();
  }
  return start;
}

/** Agent audio on `audio.out`, all at once, as the speaker publishes it (media paces the playout). */
export function agentSays(h: ServiceHarness, callId: string, samples: Int16Array): void {
  const topic = topics.call(callId, 'audioOut');
  for (let at = 0, sequence = 0; at < samples.length; at += 160, sequence++) {
    const pcm = linear16Bytes(samples.slice(at, at + 160));
    publishTo(h.bus, topic, { callId, sequence, sampleRateHz: 8000, channels: 1, pcm, capturedAtUs: Date.now() * 1000, track: Track.TRACK_AGENT, endOfUtterance: false });
  }
}
