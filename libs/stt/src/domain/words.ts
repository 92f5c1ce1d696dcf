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
 * starts (the last word at `endMs`, the end of the speech). Confidence is the geometric mean of the
 * token probabilities. Tokens before `fromMs` are left out (noise the
 * recognizer heard before the caller spoke).
 */
export function wordsFromTokens(result: TokenStream, originMs: number, options: { fromMs?: number; endMs?: number } = {}): Transcript {
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
  const words = kept.map((g, i): WordTiming => {
    const next = kept[i + 1];
    // The last word ends with the speech, unless the recognizer emitted it after the speech had ended.
    const speechEndMs = options.endMs !== undefined && options.endMs > g.startMs ? options.endMs : g.startMs + minWordMs;
    const endMs = next ? next.startMs : speechEndMs;
    return { word: g.text, startMs: g.startMs, endMs: Math.max(endMs, g.startMs), confidence: geometricMean(g.logProbs) };
  });
  const all = kept.flatMap((g) => g.logProbs);
  return { text: words.map((w) => w.word).join(' '), words, confidence: words.length === 0 ? 0 : geometricMean(all) };
}

function geometricMean(logProbs: readonly number[]): number {
  if (logProbs.length === 0) return 1;
  const mean = logProbs.reduce((sum, p) => sum + p, 0) / logProbs.length;
  return Math.min(1, Math.max(0, Math.exp(mean)));
}
