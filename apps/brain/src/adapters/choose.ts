import { NatsBus, type MessageBus } from '@voiceagent/bus';
import type { Config } from '@voiceagent/config';
import { AwsVectorKnowledgeSearch, FallbackKnowledgeSearch, LocalKnowledgeSearch, type KnowledgeSearch, type KnowledgeSource } from '@voiceagent/knowledge';
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

/** KNOWLEDGE_SEARCH=aws: Titan embeddings + S3 Vectors, with the local index answering whenever the remote one fails. */
export function knowledgeSearchFor(config: Pick<Config, 'KNOWLEDGE_SEARCH' | 'S3_VECTORS_BUCKET' | 'S3_VECTORS_INDEX' | 'AWS_REGION' | 'EMBEDDING_MODEL_ID'>, knowledge: KnowledgeSource, logger: Logger): ChosenSearch {
  const local = LocalKnowledgeSearch.following(knowledge);
  if (config.KNOWLEDGE_SEARCH !== 'aws' || !config.S3_VECTORS_BUCKET) return { search: local, close: async () => undefined };
  const remote = AwsVectorKnowledgeSearch.following(knowledge, {
    bucket: config.S3_VECTORS_BUCKET,
    index: config.S3_VECTORS_INDEX,
    region: config.AWS_REGION,
    modelId: config.EMBEDDING_MODEL_ID,
    onIndexed: (report) => logger.info({ report }, 'knowledge vector index in step'),
    onIndexError: (err) => logger.error({ err }, 'knowledge vector index sync failed; retried on the next reload'),
  });
  const search = new FallbackKnowledgeSearch(remote, local, (err) => logger.warn({ err }, 'knowledge vector search failed; answering from the local index'));
  return { search, close: () => remote.close() };
}
