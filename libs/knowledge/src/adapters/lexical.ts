import { stemmer } from 'stemmer';

/**
 * Word handling for the lexical index, tuned for what speech recognition
 * hands over: lower-case, unpunctuated, full of fillers ("um", "you guys")
 * and contractions with or without apostrophes.
 */

const STOP_WORDS = new Set(`
a an the and or but if of at by for with about to from in into on onto off up out over as than then so
i me my mine myself we us our ours you your yours yourself he him his she her it its they them their this that these those
is am are was were be been being do does did doing done have has had having can could would should will shall might must
what whats which who whom whose when whens where wheres why how hows there theres here
please thanks thank hi hello hey yeah yes yep ok okay um uh er erm ah oh hmm mm like just well really actually basically
maybe wondering wonder want wanna gonna gotta need let lets get got know tell say said guys guy folks yall
any anything something some also too very not dont doesnt didnt cant wont im ive id youre theyre isnt arent
calling called ask asking question whether take see wanted wanting trying
`.split(/\s+/).filter((word) => word !== ''));

/** Lower-case words of the text; "what's" and "whats" both become "what", "walk-in" becomes "walk", "in". */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’']/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/**
 * The index terms for a word: none for fillers and function words, else its
 * stem ("parking" → "park") and, when different, the word itself, so a
 * recognition error ("filing" for "filling") can still be a near miss of the word.
 */
export function indexTerms(word: string): string[] {
  if (STOP_WORDS.has(word)) return [];
  if (/^\d/.test(word)) return [word];
  const stem = stemmer(word);
  // "taking" and "takes" are as empty as "take".
  if (STOP_WORDS.has(stem)) return [];
  return stem === word ? [stem] : [stem, word];
}

export interface QueryWord {
  readonly stem: string;
  readonly word: string;
}

/** The meaningful words of a query, in order, without repeats. */
export function queryWords(text: string): QueryWord[] {
  const result: QueryWord[] = [];
  const words = tokenize(text);
  for (const [position, word] of words.entries()) {
    // "find out" is a filler ("I wanted to find out how much..."), not "how do I find you".
    if (word === 'find' && words[position + 1] === 'out') continue;
    const [stem] = indexTerms(word);
    if (stem !== undefined && !result.some((known) => known.stem === stem)) result.push({ stem, word });
  }
  return result;
}

/** The stems of the meaningful words of a text. */
export function stems(text: string): Set<string> {
  return new Set(queryWords(text).map((word) => word.stem));
}

/**
 * Words callers use for the same thing, beyond what one business writes in
 * its file (its own aliases and keywords are indexed with each fact).
 */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['price', 'cost', 'much', 'fee', 'charge', 'rate', 'expensive', 'cheap', 'pricing'],
  ['address', 'location', 'located', 'directions', 'find'],
  ['parking', 'car', 'garage', 'lot'],
  ['insurance', 'insured', 'coverage', 'covered', 'plan'],
  ['pay', 'payment', 'card', 'credit', 'debit', 'cash', 'cheque', 'check'],
  ['cancel', 'cancellation', 'reschedule'],
  ['book', 'appointment', 'schedule', 'reserve', 'availability', 'available', 'slot'],
  ['kid', 'child', 'children', 'pediatric'],
  ['emergency', 'urgent', 'pain', 'broken'],
  ['phone', 'telephone', 'number'],
  ['email', 'mail'],
];

const groupsByTerm: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, readonly string[]>();
  for (const group of SYNONYM_GROUPS) {
    const stems = [...new Set(group.map((word) => stemmer(word)))];
    for (const stem of stems) map.set(stem, stems);
  }
  return map;
})();

/** The terms to look for one caller word: its stem, the word as said, then its synonyms. */
export function searchTerms({ stem, word }: QueryWord): { own: string[]; synonyms: string[] } {
  const own = stem === word ? [stem] : [stem, word];
  const synonyms = (groupsByTerm.get(stem) ?? []).filter((member) => !own.includes(member));
  return { own, synonyms };
}
