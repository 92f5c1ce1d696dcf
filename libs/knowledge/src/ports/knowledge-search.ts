import type { Fact, FactKind } from '../domain/facts';

/**
 * Finds the facts that answer what a caller said. Adapters: a lexical index
 * in process (MiniSearch), and later embeddings in the cloud; the port is
 * async so a remote adapter fits without changing callers.
 */

export interface KnowledgeHit {
  readonly fact: Fact;
  /**
   * Confidence in [0, 1]: about how much of what the caller asked this fact
   * covers. Comparable across queries, so the brain can apply a threshold
   * (answer above it, defer or transfer below).
   */
  readonly score: number;
}

export interface KnowledgeSearchOptions {
  /** Most hits to return, best first (default 5). */
  readonly limit?: number;
  /** Only facts of these kinds. */
  readonly kinds?: readonly FactKind[];
}

export interface KnowledgeSearch {
  search(query: string, options?: KnowledgeSearchOptions): Promise<readonly KnowledgeHit[]>;
}
