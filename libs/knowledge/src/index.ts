export * from './domain/model';
export { KnowledgeError, formatProblem, type KnowledgeProblem } from './domain/problems';
export { parseKnowledge } from './domain/parse';
export { validateKnowledge, type ValidationResult } from './domain/validate';
export {
  hoursOn, isOpenAt, nextOpening, nextClosing, openPeriodAt, openingPeriods, describeNextOpening, localDateAt, dateRuleCovers,
  type DayHours, type OpeningPeriod,
} from './domain/hours';
export { facts, groundingKeys, ungroundedLiterals, type Fact, type FactKind } from './domain/facts';
export { extractLiterals, type FactValue, type Literal, type ValueKind } from './domain/values';
export { numberToWords, ordinalWords, spokenTime, spokenPrice, spokenDuration, spokenDate, spokenPhone } from './domain/spoken';
export { renderMessage, transferTargetFor, findVipCaller } from './domain/routing';
export type { KnowledgeSearch, KnowledgeHit, KnowledgeSearchOptions } from './ports/knowledge-search';
export type { KnowledgeSource, KnowledgeProblemsListener } from './ports/knowledge-source';
export { loadKnowledgeFile, KnowledgeStore, type KnowledgeStoreOptions } from './adapters/knowledge-file';
export { LocalKnowledgeSearch } from './adapters/minisearch-search';
export { KnowledgeSearchError, type KnowledgeSearchFailure } from './adapters/knowledge-search-error';
export { TitanEmbeddings, DEFAULT_EMBEDDING_MODEL_ID, TITAN_DIMENSIONS, type TitanDimensions, type TitanEmbeddingsOptions } from './adapters/titan-embeddings';
export { KnowledgeVectorIndex, factDocument, type IndexSyncReport, type KnowledgeVectorIndexOptions, type VectorMatch } from './adapters/aws-vector-index';
export {
  AwsVectorKnowledgeSearch, DEFAULT_SYNC_RETRY, scoreFromDistance, TITAN_SIMILARITY_SCALE, type AwsVectorSearchOptions, type SimilarityScale, type SyncRetry,
} from './adapters/aws-vector-search';
export { FallbackKnowledgeSearch, type FallbackSearchOptions } from './adapters/fallback-search';
