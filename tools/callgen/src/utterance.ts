import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseWav, resample, wavSamples } from '@voiceagent/audio';

const run = promisify(execFile);

/** What the caller says in one turn: mono linear16 at 8 kHz, and a label for reports. */
export interface Utterance {
  readonly label: string;
  readonly samples: Int16Array;
}

export const CALL_RATE_HZ = 8000;

/**
 * Speaks text with Debian's flite (voice kal is 8 kHz; others are resampled)
 * and band-limits it to the telephone band, as a caller on a phone sounds.
 */
export async function speak(text: string, voice = 'kal'): Promise<Utterance> {
  const dir = await mkdtemp(join(tmpdir(), 'callgen-'));
  try {
    const file = join(dir, 'say.wav');
    await run('flite', ['-voice', voice, '-t', text, '-o', file]).catch((error: NodeJS.ErrnoException) => {
      throw new Error(error.code === 'ENOENT' ? 'flite is not installed (apt-get install flite)' : `flite failed: ${error.message}`);
    });
    return { label: text, samples: phoneBand(await readUtteranceFile(file)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads a WAV (linear16, μ-law or A-law, any rate) as mono 8 kHz. */
export async function readWav(path: string): Promise<Utterance> {
  return { label: path, samples: await readUtteranceFile(path) };
}

async function readUtteranceFile(path: string): Promise<Int16Array> {
  const wav = parseWav(await readFile(path));
  let samples = wavSamples(wav);
  if (wav.channels > 1) samples = samples.filter((_, i) => i % wav.channels === 0);
  return wav.sampleRateHz === CALL_RATE_HZ ? samples : resample(samples, wav.sampleRateHz, CALL_RATE_HZ);
}

/**
 * A 300 Hz second-order high-pass (RBJ biquad): with the 8 kHz rate's 4 kHz
 * ceiling this gives the 300-3400 Hz band of a phone line. Simulation only.
 */
export function phoneBand(samples: Int16Array, sampleRateHz = CALL_RATE_HZ, cutoffHz = 300): Int16Array {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRateHz;
  const alpha = Math.sin(w0) / Math.SQRT2;
  const cos = Math.cos(w0);
  const a0 = 1 + alpha;
  const b0 = (1 + cos) / 2 / a0;
  const b1 = -(1 + cos) / a0;
  const a1 = (-2 * cos) / a0;
  const a2 = (1 - alpha) / a0;
  const out = new Int16Array(samples.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i] as number;
    const y = b0 * x + b1 * x1 + b0 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(y)));
  }
  return out;
}
