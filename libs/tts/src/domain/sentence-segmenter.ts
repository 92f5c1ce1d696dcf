/**
 * Splits text streamed token by token (from an LLM) into sentences, handing
 * each one out as soon as it is certainly complete so synthesis can start
 * while the rest of the reply is still being written.
 *
 * A sentence ends at `.`, `!`, `?` or `…` (with any closing quotes or
 * brackets) followed by whitespace, and at a line break. A terminator at the
 * very end of the buffer is undecided until the next character arrives:
 * "$45." may become "$45.50", "Dr." may be followed by a name.
 */

/** Abbreviations that precede a word and never end a sentence ("Dr. Smith"). */
const NEVER_FINAL = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'rev', 'hon', 'fr', 'sgt', 'capt', 'vs', 'e.g', 'i.e', 'approx', 'apt', 'ste', 'mt', 'ft', 'no', 'tel', 'ext', 'dept', 'est']);

/** Abbreviations that may end a sentence: decided by the next word ("9 a.m. Then" vs "9 a.m. on Monday"). */
const MAYBE_FINAL = new Set(['a.m', 'p.m', 'etc', 'inc', 'ltd', 'co', 'corp', 'jr', 'sr', 'st', 'ave', 'rd', 'blvd', 'hr', 'hrs', 'min', 'mins', 'sec', 'oz', 'lb', 'lbs', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'mon', 'tue', 'tues', 'wed', 'thu', 'thur', 'thurs', 'fri', 'sat', 'sun']);

const TERMINATORS = '.!?…';
const CLOSERS = '"\')]}”’»';

export interface SegmenterOptions {
  /**
   * Text without a sentence end is cut at this length (at a comma or a space),
   * so an unpunctuated run cannot delay the first audio indefinitely.
   */
  readonly maxSentenceChars?: number;
}

export class SentenceSegmenter {
  private buffer = '';
  /** Where scanning resumes: everything before it is known not to end a sentence. */
  private scanFrom = 0;
  private readonly maxChars: number;

  constructor(options: SegmenterOptions = {}) {
    this.maxChars = options.maxSentenceChars ?? 250;
  }

  /** Characters waiting for a sentence end. */
  get pendingLength(): number {
    return this.buffer.length;
  }

  /** Adds text; returns the sentences it completed, in order. */
  push(text: string): string[] {
    this.buffer += text;
    const out: string[] = [];
    for (;;) {
      const end = this.findEnd();
      if (end === undefined) break;
      this.take(end, out);
    }
    while (this.buffer.length > this.maxChars) this.take(this.cutPoint(), out);
    return out;
  }

  /** End of input: the rest, if it has anything to say. */
  flush(): string | undefined {
    const rest = this.buffer.trim();
    this.reset();
    return isSpeakable(rest) ? rest : undefined;
  }

  reset(): void {
    this.buffer = '';
    this.scanFrom = 0;
  }

  private take(end: number, out: string[]): void {
    const sentence = this.buffer.slice(0, end).trim();
    this.buffer = this.buffer.slice(end).replace(/^\s+/, '');
    this.scanFrom = 0;
    if (isSpeakable(sentence)) out.push(sentence);
  }

  /** Index just past the end of the first complete sentence, or undefined (not yet known). */
  private findEnd(): number | undefined {
    const b = this.buffer;
    for (let i = this.scanFrom; i < b.length; i++) {
      const c = b.charAt(i);
      if (c === '\n') return i + 1;
      if (!TERMINATORS.includes(c)) continue;
      let j = i + 1;
      while (j < b.length && (TERMINATORS.includes(b.charAt(j)) || CLOSERS.includes(b.charAt(j)))) j++;
      if (j === b.length) {
        this.scanFrom = i;
        return undefined;
      }
      if (!/\s/.test(b.charAt(j))) {
        i = j - 1; // "45.50", "example.com", "a.m" inside "a.m."
        continue;
      }
      const verdict = this.decide(i, j);
      if (verdict === 'end') return j;
      if (verdict === 'wait') {
        this.scanFrom = i;
        return undefined;
      }
      i = j - 1;
    }
    this.scanFrom = b.length;
    return undefined;
  }

  /** Terminator run b[i, j) followed by whitespace: does the sentence end there? */
  private decide(i: number, j: number): 'end' | 'not' | 'wait' {
    const b = this.buffer;
    const run = b.slice(i, j);
    if (/[!?]/.test(run) || !run.startsWith('.') || run.startsWith('..')) return 'end';
    const wordStart = b.lastIndexOf(' ', i - 1) + 1;
    const lineStart = Math.max(wordStart, b.lastIndexOf('\n', i - 1) + 1);
    const word = b.slice(lineStart, i).replace(/^[("'[“‘«]+/, '');
    const lower = word.toLowerCase();
    // Next word's first character, needed by "No." and the maybe-final list.
    const k = b.slice(j).search(/\S/);
    const next = k < 0 ? undefined : b[j + k];
    if (lower === 'no') {
      if (next === undefined) return 'wait';
      return /\d/.test(next) ? 'not' : 'end'; // "No. 5" vs "No. I can't."
    }
    if (NEVER_FINAL.has(lower)) return 'not';
    if (/^[A-Z]$/.test(word)) return 'not'; // an initial: "John F. Kennedy"
    // A list marker ("1. ") opens a sentence rather than ending one.
    if (/^\d+$/.test(word) && b.slice(0, lineStart).trim() === '') return 'not';
    if (MAYBE_FINAL.has(lower) || /^([a-z]\.)+[a-z]$/i.test(word)) {
      if (next === undefined) return 'wait';
      return /[a-z\d]/.test(next) ? 'not' : 'end';
    }
    return 'end';
  }

  /** Where to cut an over-long run: the last clause break, else the last space, else the limit. */
  private cutPoint(): number {
    const head = this.buffer.slice(0, this.maxChars);
    const clause = Math.max(...[...head.matchAll(/[,;:—–](?=\s)/g)].map((m) => m.index + 1), -1);
    if (clause > this.maxChars / 3) return clause;
    const space = head.lastIndexOf(' ');
    return space > 0 ? space : this.maxChars;
  }
}

/** Something an engine can say: at least one letter or digit. */
export function isSpeakable(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
