import type { KnowledgeHit, KnowledgeSearch, KnowledgeSearchOptions } from '../ports/knowledge-search';
import { KnowledgeSearchError } from './knowledge-search-error';

export interface FallbackSearchOptions {
  /** Longest wait for the primary before answering from the fallback (default 1,000 ms; the turn budget is under a second). */
  readonly timeoutMs?: number;
  /** After a failure, skip the primary for this long instead of paying its failure on every turn (default 30 s; 0 tries it every time). */
  readonly coolDownMs?: number;
  /** Clock for the cool-down (tests). */
  readonly now?: () => number;
}

/**
 * A search that asks `primary` (the cloud index) and, when it fails or is
 * too slow, answers from `fallback` (the local index) instead, telling
 * `onError` why. The caller gets an answer either way.
 */
export class FallbackKnowledgeSearch implements KnowledgeSearch {
  private skipPrimaryUntil = 0;
  private readonly timeoutMs: number;
  private readonly coolDownMs: number;
  private readonly now: () => number;

  constructor(
    private readonly primary: KnowledgeSearch,
    private readonly fallback: KnowledgeSearch,
    private readonly onError: (error: unknown) => void,
    options: FallbackSearchOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 1_000;
    this.coolDownMs = options.coolDownMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  async search(query: string, options?: KnowledgeSearchOptions): Promise<readonly KnowledgeHit[]> {
    if (this.now() < this.skipPrimaryUntil) return this.fallback.search(query, options);
    try {
      return await this.withTimeout(this.primary.search(query, options));
    } catch (error) {
      this.skipPrimaryUntil = this.now() + this.coolDownMs;
      try {
        this.onError(error);
      } catch {
        // A failing reporter must not cost the caller the answer.
      }
      return this.fallback.search(query, options);
    }
  }

  private async withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KnowledgeSearchError('unavailable', `knowledge search did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    // A primary that fails after the time-out has nobody left to tell.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
