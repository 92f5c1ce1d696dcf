/**
 * What a caller says while listening to show they are following ("uh-huh",
 * "yeah", "okay"): it must not stop the agent, nor become a turn of its own.
 */

/** Phrases, as words. Repeats ("yeah yeah", "okay okay") are handled by the matcher. */
const phrases: readonly (readonly string[])[] = [
  ...['uh huh', 'mm hmm', 'i see', 'got it', 'all right', 'oh okay', 'oh ok', 'that is right', "that's right"].map(words),
  ...[
    'uh', 'um', 'er', 'ah', 'aha', 'oh', 'huh', 'yeah', 'yep', 'yup', 'yes', 'ya', 'ok', 'okay', 'right', 'sure', 'alright', 'cool',
    'mhm', 'mm', 'hmm', 'hm',
  ].map((w) => [w]),
].sort((a, b) => b.length - a.length);

/** Hums however a recognizer spells them: "mm", "hmmm", "mhm", "uhh", "umm". */
const hum = /^(?:m+|h+m+|m+h+m+|u+h+|u+m+|e+r+|a+h+)$/;

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[-–—]/g, ' ')
    .replace(/[^a-z' ]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

export type UtteranceContent =
  /** No words at all. */
  | 'empty'
  /** Only backchannel words (or, in a partial, the start of one). */
  | 'backchannel'
  /** Something the agent should answer. */
  | 'speech';

const startsPhrase = (rest: readonly string[]) =>
  phrases.some((phrase) => rest.length <= phrase.length && rest.every((w, i) => (i === rest.length - 1 ? phrase[i]?.startsWith(w) === true : phrase[i] === w)));

/**
 * Classifies a transcript. In a partial the last words may be the start of a
 * backchannel still being said ("got" of "got it", "ye" of "yeah"): that is
 * not speech yet.
 */
export function classifyUtterance(text: string, { partial = false } = {}): UtteranceContent {
  const tokens = words(text);
  if (tokens.length === 0) return 'empty';
  let at = 0;
  next: for (let token = tokens[0]; token !== undefined; token = tokens[at]) {
    for (const phrase of phrases) {
      if (phrase.every((w, i) => tokens[at + i] === w)) {
        at += phrase.length;
        continue next;
      }
    }
    if (hum.test(token)) {
      at += 1;
      continue;
    }
    return partial && startsPhrase(tokens.slice(at)) ? 'backchannel' : 'speech';
  }
  return 'backchannel';
}
