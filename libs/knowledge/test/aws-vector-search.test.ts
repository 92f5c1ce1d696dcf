import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { BedrockEmbeddingsServer, S3VectorsServer, TEST_AWS_CREDENTIALS, TEST_AWS_REGION, eventually } from '@voiceagent/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsVectorSearchOptions, IndexSyncReport, KnowledgeSearch } from '../src/index';
import {
  AwsVectorKnowledgeSearch, FallbackKnowledgeSearch, KnowledgeSearchError, KnowledgeStore, KnowledgeVectorIndex, LocalKnowledgeSearch,
  TitanEmbeddings, facts, scoreFromDistance,
} from '../src/index';
import { example, exampleText } from './helpers';

/** The confidence above which the brain answers from a fact. */
const THRESHOLD = 0.5;
const BUCKET = 'voice-agent-kb';
const INDEX = 'knowledge';
const EXAMPLE_FACTS = facts(example());

let bedrock: BedrockEmbeddingsServer;
let vectors: S3VectorsServer;
beforeAll(async () => {
  bedrock = await BedrockEmbeddingsServer.start();
  vectors = await S3VectorsServer.start({ maxListResults: 20 });
});
afterAll(async () => {
  await bedrock?.close();
  await vectors?.close();
});

const open: AwsVectorKnowledgeSearch[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((search) => search.close()));
});

function options(extra: Partial<AwsVectorSearchOptions> = {}): AwsVectorSearchOptions {
  return {
    bucket: BUCKET, index: INDEX, region: TEST_AWS_REGION, credentials: TEST_AWS_CREDENTIALS,
    bedrockEndpoint: bedrock.endpoint, s3VectorsEndpoint: vectors.endpoint, maxAttempts: 1, ...extra,
  };
}

function searchOver(extra: Partial<AwsVectorSearchOptions> = {}): AwsVectorKnowledgeSearch {
  const search = new AwsVectorKnowledgeSearch(example(), options(extra));
  open.push(search);
  return search;
}

const freshIndex = (dimension = 1024): void => {
  vectors.deleteIndex(BUCKET, INDEX);
  vectors.createIndex(BUCKET, INDEX, { dimension });
};

