import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import {
  DeleteVectorsCommand, GetIndexCommand, ListVectorsCommand, PutVectorsCommand, QueryVectorsCommand, S3VectorsClient, paginateListVectors,
} from '@aws-sdk/client-s3vectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AWS_CREDENTIALS, TEST_AWS_REGION } from './aws-json-server';
import { BedrockEmbeddingsServer, TITAN_EMBED_TEXT_V2, hashedEmbedding } from './bedrock-embeddings-server';
import { S3VectorsServer } from './s3-vectors-server';

const cosine = (a: readonly number[], b: readonly number[]): number => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

describe('BedrockEmbeddingsServer', () => {
  let server: BedrockEmbeddingsServer;
  let client: BedrockRuntimeClient;
  beforeAll(async () => {
    server = await BedrockEmbeddingsServer.start();
    client = new BedrockRuntimeClient({ region: TEST_AWS_REGION, endpoint: server.endpoint, credentials: TEST_AWS_CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  const embed = async (inputText: string, extra: Record<string, unknown> = {}, modelId = TITAN_EMBED_TEXT_V2): Promise<number[]> => {
    const response = await client.send(new InvokeModelCommand({
      modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify({ inputText, dimensions: 256, normalize: true, ...extra }),
    }));
    const parsed = JSON.parse(response.body.transformToString()) as { embedding: number[]; inputTextTokenCount: number };
    expect(parsed.inputTextTokenCount).toBeGreaterThan(0);
    return parsed.embedding;
  };

  it('answers InvokeModel over HTTP/2 with a normalized embedding where shared words mean closeness', async () => {
    const parking = await embed('Where can I park my car?');
    expect(parking).toHaveLength(256);
    expect(cosine(parking, parking)).toBeCloseTo(1, 6);
    expect(cosine(parking, await embed('is there parking'))).toBeGreaterThan(0.5);
    expect(cosine(parking, await embed('how much is teeth whitening'))).toBeCloseTo(0, 6);
    expect(parking).toEqual(hashedEmbedding('Where can I park my car?', 256));
    expect(server.embeddedTexts()[0]).toBe('Where can I park my car?');
    expect(server.requests('InvokeModel')[0]?.params).toEqual([TITAN_EMBED_TEXT_V2]);
  });

  it('refuses what Titan refuses, with the error types the SDK knows', async () => {
    await expect(embed('hello', {}, 'amazon.titan-embed-text-v1')).rejects.toMatchObject({ name: 'ValidationException', message: 'The provided model identifier is invalid.' });
    await expect(embed('hello', { dimensions: 300 })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(embed('hello', { temperature: 1 })).rejects.toThrow('extraneous key [temperature] is not permitted');
    await expect(embed('   ')).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('injects throttling and dropped connections', async () => {
    server.failNext('InvokeModel', { status: 429, type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' });
    await expect(embed('hello')).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
    server.failNext('InvokeModel', 'drop');
    await expect(embed('hello')).rejects.toThrow();
    expect(await embed('hello')).toHaveLength(256);
  });

  it('checks the SigV4 signature, not just its presence', async () => {
    const forger = new BedrockRuntimeClient({
      region: TEST_AWS_REGION, endpoint: server.endpoint, maxAttempts: 1,
      credentials: { accessKeyId: TEST_AWS_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    try {
      await expect(forger.send(new InvokeModelCommand({ modelId: TITAN_EMBED_TEXT_V2, body: JSON.stringify({ inputText: 'hi' }) })))
        .rejects.toMatchObject({ $metadata: { httpStatusCode: 403 }, message: expect.stringContaining('signature we calculated does not match') });
    } finally {
      forger.destroy();
    }
  });
});

describe('S3VectorsServer', () => {
  let server: S3VectorsServer;
  let client: S3VectorsClient;
  const where = { vectorBucketName: 'kb', indexName: 'facts' };
  beforeAll(async () => {
    server = await S3VectorsServer.start({ maxListResults: 2 });
    server.createIndex('kb', 'facts', { dimension: 3 });
    client = new S3VectorsClient({ region: TEST_AWS_REGION, endpoint: server.endpoint, credentials: TEST_AWS_CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  it('puts, queries by cosine distance with a metadata filter, lists in pages and deletes', async () => {
    await client.send(new PutVectorsCommand({
      ...where,
      vectors: [
        { key: 'a', data: { float32: [1, 0, 0] }, metadata: { kind: 'faq' } },
        { key: 'b', data: { float32: [0.8, 0.6, 0] }, metadata: { kind: 'service' } },
        { key: 'c', data: { float32: [0, 0, 1] }, metadata: { kind: 'faq' } },
      ],
    }));
    const all = await client.send(new QueryVectorsCommand({ ...where, topK: 2, queryVector: { float32: [1, 0, 0] }, returnDistance: true, returnMetadata: true }));
    expect(all.distanceMetric).toBe('cosine');
    expect(all.vectors?.map((v) => v.key)).toEqual(['a', 'b']);
    expect(all.vectors?.[1]?.distance).toBeCloseTo(0.2, 6);
    expect(all.vectors?.[0]?.metadata).toEqual({ kind: 'faq' });
    const faqs = await client.send(new QueryVectorsCommand({ ...where, topK: 5, queryVector: { float32: [1, 0, 0] }, filter: { kind: { $in: ['faq'] } } }));
    expect(faqs.vectors?.map((v) => v.key)).toEqual(['a', 'c']);
    expect(faqs.vectors?.[0]?.distance).toBeUndefined();

    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListVectors({ client }, { ...where, returnMetadata: true })) {
      pages++;
      keys.push(...(page.vectors ?? []).map((v) => v.key ?? ''));
    }
    expect(keys).toEqual(['a', 'b', 'c']);
    expect(pages).toBe(2);

    await client.send(new DeleteVectorsCommand({ ...where, keys: ['a', 'c'] }));
    expect([...server.stored('kb', 'facts').keys()]).toEqual(['b']);
  });

  it('describes the index and reports a missing one as NotFoundException', async () => {
    const { index } = await client.send(new GetIndexCommand(where));
    expect(index).toMatchObject({ dimension: 3, distanceMetric: 'cosine', dataType: 'float32', indexName: 'facts' });
    expect(index?.creationTime).toBeInstanceOf(Date);
    await expect(client.send(new ListVectorsCommand({ ...where, indexName: 'missing' })))
      .rejects.toMatchObject({ name: 'NotFoundException', message: 'The specified index could not be found' });
  });

  it('validates dimensions, topK and batch sizes', async () => {
    await expect(client.send(new PutVectorsCommand({ ...where, vectors: [{ key: 'x', data: { float32: [1, 0] } }] })))
      .rejects.toMatchObject({ name: 'ValidationException' });
    await expect(client.send(new PutVectorsCommand({ ...where, vectors: [{ key: 'z', data: { float32: [0, 0, 0] } }] })))
      .rejects.toThrow('zero vectors are not allowed');
    await expect(client.send(new QueryVectorsCommand({ ...where, topK: 101, queryVector: { float32: [1, 0, 0] } })))
      .rejects.toMatchObject({ name: 'ValidationException' });
    const many = Array.from({ length: 501 }, (_, i) => ({ key: `k${i}`, data: { float32: [1, 0, 0] } }));
    await expect(client.send(new PutVectorsCommand({ ...where, vectors: many }))).rejects.toThrow('1 to 500 vectors');
  });
});
