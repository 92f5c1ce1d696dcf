/**
 * Time to first audio and real-time factor of the local engine, per voice and
 * rate: `npx tsx libs/tts/bench/latency.ts`. (Numbers, not assertions: the
 * design keeps timing out of unit tests; tools/bench can call run().)
 */
import { LocalTextToSpeech } from '../src/index';

const TEN_WORDS = 'Your appointment is confirmed for Tuesday at nine thirty tomorrow.';
const SHORT = 'One moment please.';
const LONG =
  'Thanks for calling, we are open Monday to Friday from nine in the morning until six in the evening, on Saturdays from ten until four, ' +
  'and if you would like to book a haircut, a colour or a beard trim I can find you a time that suits you this week.';

export interface Row {
  voice: string;
  sampleRateHz: number;
  text: string;
  firstAudioMs: number;
  totalMs: number;
  audioMs: number;
  rtf: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function measure(tts: LocalTextToSpeech, voice: string, sampleRateHz: number, text: string, runs: number): Promise<Row> {
  const first: number[] = [];
  const total: number[] = [];
  let frames = 0;
  for (let i = 0; i < runs + 2; i++) {
    const stream = tts.stream({ sampleRateHz, voice });
    const t0 = performance.now();
    stream.pushText(text);
    stream.endInput();
    let n = 0;
    let firstAt = 0;
    for await (const _frame of stream) if (n++ === 0) firstAt = performance.now() - t0;
    if (i < 2) continue; // warm-up: voice data paged in, code compiled
    first.push(firstAt);
    total.push(performance.now() - t0);
    frames = n;
  }
  const audioMs = frames * 20;
  return { voice, sampleRateHz, text: text.split(/\s+/).length + ' words', firstAudioMs: median(first), totalMs: median(total), audioMs, rtf: median(total) / audioMs };
}

/** First-audio times when `calls` streams ask for a sentence at the same moment (the engine queues processes). */
export async function concurrent(calls: number, rounds = 5): Promise<{ calls: number; p50Ms: number; p95Ms: number }> {
  const tts = await LocalTextToSpeech.create();
  const first: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: calls }, async () => {
          const stream = tts.stream({ sampleRateHz: 8000 });
          stream.pushText(TEN_WORDS);
          stream.endInput();
          let seen = false;
          for await (const _frame of stream) {
            if (!seen) first.push(performance.now() - t0);
            seen = true;
          }
        }),
      );
    }
  } finally {
    await tts.close();
  }
  const sorted = first.sort((a, b) => a - b);
  return { calls, p50Ms: sorted[Math.floor(sorted.length * 0.5)] ?? NaN, p95Ms: sorted[Math.floor(sorted.length * 0.95)] ?? NaN };
}

export async function run(runs = 9): Promise<Row[]> {
  const tts = await LocalTextToSpeech.create();
  const rows: Row[] = [];
  try {
    for (const [voice, rate] of [['kal', 8000], ['kal', 16000], ['slt', 8000], ['slt', 16000], ['espeak-ng', 8000]] as const) {
      for (const text of [SHORT, TEN_WORDS, LONG]) rows.push(await measure(tts, voice, rate, text, runs));
    }
  } finally {
    await tts.close();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  console.log('voice      rate   text       first audio  total     audio    RTF');
  for (const r of rows) {
    console.log(
      `${r.voice.padEnd(10)} ${String(r.sampleRateHz).padEnd(6)} ${r.text.padEnd(10)} ${r.firstAudioMs.toFixed(1).padStart(8)} ms ${r.totalMs.toFixed(1).padStart(7)} ms ${(r.audioMs / 1000).toFixed(2).padStart(6)} s  ${r.rtf.toFixed(4)}`,
    );
  }
  for (const calls of [1, 10, 50]) {
    const c = await concurrent(calls);
    console.log(`${calls} calls at once (kal, 8 kHz, 10 words): first audio p50 ${c.p50Ms.toFixed(1)} ms, p95 ${c.p95Ms.toFixed(1)} ms`);
  }
}