describe('AwsVectorKnowledgeSearch on the example file', () => {
  let search: AwsVectorKnowledgeSearch;
  const reports: IndexSyncReport[] = [];
  beforeAll(async () => {
    freshIndex();
    search = new AwsVectorKnowledgeSearch(example(), options({ onIndexed: (report) => reports.push(report) }));
    await search.indexed();
  });
  afterAll(async () => {
    await search?.close();
  });

  it('indexes every fact under its id with its kind', () => {
    expect(reports).toEqual([{ facts: EXAMPLE_FACTS.length, put: EXAMPLE_FACTS.length, unchanged: 0, deleted: 0 }]);
    const stored = vectors.stored(BUCKET, INDEX);
    expect([...stored.keys()].sort()).toEqual(EXAMPLE_FACTS.map((fact) => fact.id).sort());
    expect(stored.get('faq:parking')?.metadata).toMatchObject({ kind: 'faq', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(stored.get('faq:parking')?.data).toHaveLength(1024);
  });

  // The stand-in embeddings are a bag of words, so these are questions that share words with their answer;
  // what is tested is the way from a question to facts, not Titan's understanding.
  it.each([
    ['what time you guys open saturday', ['hours:saturday']],
    ['how much is a cleaning', ['service:cleaning']],
    ['do you take insurance', ['faq:insurance']],
    ['where do i park', ['faq:parking']],
    ['are you open on sundays', ['hours:sunday']],
    ['whats your address', ['business:address', 'faq:location']],
    ['can i pay with credit card', ['faq:payment']],
    ["what's your cancellation policy", ['faq:cancellation']],
    ['do you guys do teeth whitening', ['service:whitening']],
    ['do you see kids', ['service:kids-checkup', 'faq:children']],
    ['are you taking new patients', ['faq:new-patients']],
    ['are you open christmas eve', ['special:12-24']],
    ["what's your phone number", ['business:phone']],
    ['do you do payment plans', ['faq:financing']],
    ['what time do you close on fridays', ['hours:friday']],
    ['how far ahead can i book', ['policy:booking']],
  ] as const)('"%s" finds %j', async (query, expected) => {
    const [top, second] = await search.search(query);
    expect(top, `no hit for "${query}"`).toBeDefined();
    expect(expected).toContain(top!.fact.id);
    expect(top!.score).toBeGreaterThan(0);
    expect(top!.score).toBeLessThanOrEqual(1);
    expect(top!.score).toBeGreaterThanOrEqual(second?.score ?? 0);
  });

  it.each(["what's the weather like", 'who won the game', 'tell me a joke', 'how much is a pizza', 'book me a flight to new york'])(
    '"%s" (off topic) stays below the confidence threshold',
    async (query) => {
      const [top] = await search.search(query);
      expect(top?.score ?? 0).toBeLessThan(THRESHOLD);
    },
  );

  it('embeds the question with Titan V2 and queries S3 Vectors with the kinds filter and the limit', async () => {
    const before = bedrock.requests('InvokeModel').length;
    const hits = await search.search('how much does whitening cost', { limit: 2, kinds: ['service'] });
    expect(hits.map((hit) => hit.fact.id)[0]).toBe('service:whitening');
    expect(hits).toHaveLength(2);
    expect(hits.every((hit) => hit.fact.kind === 'service')).toBe(true);
    expect(bedrock.requests('InvokeModel').slice(before).map((request) => request.body)).toEqual([
      { inputText: 'how much does whitening cost', dimensions: 1024, normalize: true },
    ]);
    expect(vectors.requests('QueryVectors').at(-1)?.body).toMatchObject({
      vectorBucketName: BUCKET, indexName: INDEX, topK: 7, returnDistance: true, filter: { kind: { $in: ['service'] } },
      queryVector: { float32: expect.any(Array) },
    });
    // A repeated question is answered from the embedding cache.
    await search.search('how much does whitening cost');
    expect(bedrock.requests('InvokeModel').length).toBe(before + 1);
  });

  it('asks nothing remote for fillers or a zero limit', async () => {
    const before = bedrock.requests().length + vectors.requests().length;
    expect(await search.search('um uh yeah')).toEqual([]);
    expect(await search.search('')).toEqual([]);
    expect(await search.search('where do i park', { limit: 0 })).toEqual([]);
    expect(bedrock.requests().length + vectors.requests().length).toBe(before);
  });
});

describe('scoreFromDistance', () => {
  it('maps cosine distance linearly from the scale\'s zero to its one, clamped to [0, 1]', () => {
    const scale = { zeroAt: 0.15, oneAt: 0.75 };
    expect(scoreFromDistance(1 - 0.75, scale)).toBe(1);
    expect(scoreFromDistance(1 - 0.45, scale)).toBe(0.5);
    expect(scoreFromDistance(1 - 0.15, scale)).toBe(0);
    expect(scoreFromDistance(0, scale)).toBe(1);
    expect(scoreFromDistance(2, scale)).toBe(0);
    expect(scoreFromDistance(1 - 0.6)).toBe(0.75);
  });
});

describe('the index follows the knowledge file', () => {
  let dir: string;
  let path: string;
  let store: KnowledgeStore | undefined;
  beforeEach(async () => {
    freshIndex();
    dir = await mkdtemp(join(tmpdir(), 'knowledge-vectors-'));
    path = join(dir, 'knowledge.yaml');
    await writeFile(path, exampleText());
  });
  afterEach(async () => {
    store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('puts new and changed facts, skips unchanged ones and deletes removed ones on reload', async () => {
    store = await KnowledgeStore.open(path, { watch: false });
    const reports: IndexSyncReport[] = [];
    const search = AwsVectorKnowledgeSearch.following(store, options({ onIndexed: (report) => reports.push(report) }));
    open.push(search);
    await search.indexed();
    expect(reports[0]?.put).toBe(EXAMPLE_FACTS.length);
    expect(await search.search('do you do braces').then((hits) => hits[0]?.fact.id)).not.toBe('faq:braces');
    const embeddedBefore = bedrock.embeddedTexts().length;

    const edited = exampleText()
      // Added: an FAQ about braces.
      .replace('faqs:\n', 'faqs:\n  - id: braces\n    question: Do you do braces?\n    answer: Yes, we offer clear aligners.\n    also_asked: [invisalign, orthodontics]\n')
      // Changed: the parking answer.
      .replace('Street parking on South Lamar is metered.', 'Street parking on South Lamar is free after 6 pm.')
      // Removed: the website.
      .replace(/^ {2}website: .*\n/m, '');
    await writeFile(path, edited);
    expect(await store.reload()).toBe(true);
    await search.indexed();

    expect(reports[1]).toEqual({ facts: EXAMPLE_FACTS.length, put: 2, unchanged: EXAMPLE_FACTS.length - 2, deleted: 1 });
    const embedded = bedrock.embeddedTexts().slice(embeddedBefore);
    expect(embedded).toHaveLength(2);
    expect(embedded.join('\n')).toContain('Do you do braces?');
    expect(embedded.join('\n')).toContain('free after 6 pm');
    const stored = vectors.stored(BUCKET, INDEX);
    expect(stored.has('business:website')).toBe(false);
    expect(stored.has('faq:braces')).toBe(true);
    expect((await search.search('do you do braces'))[0]?.fact.id).toBe('faq:braces');
    expect((await search.search('where do i park'))[0]?.fact.text).toContain('free after 6 pm');
  });

  it('a restarted instance finds the index current and embeds nothing', async () => {
    await searchOver().indexed();
    const embeddedBefore = bedrock.embeddedTexts().length;
    const putsBefore = vectors.requests('PutVectors').length;
    const reports: IndexSyncReport[] = [];
    await searchOver({ onIndexed: (report) => reports.push(report) }).indexed();
    expect(reports).toEqual([{ facts: EXAMPLE_FACTS.length, put: 0, unchanged: EXAMPLE_FACTS.length, deleted: 0 }]);
    expect(bedrock.embeddedTexts().length).toBe(embeddedBefore);
    expect(vectors.requests('PutVectors').length).toBe(putsBefore);
  });

  it('a search never returns a fact that is gone from the knowledge, even while its vector is still indexed', async () => {
    store = await KnowledgeStore.open(path, { watch: false });
    const search = AwsVectorKnowledgeSearch.following(store, options());
    open.push(search);
    await search.indexed();
    vectors.failNext('ListVectors', { status: 503, type: 'ServiceUnavailableException', message: 'Service is unavailable' });
    await writeFile(path, exampleText().replace(/^ {2}website: .*\n/m, ''));
    expect(await store.reload()).toBe(true);
    await search.indexed();
    expect(vectors.stored(BUCKET, INDEX).has('business:website')).toBe(true);
    const hits = await search.search('do you have a website', { limit: 50 });
    expect(hits.map((hit) => hit.fact.id)).not.toContain('business:website');
  });
});

describe('KnowledgeVectorIndex', () => {
  let bedrockClient: BedrockRuntimeClient;
  let vectorsClient: S3VectorsClient;
  beforeAll(() => {
    const config = { region: TEST_AWS_REGION, credentials: TEST_AWS_CREDENTIALS, maxAttempts: 1 };
    bedrockClient = new BedrockRuntimeClient({ ...config, endpoint: bedrock.endpoint });
    vectorsClient = new S3VectorsClient({ ...config, endpoint: vectors.endpoint });
  });
  afterAll(() => {
    bedrockClient?.destroy();
    vectorsClient?.destroy();
  });

  it('puts in batches, lists page by page, and re-puts a wiped index from the embedding cache', async () => {
    freshIndex(256);
    const embeddings = new TitanEmbeddings({ client: bedrockClient, dimensions: 256 });
    const index = new KnowledgeVectorIndex({ client: vectorsClient, bucket: BUCKET, index: INDEX, embeddings, batchSize: 10 });
    const puts = vectors.requests('PutVectors').length;
    const embedded = bedrock.embeddedTexts().length;

    expect(await index.sync(EXAMPLE_FACTS)).toMatchObject({ put: EXAMPLE_FACTS.length });
    const batches = vectors.requests('PutVectors').slice(puts).map((request) => (request.body as { vectors: unknown[] }).vectors.length);
    expect(batches.every((size) => size <= 10)).toBe(true);
    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(EXAMPLE_FACTS.length);
    expect(bedrock.embeddedTexts().length - embedded).toBe(EXAMPLE_FACTS.length);

    // More facts than one ListVectors page (20): the sync must read every page to see them unchanged.
    const listsBefore = vectors.requests('ListVectors').length;
    expect(await index.sync(EXAMPLE_FACTS)).toMatchObject({ put: 0, unchanged: EXAMPLE_FACTS.length, deleted: 0 });
    expect(vectors.requests('ListVectors').length - listsBefore).toBe(Math.ceil(EXAMPLE_FACTS.length / 20));

    freshIndex(256);
    expect(await index.sync(EXAMPLE_FACTS)).toMatchObject({ put: EXAMPLE_FACTS.length });
    expect(bedrock.embeddedTexts().length - embedded).toBe(EXAMPLE_FACTS.length);
    expect(vectors.stored(BUCKET, INDEX).size).toBe(EXAMPLE_FACTS.length);

    expect(await index.sync(EXAMPLE_FACTS.slice(0, 3))).toMatchObject({ facts: 3, put: 0, unchanged: 3, deleted: EXAMPLE_FACTS.length - 3 });
    expect(vectors.stored(BUCKET, INDEX).size).toBe(3);
  });

  it('refuses an index whose dimension or metric does not fit, naming both', async () => {
    freshIndex(512);
    const embeddings = new TitanEmbeddings({ client: bedrockClient });
    const index = new KnowledgeVectorIndex({ client: vectorsClient, bucket: BUCKET, index: INDEX, embeddings });
    await expect(index.sync(EXAMPLE_FACTS)).rejects.toMatchObject({
      failure: 'invalid', message: `the index "${INDEX}" in vector bucket "${BUCKET}" has dimension 512 but amazon.titan-embed-text-v2:0 is set to 1024`,
    });
    vectors.deleteIndex(BUCKET, INDEX);
    vectors.createIndex(BUCKET, INDEX, { dimension: 1024, distanceMetric: 'euclidean' });
    await expect(new KnowledgeVectorIndex({ client: vectorsClient, bucket: BUCKET, index: INDEX, embeddings }).sync(EXAMPLE_FACTS))
      .rejects.toThrow('uses euclidean distance; knowledge search needs cosine');
  });

  it('rejects a bad embedding size before any request', () => {
    expect(() => new TitanEmbeddings({ client: bedrockClient, dimensions: 300 as 256 })).toThrow('embedding dimensions must be one of 256, 512, 1024, not 300');
  });
});

describe('errors', () => {
  beforeEach(() => freshIndex());

  it('a missing index is reported by the indexer and by search, with what to create', async () => {
    vectors.deleteIndex(BUCKET, INDEX);
    const errors: KnowledgeSearchError[] = [];
    const search = searchOver({ onIndexError: (error) => errors.push(error) });
    await search.indexed();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(KnowledgeSearchError);
    expect(errors[0]?.failure).toBe('missing-index');
    expect(errors[0]?.message).toBe(
      `S3 Vectors GetIndex on the index "${INDEX}" in vector bucket "${BUCKET}" failed: NotFoundException: The specified index could not be found `
      + `(create the index "${INDEX}" in vector bucket "${BUCKET}" with data type float32, dimension 1024 and distance metric cosine, or set S3_VECTORS_BUCKET and S3_VECTORS_INDEX)`,
    );
    // Never in step: the search says so, with the sync's reason.
    await expect(search.search('where do i park')).rejects.toMatchObject({
      failure: 'unavailable', message: expect.stringContaining('its sync failed (retrying): S3 Vectors GetIndex'), cause: errors[0],
    });
  });

  it('throttling of embeddings or queries becomes a "throttled" KnowledgeSearchError', async () => {
    const search = searchOver();
    await search.indexed();
    bedrock.failNext('InvokeModel', { status: 429, type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' });
    await expect(search.search('where do i park')).rejects.toMatchObject({
      failure: 'throttled', message: expect.stringMatching(/^Bedrock InvokeModel with amazon\.titan-embed-text-v2:0 failed: ThrottlingException: Too many requests/),
    });
    vectors.failNext('QueryVectors', { status: 429, type: 'TooManyRequestsException', message: 'Please reduce your request rate.' });
    await expect(search.search('where do i park')).rejects.toMatchObject({ failure: 'throttled' });
    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
  });

  it('the SDK retries a throttled request when attempts allow', async () => {
    const search = searchOver({ maxAttempts: 3 });
    await search.indexed();
    vectors.failNext('QueryVectors', { status: 429, type: 'TooManyRequestsException', message: 'Please reduce your request rate.' });
    const queries = vectors.requests('QueryVectors').length;
    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
    expect(vectors.requests('QueryVectors').length - queries).toBe(2);
  });

  it('a dropped connection is "unavailable"', async () => {
    const search = searchOver();
    await search.indexed();
    vectors.failNext('QueryVectors', 'drop');
    await expect(search.search('where do i park')).rejects.toMatchObject({ failure: 'unavailable' });
    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
  });

  it('an embedding failure during a sync is reported, and the next reload indexes everything', async () => {
    const errors: KnowledgeSearchError[] = [];
    bedrock.failNext('InvokeModel', { status: 500, type: 'InternalServerException', message: 'internal failure' });
    const search = searchOver({ onIndexError: (error) => errors.push(error) });
    await search.indexed();
    expect(errors.map((error) => error.failure)).toEqual(['unavailable']);
    expect(errors[0]?.message).toMatch(/^Bedrock InvokeModel with amazon\.titan-embed-text-v2:0 failed: InternalServerException: internal failure/);
    expect(vectors.stored(BUCKET, INDEX).size).toBe(0);
    search.load(example());
    await search.indexed();
    expect(vectors.stored(BUCKET, INDEX).size).toBe(EXAMPLE_FACTS.length);
    expect(errors).toHaveLength(1);
  });

  it('a failed sync is retried on its own with exponential backoff, and the backoff starts over after a good sync', async () => {
    const errors: Array<{ failure: string; retryInMs: number }> = [];
    const reports: IndexSyncReport[] = [];
    // Throttled four times running, as a large first sync can be.
    vectors.failNext('ListVectors', { status: 429, type: 'TooManyRequestsException', message: 'Please reduce your request rate.' }, 4);
    const search = searchOver({
      syncRetry: { firstMs: 10, maxMs: 40 },
      onIndexError: (error, retryInMs) => errors.push({ failure: error.failure, retryInMs }),
      onIndexed: (report) => reports.push(report),
    });
    await eventually(() => expect(reports).toHaveLength(1));
    expect(errors).toEqual([10, 20, 40, 40].map((retryInMs) => ({ failure: 'throttled', retryInMs })));
    expect(reports[0]).toMatchObject({ put: EXAMPLE_FACTS.length });
    expect(vectors.stored(BUCKET, INDEX).size).toBe(EXAMPLE_FACTS.length);
    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');

    vectors.failNext('ListVectors', { status: 503, type: 'ServiceUnavailableException', message: 'Service is unavailable' });
    search.load(example());
    await eventually(() => expect(reports).toHaveLength(2));
    expect(errors.at(-1)).toEqual({ failure: 'unavailable', retryInMs: 10 });
  });

  it('until a sync has brought the index in step, search fails as "unavailable" instead of finding nothing in an empty index', async () => {
    let release = (): void => undefined;
    vectors.delayNext('ListVectors', new Promise<void>((resolve) => (release = resolve)));
    const lists = vectors.requests('ListVectors').length;
    const search = searchOver();
    await eventually(() => expect(vectors.requests('ListVectors').length).toBe(lists + 1));
    const queries = vectors.requests('QueryVectors').length;
    try {
      await expect(search.search('where do i park')).rejects.toMatchObject({
        failure: 'unavailable', message: 'the knowledge vector index is not in step with the knowledge yet: its first sync is running',
      });
      expect(vectors.requests('QueryVectors').length).toBe(queries);
    } finally {
      release();
    }
    await search.indexed();
    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
  });

  it('once in step, a failed sync of reloaded knowledge leaves search on the index', async () => {
    const search = searchOver({ syncRetry: { firstMs: 60_000, maxMs: 60_000 } });
    await search.indexed();
    vectors.failNext('ListVectors', { status: 503, type: 'ServiceUnavailableException', message: 'Service is unavailable' });
    search.load(example());
    await search.indexed();
    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
  });

  it('close() stops a running sync before its next request and reports nothing', async () => {
    const errors: KnowledgeSearchError[] = [];
    const before = { vectors: vectors.requests().length, bedrock: bedrock.requests().length, lists: vectors.requests('ListVectors').length };
    let release = (): void => undefined;
    vectors.delayNext('ListVectors', new Promise<void>((resolve) => (release = resolve)));
    const search = new AwsVectorKnowledgeSearch(example(), options({ onIndexError: (error) => errors.push(error) }));
    // The sync is now waiting for ListVectors' answer.
    await eventually(() => expect(vectors.requests('ListVectors').length).toBe(before.lists + 1));
    const closed = search.close();
    release();
    await closed;
    expect(vectors.requests().slice(before.vectors).map((request) => request.operation)).toEqual(['GetIndex', 'ListVectors']);
    expect(bedrock.requests().length).toBe(before.bedrock);
    expect(errors).toEqual([]);
  });

  it('search after close() is refused', async () => {
    const search = new AwsVectorKnowledgeSearch(example(), options());
    await search.close();
    await expect(search.search('where do i park')).rejects.toMatchObject({ failure: 'unavailable', message: 'knowledge search is closed' });
  });
});

describe('FallbackKnowledgeSearch', () => {
  beforeEach(() => freshIndex());

  it('answers from the local index while the remote index is not in step yet, and from the remote once it is', async () => {
    vectors.failNext('GetIndex', { status: 429, type: 'ThrottlingException', message: 'Rate exceeded' });
    const reports: IndexSyncReport[] = [];
    const remote = searchOver({ syncRetry: { firstMs: 10, maxMs: 10 }, onIndexed: (report) => reports.push(report) });
    await remote.indexed();
    expect(vectors.stored(BUCKET, INDEX).size).toBe(0);
    const errors: unknown[] = [];
    const search = new FallbackKnowledgeSearch(remote, new LocalKnowledgeSearch(example()), (error) => errors.push(error), { coolDownMs: 0 });
    const queries = vectors.requests('QueryVectors').length;

    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
    expect(errors).toEqual([expect.objectContaining({ failure: 'unavailable', message: expect.stringContaining('not in step') })]);
    expect(vectors.requests('QueryVectors').length).toBe(queries);

    await eventually(() => expect(reports).toHaveLength(1));
    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
    expect(vectors.requests('QueryVectors').length).toBe(queries + 1);
    expect(errors).toHaveLength(1);
  });

  it('answers from the local index when the remote search fails, then skips the remote during the cool-down', async () => {
    const remote = searchOver();
    await remote.indexed();
    const errors: unknown[] = [];
    let now = 0;
    const search = new FallbackKnowledgeSearch(remote, new LocalKnowledgeSearch(example()), (error) => errors.push(error), { coolDownMs: 10_000, now: () => now });

    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
    expect(errors).toEqual([]);

    vectors.failNext('QueryVectors', { status: 503, type: 'ServiceUnavailableException', message: 'Service is unavailable' });
    const queries = vectors.requests('QueryVectors').length;
    const [hit] = await search.search('where do i park');
    expect(hit?.fact.id).toBe('faq:parking');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ failure: 'unavailable', message: expect.stringContaining('ServiceUnavailableException') });

    now = 5_000;
    expect((await search.search('do you take insurance'))[0]?.fact.id).toBe('faq:insurance');
    expect(vectors.requests('QueryVectors').length - queries).toBe(1);

    now = 10_001;
    expect((await search.search('do you take insurance'))[0]?.fact.id).toBe('faq:insurance');
    expect(vectors.requests('QueryVectors').length - queries).toBe(2);
  });

  it('answers from the fallback when the primary is too slow', async () => {
    const stalled: KnowledgeSearch = { search: () => new Promise(() => undefined) };
    const errors: unknown[] = [];
    const search = new FallbackKnowledgeSearch(stalled, new LocalKnowledgeSearch(example()), (error) => errors.push(error), { timeoutMs: 20 });
    expect((await search.search('where do i park'))[0]?.fact.id).toBe('faq:parking');
    expect(errors).toEqual([new KnowledgeSearchError('unavailable', 'knowledge search did not answer within 20 ms')]);
  });
});
