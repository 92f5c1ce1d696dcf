/**
 * Caller text as the recognizer delivers it: lower case, little punctuation,
 * numbers often spelled out, and the usual mishearings. Everything the local
 * policy matches goes through `normalize` first.
 */

// Mishearings seen in phone ASR output, mapped to what the caller said.
const CORRECTIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\ba point ?ments?\b/g, 'appointment'],
  [/\bap+oint?ments?\b/g, 'appointment'],
  [/\bappoint men\b/g, 'appointment'],
  [/\bbook and\b/g, 'book an'],
  [/\bgood ?by(e)?\b/g, 'goodbye'],
  [/\bby(e)? by(e)?\b/g, 'bye'],
  [/\b(ok|okay|alright|thanks|thank you) by\b/g, '$1 bye'],
  [/\bsome one\b/g, 'someone'],
  [/\bany one\b/g, 'anyone'],
  [/\breal life\b/g, 'real'],
  [/\brepresent ?a ?tive\b/g, 'representative'],
  [/\bhu ?man being\b/g, 'human'],
  [/\byou man\b/g, 'human'],
  [/\bclean in\b/g, 'cleaning'],
  [/\bwhite ?ning\b/g, 'whitening'],
  [/\bwhat's\b/g, 'what is'],
  [/\bthat's\b/g, 'that is'],
  [/\bi'd\b/g, 'i would'],
  [/\bi'm\b/g, 'i am'],
  [/\bwanna\b/g, 'want to'],
  [/\bgonna\b/g, 'going to'],
  [/\bgotta\b/g, 'have to'],
  [/\btmrw\b/g, 'tomorrow'],
  [/\bto ?morrow\b/g, 'tomorrow'],
];

/** Lower case, apostrophes kept, other punctuation dropped, mishearings fixed. */
export function normalize(text: string): string {
  let out = text.toLowerCase().replace(/[’`]/g, "'").replace(/[^a-z0-9:'$\s-]/g, ' ').replace(/-/g, ' ').replace(/\s+/g, ' ').trim();
  for (const [pattern, replacement] of CORRECTIONS) out = out.replace(pattern, replacement);
  return out.replace(/\s+/g, ' ').trim();
}

/** Word-boundary phrase test on normalized text. */
export function hasPhrase(text: string, phrase: string): boolean {
  return ` ${text} `.includes(` ${phrase} `);
}

export const countPhrases = (text: string, phrases: readonly string[]): number => phrases.filter((phrase) => hasPhrase(text, phrase)).length;

// Words that carry no request on their own ("uh", "hello"): a turn made only of them is a non-answer.
const FILLERS = new Set(['uh', 'um', 'er', 'erm', 'ah', 'hm', 'hmm', 'mm', 'oh', 'so', 'well', 'hello', 'hi', 'hey', 'like', 'yeah', 'okay', 'ok', 'the', 'a', 'and', 'i', 'you', 'what', 'sorry', 'pardon']);

export function isOnlyFiller(text: string): boolean {
  const words = text.split(' ').filter(Boolean);
  return words.every((word) => FILLERS.has(word));
}
