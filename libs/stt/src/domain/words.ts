import type { WordTiming } from '../ports/speech-to-text';

/** Sub-word tokens of a transducer result with their emission times. */
export interface TokenStream {
  readonly tokens: readonly string[];
  /** Seconds from the start of the recognizer's stream. */
  readonly timestamps: readonly number[];
  /** Log-probability of each token, when the engine gives it. */
  readonly logProbs?: readonly number[];
}

export interface Transcript {
  readonly text: string;
  readonly words: readonly WordTiming[];
  readonly confidence: number;
}

/** The shortest a word is taken to last when nothing else bounds it. */
const minWordMs = 40;

/**
 * Joins BPE tokens into words ("▁SA" "T" "UR" "DAY" → "saturday"), lower
 * case. A word starts at its first token's time and ends where the next word
 * starts; the last one ends with the speech (`endMs`). Tokens before `fromMs`
 * are left out (noise heard before the caller spoke). With `clamp`, times are
 * kept inside [clamp.startMs, endMs]: a transducer emits a token a little
 * after it is spoken, and the voice activity detector knows better where the
 * speech is. Confidence is the geometric mean of the token probabilities.
 */
export function wordsFromTokens(
  result: TokenStream,
  originMs: number,
  options: { fromMs?: number; endMs?: number; clamp?: { startMs: number } } = {},
): Transcript {
  const groups: { text: string; startMs: number; logProbs: number[] }[] = [];
  result.tokens.forEach((token, i) => {
    const atMs = Math.round(originMs + (result.timestamps[i] ?? 0) * 1000);
    if (options.fromMs !== undefined && atMs < options.fromMs) return;
    const startsWord = /^[\s▁]/.test(token);
    const piece = token.replace(/[\s▁]+/g, '').toLowerCase();
    const logProb = result.logProbs?.[i];
    const last = groups.at(-1);
    if (startsWord || !last) {
      if (piece === '' && !startsWord) return;
      groups.push({ text: piece, startMs: atMs, logProbs: logProb === undefined ? [] : [logProb] });
    } else {
      last.text += piece;
      if (logProb !== undefined) last.logProbs.push(logProb);
    }
  });
  const kept = groups.filter((g) => g.text !== '');
  const { endMs: speechEndMs, clamp } = options;
  const bound = (ms: number) => (clamp && speechEndMs !== undefined ? Math.min(Math.max(ms, clamp.startMs), speechEndMs) : ms);
  const words = kept.map((g, i): WordTiming => {
    const next = kept[i + 1];
    // The last word ends with the speech, unless the recognizer emitted it after the speech had ended.
    const lastEndMs = speechEndMs !== undefined && speechEndMs > g.startMs ? speechEndMs : g.startMs + minWordMs;
    const startMs = bound(g.startMs);
    return { word: g.text, startMs, endMs: Math.max(bound(next ? next.startMs : lastEndMs), startMs), confidence: geometricMean(g.logProbs) };
  });
  const all = kept.flatMap((g) => g.logProbs);
  return { text: words.map((w) => w.word).join(' '), words, confidence: words.length === 0 ? 0 : geometricMean(all) };
}

function geometricMean(logProbs: readonly number[]): number {
  if (logProbs.length === 0) return 1;
  const mean = logProbs.reduce((sum, p) => sum + p, 0) / logProbs.length;
  return Math.min(1, Math.max(0, Math.exp(mean)));
}
