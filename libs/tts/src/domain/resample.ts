/**
 * Private stand-in until @voiceagent/audio ships its resampler: swap this for
 * it then. Whole-buffer band-limited (windowed-sinc, polyphase) resampling of
 * one sentence: engines hand over a sentence at a time, so no state is kept.
 */

const ZERO_CROSSINGS = 12;
const NO_TAPS = new Float32Array(0);
const tables = new Map<string, { up: number; down: number; half: number; taps: Float32Array[] }>();

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Filter taps for each output phase, built once per rate pair. */
function table(fromHz: number, toHz: number) {
  const key = `${fromHz}:${toHz}`;
  const cached = tables.get(key);
  if (cached) return cached;
  const g = gcd(fromHz, toHz);
  const up = toHz / g;
  const down = fromHz / g;
  // Cut-off just under the lower Nyquist frequency, relative to the input rate.
  const cutoff = 0.5 * Math.min(1, toHz / fromHz) * 0.92;
  const half = Math.ceil(ZERO_CROSSINGS / (2 * cutoff));
  const taps: Float32Array[] = [];
  for (let phase = 0; phase < up; phase++) {
    const frac = phase / up; // output position between two input samples
    const row = new Float32Array(2 * half);
    let sum = 0;
    for (let k = 0; k < 2 * half; k++) {
      const d = k - half + 1 - frac; // distance from the output position to input sample floor+k-half+1
      const x = 2 * cutoff * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = d / half; // Blackman window over [-1, 1]
      const window = Math.abs(w) >= 1 ? 0 : 0.42 + 0.5 * Math.cos(Math.PI * w) + 0.08 * Math.cos(2 * Math.PI * w);
      row[k] = sinc * window;
      sum += row[k] ?? 0;
    }
    for (let k = 0; k < row.length; k++) row[k] = (row[k] ?? 0) / sum; // unity gain at DC
    taps.push(row);
  }
  const built = { up, down, half, taps };
  tables.set(key, built);
  return built;
}

export function resample(input: Int16Array, fromHz: number, toHz: number): Int16Array {
  if (fromHz === toHz || input.length === 0) return input;
  const { up, down, half, taps } = table(fromHz, toHz);
  // Zero-padded copy: the filter never reads past either end, so the inner loop has no bounds checks.
  const x = new Float32Array(input.length + 2 * half);
  x.set(input, half);
  const length = Math.floor((input.length * up) / down);
  const out = new Int16Array(length);
  let base = 0; // input sample at or before the output position
  let phase = 0; // output position past `base`, in 1/up of an input sample
  for (let n = 0; n < length; n++) {
    const row = taps[phase] ?? NO_TAPS;
    let acc = 0;
    // x[base + 1 + k] is input sample base - half + 1 + k
    for (let k = 0, i = base + 1; k < row.length; k++, i++) acc += (row[k] ?? 0) * (x[i] ?? 0);
    out[n] = acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc);
    phase += down;
    while (phase >= up) {
      phase -= up;
      base++;
    }
  }
  return out;
}
