import { FallbackKnowledgeSearch, KnowledgeStore, LocalKnowledgeSearch } from '@voiceagent/knowledge';
import { createLogger } from '@voiceagent/telemetry';
import { BedrockEmbeddingsServer, S3VectorsServer, TEST_AWS_CREDENTIALS, TEST_AWS_REGION, eventually } from '@voiceagent/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_KNOWLEDGE } from '../../test/helpers';
import { knowledgeSearchFor, type ChosenSearch, type KnowledgeSearchConfig } from './choose';

const BUCKET = 'voice-agent-kb';
const INDEX = 'knowledge';

let bedrock: BedrockEmbeddingsServer;
let vectors: S3VectorsServer;
let store: KnowledgeStore;
beforeAll(async () => {
  bedrock = await BedrockEmbeddingsServer.start();
  vectors = await S3VectorsServer.start();
  store = await KnowledgeStore.open(EXAMPLE_KNOWLEDGE, { watch: false });
});
afterAll(async () => {
  store?.close();
  await bedrock?.close();
  await vectors?.close();
});

let chosen: ChosenSearch | undefined;
let logs: Array<{ level: string; msg: string }>;
beforeEach(() => {
  logs = [];
  vectors.deleteIndex(BUCKET, INDEX);
  vectors.createIndex(BUCKET, INDEX, { dimension: 1024 });
});
afterEach(async () => {
  await chosen?.close();
  chosen = undefined;
});

function choose(engine: KnowledgeSearchConfig['BRAIN_ENGINE']): ChosenSearch {
  const logger = createLogger({ service: 'brain-test', level: 'debug', destination: { write: (line: string) => void logs.push(JSON.parse(line)) } });
  const config: KnowledgeSearchConfig = {
    BRAIN_ENGINE: engine, KNOWLEDGE_SEARCH: 'aws', S3_VECTORS_BUCKET: BUCKET, S3_VECTORS_INDEX: INDEX, AWS_REGION: TEST_AWS_REGION,
    EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
  };
  chosen = knowledgeSearchFor(config, store, logger, {
    bedrockEndpoint: bedrock.endpoint, s3VectorsEndpoint: vectors.endpoint, credentials: TEST_AWS_CREDENTIALS, maxAttempts: 1,
  });
  return chosen;
}

describe('knowledgeSearchFor with KNOWLEDGE_SEARCH=aws', () => {
  it('with the local engine, indexes the knowledge with Titan into S3 Vectors and searches there, the local index standing by', async () => {
    const { search } = choose('local');
    expect(search).toBeInstanceOf(FallbackKnowledgeSearch);
    await eventually(() => expect(logs.map((log) => log.msg)).toContain('knowledge vector index in step'));
    expect(vectors.stored(BUCKET, INDEX).size).toBeGreaterThan(10);
    const queries = vectors.requests('QueryVectors').length;
    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
    expect(vectors.requests('QueryVectors').length).toBe(queries + 1);
  });

  it.each(['bedrock', 'openai'] as const)('with BRAIN_ENGINE=%s (every fact in the prompt, no search), warns and uses the local index, calling neither Titan nor S3 Vectors', async (engine) => {
    const before = { bedrock: bedrock.requests().length, vectors: vectors.requests().length };
    const { search } = choose(engine);
    expect(search).toBeInstanceOf(LocalKnowledgeSearch);
    expect(logs).toEqual([
      expect.objectContaining({ level: 'warn', msg: expect.stringContaining(`KNOWLEDGE_SEARCH=aws is ignored with BRAIN_ENGINE=${engine}`) }),
    ]);
    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
    expect({ bedrock: bedrock.requests().length, vectors: vectors.requests().length }).toEqual(before);
  });
});
