import { NatsBus, type MessageBus } from '@voiceagent/bus';
import type { Config } from '@voiceagent/config';
import {
  AwsVectorKnowledgeSearch, FallbackKnowledgeSearch, LocalKnowledgeSearch, type AwsVectorSearchOptions, type KnowledgeSearch, type KnowledgeSource,
} from '@voiceagent/knowledge';
import type { Logger } from '@voiceagent/telemetry';
import type { ConversationStore } from '../ports/conversation-store';
import { MemoryConversationStore } from './memory-conversation-store';
import { NatsKvConversationStore } from './nats-kv-conversation-store';

/**
 * On NATS, conversation state lives in JetStream KV so any brain instance can
 * take any turn; in one process (or without JetStream) it stays in memory.
 */
export async function conversationStoreFor(bus: MessageBus, logger: Logger): Promise<ConversationStore> {
  if (!(bus instanceof NatsBus)) return new MemoryConversationStore();
  try {
    const store = await NatsKvConversationStore.open(bus.connection);
    logger.info('conversation state in NATS JetStream KV');
    return store;
  } catch (err) {
    logger.error({ err }, 'JetStream KV is not available (run nats-server with -js): conversation state stays in this instance, so run one brain only');
    return new MemoryConversationStore();
  }
}

export interface ChosenSearch {
  readonly search: KnowledgeSearch;
  close(): Promise<void>;
}

export type KnowledgeSearchConfig = Pick<Config, 'BRAIN_ENGINE' | 'KNOWLEDGE_SEARCH' | 'S3_VECTORS_BUCKET' | 'S3_VECTORS_INDEX' | 'AWS_REGION' | 'EMBEDDING_MODEL_ID'>;

/** Where the AWS clients connect and with what (VPC endpoints, local test servers); default: AWS and the SDK's credential chain. */
export type AwsClientOverrides = Pick<AwsVectorSearchOptions, 'bedrockEndpoint' | 's3VectorsEndpoint' | 'credentials' | 'maxAttempts'>;

/**
 * KNOWLEDGE_SEARCH=aws: Titan embeddings + S3 Vectors, with the local index
 * answering whenever the remote one fails or is not in step yet. Only the
 * local engine searches (libs/llm's factory: cloud engines get every fact in
 * their system prompt), so with a cloud engine the local index is used.
 */
export function knowledgeSearchFor(config: KnowledgeSearchConfig, knowledge: KnowledgeSource, logger: Logger, aws: AwsClientOverrides = {}): ChosenSearch {
  const local = LocalKnowledgeSearch.following(knowledge);
  const localOnly: ChosenSearch = { search: local, close: async () => undefined };
  if (config.KNOWLEDGE_SEARCH !== 'aws' || !config.S3_VECTORS_BUCKET) return localOnly;
  if (config.BRAIN_ENGINE !== 'local') {
    logger.warn(
      { engine: config.BRAIN_ENGINE },
      `KNOWLEDGE_SEARCH=aws is ignored with BRAIN_ENGINE=${config.BRAIN_ENGINE}: that engine gets every fact in its prompt and never searches, so Titan embeddings would be paid for nothing; using the local index`,
    );
    return localOnly;
  }
  const remote = AwsVectorKnowledgeSearch.following(knowledge, {
    ...aws,
    bucket: config.S3_VECTORS_BUCKET,
    index: config.S3_VECTORS_INDEX,
    region: config.AWS_REGION,
    modelId: config.EMBEDDING_MODEL_ID,
    onIndexed: (report) => logger.info({ report }, 'knowledge vector index in step'),
    onIndexError: (err, retryInMs) => logger.error({ err, retryInMs }, 'knowledge vector index sync failed; retrying'),
  });
  const search = new FallbackKnowledgeSearch(remote, local, (err) => logger.warn({ err }, 'knowledge vector search failed; answering from the local index'));
  return { search, close: () => remote.close() };
}
