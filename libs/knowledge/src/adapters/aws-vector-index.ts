import {
  DeleteVectorsCommand, GetIndexCommand, PutVectorsCommand, QueryVectorsCommand, paginateListVectors, type PutInputVector, type S3VectorsClient,
} from '@aws-sdk/client-s3vectors';
import type { Fact, FactKind } from '../domain/facts';
import { KnowledgeSearchError, knowledgeSearchError } from './knowledge-search-error';
import { sha256, type TitanEmbeddings } from './titan-embeddings';

/** S3 Vectors takes at most 500 vectors per PutVectors and 500 keys per DeleteVectors call. */
const MAX_BATCH = 500;

export interface KnowledgeVectorIndexOptions {
  readonly client: S3VectorsClient;
  /** S3_VECTORS_BUCKET. */
  readonly bucket: string;
  /** S3_VECTORS_INDEX. */
  readonly index: string;
  readonly embeddings: TitanEmbeddings;
  /** Vectors per PutVectors call (default 100, at most 500): 100 vectors of 1,024 floats are about 1 MB of JSON. */
  readonly batchSize?: number;
  /** Embedding requests in flight while indexing (default 4): Titan is limited in requests per minute. */
  readonly concurrency?: number;
}

export interface IndexSyncReport {
  /** Facts in the knowledge. */
  readonly facts: number;
  /** Vectors written (new or changed facts). */
  readonly put: number;
  /** Facts already in the index with the same text and model. */
  readonly unchanged: number;
  /** Vectors of facts that no longer exist. */
  readonly deleted: number;
}

export interface VectorMatch {
  /** The fact id. */
  readonly key: string;
  /** Cosine distance: 1 − cosine similarity, in [0, 2]. */
  readonly distance: number;
}

/** What a fact's vector is made from: its title, the other ways callers ask for it, and its text. */
export function factDocument(fact: Fact): string {
  const also = fact.keywords.length > 0 ? ` Also asked as: ${fact.keywords.join('; ')}.` : '';
  return `${fact.title}.${also} ${fact.text}`;
}

/**
 * The knowledge's facts in an S3 Vectors index: one vector per fact, keyed by
 * the fact id, with metadata `{kind, hash}`. `kind` serves the kinds filter;
 * `hash` (of the embedded document and the model) tells sync() which facts
 * changed, so a restart or reload re-embeds and re-puts only those.
 *
 * The index itself is infrastructure: created outside (float32, the
 * embeddings' dimension, cosine distance), checked here.
 */
export class KnowledgeVectorIndex {
  private checked: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly concurrency: number;

