/**
 * Word error rate: the word-level edit distance between what was said and
 * what was heard, over the words said. Corpus WER adds up the edits and the
 * reference words of every utterance before dividing, so long utterances
 * weigh more than short ones (the usual convention).
 */

export interface WordEdits {
  readonly substitutions: number;
  readonly deletions: number;
  readonly insertions: number;
  /** Words in the reference. */
  readonly words: number;
}

/** Lower case, apostrophes dropped ("I'M" = "im"), any other punctuation a word break. */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** A minimum-edit alignment of `hypothesis` to `reference` (both normalized first), counted by kind. */
export function wordEdits(reference: string, hypothesis: string): WordEdits {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  // cost[i][j]: edits turning ref[0..i) into hyp[0..j); kept whole so one alignment can be traced back.
  const width = hyp.length + 1;
  const cost = new Uint32Array((ref.length + 1) * width);
  for (let j = 0; j <= hyp.length; j++) cost[j] = j;
  for (let i = 1; i <= ref.length; i++) {
    cost[i * width] = i;
    for (let j = 1; j <= hyp.length; j++) {
      const diagonal = (cost[(i - 1) * width + j - 1] as number) + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      const deletion = (cost[(i - 1) * width + j] as number) + 1;
      const insertion = (cost[i * width + j - 1] as number) + 1;
      cost[i * width + j] = Math.min(diagonal, deletion, insertion);
    }
  }
  let substitutions = 0;
  let deletions = 0;
  let insertions = 0;
  let i = ref.length;
  let j = hyp.length;
  const at = (r: number, h: number) => cost[r * width + h] as number;
  while (i > 0 || j > 0) {
    const here = at(i, j);
    if (i > 0 && j > 0 && here === at(i - 1, j - 1) + (ref[i - 1] === hyp[j - 1] ? 0 : 1)) {
      if (ref[i - 1] !== hyp[j - 1]) substitutions++;
      i--;
      j--;
    } else if (i > 0 && here === at(i - 1, j) + 1) {
      deletions++;
      i--;
    } else {
      insertions++;
      j--;
    }
  }
  return { substitutions, deletions, insertions, words: ref.length };
}

/** Sums edit counts (for a corpus or a slice of it). */
export function addEdits(all: readonly WordEdits[]): WordEdits {
  return all.reduce(
    (sum, e) => ({
      substitutions: sum.substitutions + e.substitutions,
      deletions: sum.deletions + e.deletions,
      insertions: sum.insertions + e.insertions,
      words: sum.words + e.words,
    }),
    { substitutions: 0, deletions: 0, insertions: 0, words: 0 },
  );
}

/** Edits per reference word (can exceed 1 when the hypothesis inserts a lot); NaN for no reference words. */
export function errorRate(e: WordEdits): number {
  return e.words === 0 ? NaN : (e.substitutions + e.deletions + e.insertions) / e.words;
}
