/**
 * Whether a caller's words so far stop where an English sentence cannot end:
 * on an article, a preposition, a conjunction, a filler, or a subject still
 * waiting for its verb ("i'd like to book a", "on saturday and", "um"). The
 * turn detector then waits a longer pause before it calls the turn over, so a
 * caller who stops to think is not cut off, while one whose words sound
 * finished gets the answer sooner. A small closed word list, not a model: it
 * only ever lengthens the wait on words that leave a sentence hanging, and
 * words that can end a reply ("that", "this", "so", "can", "is") are left
 * out, so misjudging costs a little latency, never a cut-off.
 */
const hangingWords = new Set([
  // articles and possessives
  'a', 'an', 'the', 'my', 'your', 'our', 'their', 'its', 'every', 'each', 'another',
  // prepositions
  'to', 'of', 'in', 'on', 'at', 'for', 'with', 'from', 'by', 'about', 'into', 'onto', 'than', 'via', 'until', 'till',
  // conjunctions
  'and', 'or', 'but', 'because', 'if', 'whether', 'nor', 'plus',
  // subjects still waiting for a verb
  'i', "i'm", "i'd", "i'll", "i've", "we're", "we'd", "you're", "it's", "there's", "let's",
  // fillers
  'um', 'uh', 'er', 'erm', 'uhm', 'umm', 'uhh',
]);

/** The last word of a transcript (lower case, apostrophes kept), or undefined if there is none. */
function lastWord(text: string): string | undefined {
  const words = text.toLowerCase().replace(/[’`]/g, "'").match(/[a-z']+/g);
  return words?.at(-1);
}

/** True when `text` (a partial transcript) ends on a word that leaves the sentence hanging. */
export function soundsUnfinished(text: string): boolean {
  const word = lastWord(text);
  return word !== undefined && hangingWords.has(word);
}
