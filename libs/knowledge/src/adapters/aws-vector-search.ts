import { BedrockRuntimeClient, type BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import type { Fact } from '../domain/facts';
import { facts } from '../domain/facts';
import type { Knowledge } from '../domain/model';
import type { KnowledgeHit, KnowledgeSearch, KnowledgeSearchOptions } from '../ports/knowledge-search';
import type { KnowledgeSource } from '../ports/knowledge-source';
import { KnowledgeVectorIndex, type IndexSyncReport } from './aws-vector-index';
import { KnowledgeSearchError } from './knowledge-search-error';
import { queryWords } from './lexical';
import { TitanEmbeddings, type TitanDimensions } from './titan-embeddings';

/**
 * How a cosine similarity becomes a KnowledgeHit score: linearly, `zeroAt`
 * → 0 and `oneAt` → 1, clamped to [0, 1].
 */
export interface SimilarityScale {
  readonly zeroAt: number;
  readonly oneAt: number;
}

/**
 * Starting values for Titan V2, not yet measured against the real model:
 * calibrate them with real questions. The expectation is that a question and
 * the fact that answers it reach a cosine similarity of about 0.5 to 0.7 and
 * unrelated sentences stay under about 0.2. With 0.15 → 0 and 0.75 → 1, the
 * brain's answer threshold of 0.5 falls at a similarity of 0.45.
 */
export const TITAN_SIMILARITY_SCALE: SimilarityScale = { zeroAt: 0.15, oneAt: 0.75 };

/** QueryVectors returns at most 100 vectors. */
const MAX_TOP_K = 100;
/** Extra candidates asked for, so vectors of facts removed but not yet deleted from the index do not crowd out live ones. */
const SPARE_CANDIDATES = 5;

/** How long to wait before retrying a failed index sync: `firstMs`, doubled after each further failure, at most `maxMs`. */
export interface SyncRetry {
  readonly firstMs: number;
  readonly maxMs: number;
}

/** A throttled first sync of a large knowledge base needs minutes, not the next reload. */
export const DEFAULT_SYNC_RETRY: SyncRetry = { firstMs: 5_000, maxMs: 300_000 };

export interface AwsVectorSearchOptions {
  /** S3_VECTORS_BUCKET. */
  readonly bucket: string;
  /** S3_VECTORS_INDEX. */
  readonly index: string;
  /** AWS_REGION; unset: the SDK's region chain. */
  readonly region?: string;
  /** EMBEDDING_MODEL_ID (default amazon.titan-embed-text-v2:0). */
  readonly modelId?: string;
  /** Embedding size, equal to the index dimension (default 1024). */
  readonly dimensions?: TitanDimensions;
  /** Default: the SDK's credential chain (environment, profile, IAM role). */
  readonly credentials?: BedrockRuntimeClientConfig['credentials'];
  /** Endpoint overrides (VPC endpoints, local test servers). */
  readonly bedrockEndpoint?: string;
  readonly s3VectorsEndpoint?: string;
  /** SDK attempts per request, retries included (default 3). */
  readonly maxAttempts?: number;
  /** Time-out of one HTTP request (default 5 s). */
  readonly requestTimeoutMs?: number;
  readonly similarity?: SimilarityScale;
  /** Told after each successful index sync. */
  readonly onIndexed?: (report: IndexSyncReport) => void;
  /**
   * Told when an index sync fails, and in how many ms it is retried. Until a
   * sync has brought the index in step, searches fail (FallbackKnowledgeSearch
   * answers locally); after that they go on against what the index holds.
   */
  readonly onIndexError?: (error: KnowledgeSearchError, retryInMs: number) => void;
  /** Backoff of the retries after a failed sync (default DEFAULT_SYNC_RETRY). */
  readonly syncRetry?: SyncRetry;
}

/** Cosine distance (S3 Vectors: 1 − cosine similarity) → score in [0, 1] on the given scale. */
export function scoreFromDistance(distance: number, scale: SimilarityScale = TITAN_SIMILARITY_SCALE): number {
  const similarity = 1 - distance;
  const score = (similarity - scale.zeroAt) / (scale.oneAt - scale.zeroAt);
  return Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000;
}

/**
 * Knowledge search by meaning: the caller's words are embedded with Titan
 * Text Embeddings V2 and the nearest facts found in an S3 Vectors index.
 * Hits map back to the facts of the knowledge in force by fact id, so a fact
 * removed from the file is never returned even before its vector is deleted.
 *
 * Scores are comparable with LocalKnowledgeSearch's: see SimilarityScale.
 * Failures throw KnowledgeSearchError; wrap in FallbackKnowledgeSearch to
 * answer from the local index instead.
 */
export class AwsVectorKnowledgeSearch implements KnowledgeSearch {
  private readonly bedrock: BedrockRuntimeClient;
  private readonly s3vectors: S3VectorsClient;
  private readonly embeddings: TitanEmbeddings;
  private readonly index: KnowledgeVectorIndex;
  private readonly scale: SimilarityScale;
  private byId = new Map<string, Fact>();
  /** The facts waiting to be indexed: only the latest knowledge is worth a sync. */
  private pending: readonly Fact[] | undefined;
  /** Syncs run one after another on this chain; it never rejects. */
  private syncs: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  /** The facts of the last knowledge loaded: what a retry syncs. */
  private latest: readonly Fact[] = [];
  /**
   * Whether a sync has brought the index in step with the knowledge in force
   * at least once. Before that the index is empty or partial, and searching
   * it would answer "no such fact" where the local index knows the answer.
   */
  private inStep = false;
  private lastSyncError: KnowledgeSearchError | undefined;
  /** Failed syncs since the last good one: the retry backoff's exponent. */
  private failedSyncs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Aborted by close(): a running sync stops before its next request. */
  private readonly stopping = new AbortController();
  private closed = false;

  constructor(knowledge: Knowledge, private readonly options: AwsVectorSearchOptions) {
    const client = {
      region: options.region, credentials: options.credentials, maxAttempts: options.maxAttempts,
      // Without a time-out a stalled connection would hold a sync (and close()) forever.
      requestHandler: { requestTimeout: options.requestTimeoutMs ?? 5_000, connectionTimeout: options.requestTimeoutMs ?? 5_000 },
    };
    this.bedrock = new BedrockRuntimeClient({ ...client, endpoint: options.bedrockEndpoint });
    this.s3vectors = new S3VectorsClient({ ...client, endpoint: options.s3VectorsEndpoint });
    this.embeddings = new TitanEmbeddings({ client: this.bedrock, modelId: options.modelId, dimensions: options.dimensions });
    this.index = new KnowledgeVectorIndex({ client: this.s3vectors, bucket: options.bucket, index: options.index, embeddings: this.embeddings });
    this.scale = options.similarity ?? TITAN_SIMILARITY_SCALE;
    this.load(knowledge);
  }

  /** A search that indexes the source's knowledge now and again on every change. */
  static following(source: KnowledgeSource, options: AwsVectorSearchOptions): AwsVectorKnowledgeSearch {
    const search = new AwsVectorKnowledgeSearch(source.current(), options);
    search.unsubscribe = source.onChange((knowledge) => search.load(knowledge));
    return search;
  }

  /**
   * Switches to new knowledge: hits map to its facts at once, and the index
   * is brought in step in the background, one sync at a time.
   */
  load(knowledge: Knowledge): void {
    if (this.closed) return;
    const list = facts(knowledge);
    this.byId = new Map(list.map((fact) => [fact.id, fact]));
    this.latest = list;
    this.queueSync();
  }

  /** Resolves once the index has caught up with the last knowledge loaded, or its sync failed (and a retry is scheduled). */
  async indexed(): Promise<void> {
    let last: Promise<void>;
    do {
      last = this.syncs;
      await last;
    } while (last !== this.syncs);
  }

  async search(query: string, options: KnowledgeSearchOptions = {}): Promise<readonly KnowledgeHit[]> {
    if (this.closed) throw new KnowledgeSearchError('unavailable', 'knowledge search is closed');
    if (!this.inStep) {
      const why = this.lastSyncError ? `its sync failed (retrying): ${this.lastSyncError.message}` : 'its first sync is running';
      throw new KnowledgeSearchError('unavailable', `the knowledge vector index is not in step with the knowledge yet: ${why}`, { cause: this.lastSyncError });
    }
    const limit = options.limit ?? 5;
    // Fillers alone ("um, yeah") ask nothing, as in the local search.
    if (limit <= 0 || queryWords(query).length === 0) return [];
    const vector = await this.embeddings.embed(query);
    const matches = await this.index.query(vector, Math.min(MAX_TOP_K, limit + SPARE_CANDIDATES), options.kinds);
    const hits: KnowledgeHit[] = [];
    for (const match of matches) {
      const fact = this.byId.get(match.key);
      if (fact && (!options.kinds || options.kinds.includes(fact.kind))) hits.push({ fact, score: scoreFromDistance(match.distance, this.scale) });
    }
    // S3 Vectors answers nearest first; the sort keeps that order for equal scores.
    return hits.sort((a, b) => b.score - a.score).slice(0, limit);
  }

  /** Stops following the source, stops a running sync after its current request, and releases the HTTP connections. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.pending = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopping.abort();
    await this.indexed();
    this.bedrock.destroy();
    this.s3vectors.destroy();
  }

  /** Syncs the latest facts after the running sync; a scheduled retry is then not needed. */
  private queueSync(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.pending = this.latest;
    this.syncs = this.syncs.then(() => this.syncPending());
  }

  private async syncPending(): Promise<void> {
    const list = this.pending;
    this.pending = undefined;
    // Several reloads during one sync leave one sync to do, of the latest.
    if (!list || this.closed) return;
    try {
      // Not `onIndexed?.(await sync())`: an absent listener would skip the sync itself.
      const report = await this.index.sync(list, this.stopping.signal);
      this.failedSyncs = 0;
      this.lastSyncError = undefined;
      // Knowledge loaded during the sync is not in the index yet.
      if (this.pending === undefined) this.inStep = true;
      this.options.onIndexed?.(report);
    } catch (error) {
      if (this.closed) return;
      const failure = error instanceof KnowledgeSearchError ? error : new KnowledgeSearchError('unavailable', `knowledge index sync failed: ${String(error)}`, { cause: error });
      this.lastSyncError = failure;
      this.failedSyncs += 1;
      const retry = this.options.syncRetry ?? DEFAULT_SYNC_RETRY;
      const retryInMs = Math.min(retry.maxMs, retry.firstMs * 2 ** (this.failedSyncs - 1));
      // Newer knowledge loaded during the sync is synced next anyway, at once.
      const newerWaiting = this.pending !== undefined;
      if (!newerWaiting) {
        this.retryTimer = setTimeout(() => this.queueSync(), retryInMs);
        // A pending retry must not keep the process alive.
        this.retryTimer.unref();
      }
      this.options.onIndexError?.(failure, newerWaiting ? 0 : retryInMs);
    }
  }
}
