/**
 * Splits a reply into sentences so the speaker can start on the first one.
 * A period inside a number ("$45.50"), an abbreviation ("Dr.") or a URL does
 * not end a sentence.
 */
const ABBREVIATIONS = /(?:\b(?:dr|mr|mrs|ms|st|ave|blvd|inc|ltd|no|vs|e\.g|i\.e|a\.m|p\.m))$/i;

export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char !== '.' && char !== '!' && char !== '?') continue;
    const next = text[i + 1];
    if (next !== undefined && !/\s/.test(next)) continue;
    const candidate = text.slice(start, i + 1).trim();
    if (char === '.' && ABBREVIATIONS.test(candidate.slice(0, -1))) continue;
    if (candidate) sentences.push(candidate);
    start = i + 1;
  }
  const rest = text.slice(start).trim();
  if (rest) sentences.push(rest);
  return sentences;
}
