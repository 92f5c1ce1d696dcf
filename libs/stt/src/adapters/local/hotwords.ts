/**
 * Contextual biasing (sherpa-onnx "hotwords") for the local engine: the
 * words a phone line to any business hears, plus the business's own terms,
 * boosted during modified beam search.
 *
 * sherpa-onnx 1.13 splits each hotword into the model's sub-word pieces
 * itself (`modelingUnit: 'bpe'`, ssentencepiece over a `bpeVocab` file of
 * "piece score" lines); lines of ready-made pieces no longer work (the
 * default `cjkchar` unit splits "▁BOOK" into "▁" and "BOOK"). The model
 * ships tokens.txt but no bpe.model or bpe.vocab, so the vocabulary is
 * rebuilt here from tokens.txt: see `bpeVocab`.
 */

/**
 * Words and phrases callers say to any business on the phone: days, months,
 * numbers and times, booking, opening hours, prices, asking for a person.
 * Written for phone calls in general, not from the benchmark's sentences.
 * Common short words that sound like others (MAY, OH, NO, YES) are left
 * out: boosted, they turn "my" into "may" and "so" into "no".
 */
export const phoneCallVocabulary: readonly string[] = [
  // days and dates
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'weekend', 'weekday',
  'january', 'february', 'march', 'april', 'june', 'july', 'august', 'september', 'october', 'november', 'december',
  'today', 'tomorrow', 'tonight', 'yesterday', 'morning', 'afternoon', 'evening', 'noon', 'midnight',
  'week', 'month', 'next', 'earliest', 'latest',
  // numbers and times, as the recognizer writes them
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
  'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'hundred', 'thousand',
  'first', 'second', 'third', 'fourth', 'fifth', 'tenth', 'twentieth', 'thirtieth',
  "o'clock", 'half past', 'quarter past', 'quarter to', 'a m', 'p m', 'minutes', 'hours',
  // booking
  'appointment', 'book', 'booking', 'reservation', 'reserve', 'cancel', 'cancellation', 'reschedule',
  'available', 'availability', 'confirm', 'slot',
  // reaching a person
  'person', 'someone', 'human', 'manager', 'receptionist', 'reception', 'front desk', 'operator',
  'transfer', 'speak', 'talk', 'connect', 'call back', 'message', 'voicemail',
  // opening hours, prices, payment, details
  'open', 'opening', 'close', 'closing', 'closed',
  'price', 'prices', 'cost', 'how much', 'fee', 'discount', 'deposit', 'pay', 'payment', 'card', 'cash', 'refund',
  'billing', 'invoice', 'receipt', 'address', 'location', 'parking', 'directions', 'email', 'phone number', 'name',
  'spell', 'reference number', 'account',
];

/**
 * Hotword lines for sherpa: each term upper-cased (the model's pieces are
 * upper case), punctuation other than apostrophes turned into spaces,
 * deduplicated and sorted so that the same set always gives the same text.
 * Terms with digits are left out: the recognizer writes numbers as words, so
 * "24/7" could never match; spell such terms out ("twenty four seven").
 */
export function hotwordLines(terms: Iterable<string>): string[] {
  const lines = new Set<string>();
  for (const term of terms) {
    if (/\d/.test(term)) continue;
    const words = term
      .toUpperCase()
      .replace(/[’`]/g, "'")
      .split(/[^A-Z']+/)
      .map((w) => w.replace(/^'+|'+$/g, ''))
      .filter(Boolean);
    if (words.length > 0) lines.add(words.join(' '));
  }
  return [...lines].sort();
}

/** Added to minus ln(rank) for every piece: a per-piece cost (see `bpeVocab`). */
const pieceCost = 6;

/**
 * A sentencepiece vocabulary ("piece score" lines) rebuilt from the model's
 * tokens.txt ("piece id" lines), for sherpa's hotword encoder.
 *
 * The model's pieces come from a unigram sentencepiece model, and tokens.txt
 * lists them as that model does: by log-probability, most likely first
 * (after <blk>, <sos/eos>, <unk>). The scores themselves are not shipped, so
 * each piece gets Zipf's estimate, minus ln(rank), plus a per-piece cost: with
 * the plain estimate, Viterbi splits a frequent word into more frequent
 * pieces ("▁AT" into "▁A T"), which the model never emits; with the cost,
 * it segments 320 of the 323 distinct words the model emitted on the stt
 * benchmark corpus exactly as the model did (the other 3 differ only in how
 * two equally long splits are broken, "▁O P EN" against "▁O PE N").
 * Special symbols (<blk>, <unk>, …) are left out: hotwords never contain them.
 */
export function bpeVocab(tokensTxt: string): string {
  const lines: string[] = [];
  for (const line of tokensTxt.split('\n')) {
    const piece = line.trim().split(/\s+/)[0];
    if (!piece || /^<.*>$/.test(piece)) continue;
    const rank = lines.length + 1;
    lines.push(`${piece} ${(-Math.log(rank) - pieceCost).toFixed(4)}`);
  }
  if (lines.length === 0) throw new Error('tokens.txt has no pieces: cannot build the hotword vocabulary');
  return `${lines.join('\n')}\n`;
}
