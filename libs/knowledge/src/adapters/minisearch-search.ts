import MiniSearch from 'minisearch';
import type { SearchResult } from 'minisearch';
import type { Fact } from '../domain/facts';
import { facts } from '../domain/facts';
import type { Knowledge } from '../domain/model';
import type { KnowledgeHit, KnowledgeSearch, KnowledgeSearchOptions } from '../ports/knowledge-search';
import type { KnowledgeSource } from '../ports/knowledge-source';
import { indexTerms, queryWords, searchTerms, stems, tokenize } from './lexical';

interface IndexedFact {
  readonly id: string;
  readonly title: string;
  readonly keywords: string;
  readonly text: string;
}

interface IndexedEntry {
  readonly fact: Fact;
  /** Stems of the title and of each keyword phrase ("where do I leave my car"). */
  readonly phrasings: ReadonlyArray<ReadonlySet<string>>;
}

/** How much a matched word counts: the caller's own word exactly, or a synonym, a prefix, a near miss. */
const QUALITY = { exact: 1, synonym: 0.9, prefix: 0.8, fuzzy: 0.5 } as const;
/**
 * A caller's word that matches no fact counts half as much as a word only one
 * fact contains: it may be what the caller is really asking about ("how much
 * is a pizza"), or a filler the stop list missed, or a recognition error.
 */
const UNKNOWN_WORD_WEIGHT = 0.5;
/** Share of the score from coverage alone; the rest rewards a close phrasing and BM25 relevance. */
const COVERAGE_FLOOR = 0.7;
const PHRASING_SHARE = 0.15;
const RELEVANCE_SHARE = 0.15;

// Typos and recognition errors: one edit in words of 5-7 letters, two from 8 letters.
const fuzziness = (term: string): number | false => (term.length >= 8 ? 2 : term.length >= 5 ? 1 : false);

/**
 * Knowledge search on a lexical index in process (MiniSearch): fuzzy and
 * prefix matching over stems and spoken words, synonyms, and the file's
 * aliases and alternative questions weighted above the answer text.
 *
 * A hit's score is its coverage, the share of the caller's meaningful
 * words it matches (exact > synonym > prefix > near miss; rarer words weigh
 * more, as in IDF), times
 * a factor between 0.7 and 1 that rewards a title or alias phrased like the
 * question and BM25 relevance relative to the best hit. So 1 means the fact
 * matches everything the caller asked, phrased the same way; around 0.5 it
 * answers half of it at best. Off-topic questions usually match nothing.
 */
export class LocalKnowledgeSearch implements KnowledgeSearch {
  private index!: MiniSearch<IndexedFact>;
  private entries = new Map<string, IndexedEntry>();
  private factList: readonly Fact[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(knowledge: Knowledge) {
    this.load(knowledge);
  }

  /** A search that rebuilds its index whenever the source's knowledge changes. */
  static following(source: KnowledgeSource): LocalKnowledgeSearch {
    const search = new LocalKnowledgeSearch(source.current());
    search.unsubscribe = source.onChange((knowledge) => search.load(knowledge));
    return search;
  }

  /** Rebuilds the index from new knowledge (cheap: a few hundred facts at most). */
  load(knowledge: Knowledge): void {
    const list = facts(knowledge);
    const index = new MiniSearch<IndexedFact>({
      fields: ['title', 'keywords', 'text'],
      tokenize,
      processTerm: indexTerms,
    });
    index.addAll(list.map((fact) => ({ id: fact.id, title: fact.title, keywords: fact.keywords.join(' | '), text: fact.text })));
    // Swap in one step so a search never sees half an index.
    this.index = index;
    this.entries = new Map(list.map((fact) => [fact.id, { fact, phrasings: [fact.title, ...fact.keywords].map(stems) }]));
    this.factList = list;
  }

  /** The facts currently indexed. */
  facts(): readonly Fact[] {
    return this.factList;
  }

  async search(query: string, options?: KnowledgeSearchOptions): Promise<readonly KnowledgeHit[]> {
    return this.searchNow(query, options);
  }

  /** The same search, synchronously (the local index needs no I/O). */
  searchNow(query: string, options: KnowledgeSearchOptions = {}): KnowledgeHit[] {
    const limit = options.limit ?? 5;
    const words = queryWords(query);
    if (words.length === 0 || limit <= 0) return [];
    const groups = words.map(searchTerms);
    const kinds = options.kinds;
    const results = this.index.search(
      { combineWith: 'OR', queries: groups.map(({ own, synonyms }) => ({ combineWith: 'OR', queries: [...own, ...synonyms] })) },
      {
        tokenize: (term) => [term],
        processTerm: (term) => term,
        boost: { title: 2.5, keywords: 2, text: 1 },
        fuzzy: fuzziness,
        prefix: (term) => term.length >= 4,
        weights: { fuzzy: 0.4, prefix: 0.6 },
        filter: kinds ? (result) => kinds.includes(this.entries.get(String(result.id))?.fact.kind ?? 'faq') : undefined,
      },
    );
    if (results.length === 0) return [];
    // Words that few facts contain say more about what the caller wants than "how much" or "open" do.
    const factCount = this.entries.size;
    const qualities = results.map((result) => groups.map((group) => matchQuality(group, result)));
    const weights = groups.map((_, index) => {
      const matchingFacts = qualities.filter((quality) => (quality[index] ?? 0) > 0).length;
      return matchingFacts === 0 ? UNKNOWN_WORD_WEIGHT * Math.log(1 + factCount) : Math.log(1 + factCount / matchingFacts);
    });
    const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
    const best = Math.max(...results.map((result) => result.score));
    const queryStems = new Set(words.map((word) => word.stem));
    const hits: Array<{ fact: Fact; score: number; raw: number }> = [];
    for (const [position, result] of results.entries()) {
      const entry = this.entries.get(String(result.id));
      if (!entry) continue;
      const quality = qualities[position] ?? [];
      const coverage = weights.reduce((sum, weight, index) => sum + weight * (quality[index] ?? 0), 0) / totalWeight;
      const phrasing = Math.max(0, ...entry.phrasings.map((phrasing) => overlap(queryStems, phrasing)));
      const score = coverage * (COVERAGE_FLOOR + PHRASING_SHARE * phrasing + RELEVANCE_SHARE * (result.score / best));
      hits.push({ fact: entry.fact, score, raw: result.score });
    }
    return hits
      .sort((a, b) => b.score - a.score || b.raw - a.raw)
      .slice(0, limit)
      .map(({ fact, score }) => ({ fact, score: Math.round(score * 1000) / 1000 }));
  }

  /** Stops following the source. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}

/** Jaccard similarity of two sets of stems. */
function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared / (a.size + b.size - shared);
}

/** How well one caller word (as said, stemmed, or a synonym) is matched in a result. */
function matchQuality(group: { own: readonly string[]; synonyms: readonly string[] }, result: SearchResult): number {
  let quality = 0;
  for (const term of [...group.own, ...group.synonyms]) {
    if (!result.queryTerms.includes(term)) continue;
    const kind = result.terms.includes(term) ? QUALITY.exact : result.terms.some((found) => found.startsWith(term)) ? QUALITY.prefix : QUALITY.fuzzy;
    quality = Math.max(quality, group.own.includes(term) ? kind : kind * QUALITY.synonym);
  }
  return quality;
}