  constructor(private readonly options: KnowledgeVectorIndexOptions) {
    this.batchSize = Math.min(MAX_BATCH, Math.max(1, options.batchSize ?? 100));
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  private get where(): { vectorBucketName: string; indexName: string } {
    return { vectorBucketName: this.options.bucket, indexName: this.options.index };
  }

  private get label(): string {
    return `index "${this.options.index}" in vector bucket "${this.options.bucket}"`;
  }

  private get missingHint(): string {
    return `create the ${this.label} with data type float32, dimension ${this.options.embeddings.dimensions} and distance metric cosine, or set S3_VECTORS_BUCKET and S3_VECTORS_INDEX`;
  }

  /** Checks once that the index exists and fits the embeddings (dimension, cosine). */
  check(): Promise<void> {
    this.checked ??= this.describe().catch((error: unknown) => {
      this.checked = undefined;
      throw error;
    });
    return this.checked;
  }

  /**
   * Makes the index hold exactly the given facts: puts new and changed ones,
   * deletes the rest. `signal` stops it between requests.
   */
  async sync(facts: readonly Fact[], signal?: AbortSignal): Promise<IndexSyncReport> {
    const go = (): void => {
      if (signal?.aborted) throw new KnowledgeSearchError('unavailable', `sync of the ${this.label} stopped`);
    };
    await this.check();
    go();
    const stored = await this.storedHashes();
    const wanted = facts.map((fact) => {
      const document = factDocument(fact);
      return { fact, document, hash: sha256(`${this.options.embeddings.identity}\n${document}`) };
    });
    const changed = wanted.filter(({ fact, hash }) => stored.get(fact.id) !== hash);
    const vectors = await mapConcurrently(changed, this.concurrency, async ({ fact, document, hash }): Promise<PutInputVector> => {
      go();
      return { key: fact.id, data: { float32: await this.options.embeddings.embed(document) }, metadata: { kind: fact.kind, hash } };
    });
    for (const batch of batches(vectors, this.batchSize)) {
      go();
      await this.call('PutVectors', () => this.options.client.send(new PutVectorsCommand({ ...this.where, vectors: batch })));
    }
    const ids = new Set(facts.map((fact) => fact.id));
    const gone = [...stored.keys()].filter((key) => !ids.has(key));
    for (const keys of batches(gone, Math.min(this.batchSize * 5, MAX_BATCH))) {
      go();
      await this.call('DeleteVectors', () => this.options.client.send(new DeleteVectorsCommand({ ...this.where, keys })));
    }
    return { facts: facts.length, put: vectors.length, unchanged: facts.length - changed.length, deleted: gone.length };
  }

  /** The nearest facts to a vector, nearest first; `kinds` filters on the stored metadata. */
  async query(vector: readonly number[], topK: number, kinds?: readonly FactKind[]): Promise<VectorMatch[]> {
    const response = await this.call('QueryVectors', () => this.options.client.send(new QueryVectorsCommand({
      ...this.where,
      topK,
      queryVector: { float32: [...vector] },
      // The key alone maps a hit back to the current fact.
      returnMetadata: false,
      returnDistance: true,
      ...(kinds ? { filter: { kind: { $in: [...kinds] } } } : {}),
    })));
    if (response.distanceMetric !== undefined && response.distanceMetric !== 'cosine') {
      throw new KnowledgeSearchError('invalid', `the ${this.label} uses ${response.distanceMetric} distance; knowledge search needs cosine`);
    }
    return (response.vectors ?? []).flatMap((match) =>
      match.key !== undefined && typeof match.distance === 'number' ? [{ key: match.key, distance: match.distance }] : []);
  }

  private async describe(): Promise<void> {
    const { index } = await this.call('GetIndex', () => this.options.client.send(new GetIndexCommand(this.where)));
    const wanted = this.options.embeddings.dimensions;
    if (index?.distanceMetric !== 'cosine') {
      throw new KnowledgeSearchError('invalid', `the ${this.label} uses ${index?.distanceMetric ?? 'an unknown'} distance; knowledge search needs cosine`);
    }
    if (index.dimension !== wanted) {
      throw new KnowledgeSearchError('invalid', `the ${this.label} has dimension ${index.dimension ?? '?'} but ${this.options.embeddings.modelId} is set to ${wanted}`);
    }
  }

  /** Fact id → stored hash, for every vector in the index. */
  private async storedHashes(): Promise<Map<string, string | undefined>> {
    const stored = new Map<string, string | undefined>();
    await this.call('ListVectors', async () => {
      for await (const page of paginateListVectors({ client: this.options.client, pageSize: 1000 }, { ...this.where, returnMetadata: true })) {
        for (const vector of page.vectors ?? []) {
          if (vector.key === undefined) continue;
          const hash = (vector.metadata as { hash?: unknown } | undefined)?.hash;
          stored.set(vector.key, typeof hash === 'string' ? hash : undefined);
        }
      }
    });
    return stored;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw knowledgeSearchError(error, `S3 Vectors ${operation} on the ${this.label}`, this.missingHint);
    }
  }
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** Like Promise.all over `items.map(work)`, with at most `limit` in flight; stops at the first failure. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
