import { createHash } from 'node:crypto';
import { InvokeModelCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { KnowledgeSearchError, knowledgeSearchError } from './knowledge-search-error';

export const DEFAULT_EMBEDDING_MODEL_ID = 'amazon.titan-embed-text-v2:0';
/** Titan Text Embeddings V2 output sizes. */
export const TITAN_DIMENSIONS = [256, 512, 1024] as const;
export type TitanDimensions = (typeof TITAN_DIMENSIONS)[number];
/** Titan V2 takes at most 50,000 characters (and 8,192 tokens). */
const MAX_INPUT_CHARACTERS = 50_000;

export interface TitanEmbeddingsOptions {
  readonly client: BedrockRuntimeClient;
  /** Default amazon.titan-embed-text-v2:0 (EMBEDDING_MODEL_ID). */
  readonly modelId?: string;
  /** Default 1024; must equal the vector index dimension. */
  readonly dimensions?: TitanDimensions;
  /** Embeddings kept in memory, least recently used dropped first (default 5,000). */
  readonly cacheSize?: number;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Text embeddings from Amazon Titan Text Embeddings V2 on Bedrock
 * (InvokeModel), normalized to unit length, with an in-memory cache keyed by
 * the hash of the text: an unchanged fact or a repeated question is not
 * embedded twice, and concurrent requests for one text share one call.
 */
export class TitanEmbeddings {
  readonly modelId: string;
  readonly dimensions: TitanDimensions;
  private readonly cache = new Map<string, Promise<number[]>>();
  private readonly cacheSize: number;

  constructor(private readonly options: TitanEmbeddingsOptions) {
    this.modelId = options.modelId ?? DEFAULT_EMBEDDING_MODEL_ID;
    this.dimensions = options.dimensions ?? 1024;
    this.cacheSize = options.cacheSize ?? 5_000;
    if (!TITAN_DIMENSIONS.includes(this.dimensions)) {
      throw new KnowledgeSearchError('invalid', `embedding dimensions must be one of ${TITAN_DIMENSIONS.join(', ')}, not ${this.dimensions}`);
    }
  }

  /** What the vectors depend on besides the text: stored with them so a model change re-embeds. */
  get identity(): string {
    return `${this.modelId}/${this.dimensions}`;
  }

  /** The embedding of a text (unit length, `dimensions` values). Throws KnowledgeSearchError. */
  embed(text: string): Promise<number[]> {
    const key = sha256(text);
    const cached = this.cache.get(key);
    if (cached) {
      // Most recently used goes last.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const pending = this.invoke(text);
    this.cache.set(key, pending);
    // A failure is not remembered: the next call tries again.
    pending.catch(() => this.cache.delete(key));
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    return pending;
  }

  private async invoke(text: string): Promise<number[]> {
    const action = `Bedrock InvokeModel with ${this.modelId}`;
    const inputText = text.slice(0, MAX_INPUT_CHARACTERS);
    if (inputText.trim() === '') throw new KnowledgeSearchError('invalid', `${action}: nothing to embed (empty text)`);
    let body: string;
    try {
      const response = await this.options.client.send(new InvokeModelCommand({
        modelId: this.modelId,
        contentType: 'application/json',
        accept: 'application/json',
        body: JSON.stringify({ inputText, dimensions: this.dimensions, normalize: true }),
      }));
      body = response.body.transformToString();
    } catch (error) {
      throw knowledgeSearchError(error, action, `model ${this.modelId} is not available in this region or account; set EMBEDDING_MODEL_ID`);
    }
    let embedding: unknown;
    try {
      embedding = (JSON.parse(body) as { embedding?: unknown }).embedding;
    } catch {
      embedding = undefined;
    }
    if (!Array.isArray(embedding) || embedding.length !== this.dimensions || !embedding.every((value) => typeof value === 'number' && Number.isFinite(value))) {
      throw new KnowledgeSearchError('invalid', `${action} answered no embedding of ${this.dimensions} numbers: ${body.slice(0, 200)}`);
    }
    return embedding as number[];
  }
}
