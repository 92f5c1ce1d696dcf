import { AwsJsonServer, AwsServiceError, TEST_AWS_REGION, type AwsOperation } from './aws-json-server';

type Metadata = Record<string, unknown>;
type DistanceMetric = 'cosine' | 'euclidean';

interface StoredVector {
  readonly data: Float32Array;
  readonly metadata: Metadata | undefined;
}

interface VectorIndex {
  readonly dimension: number;
  readonly distanceMetric: DistanceMetric;
  readonly created: Date;
  readonly vectors: Map<string, StoredVector>;
}

export interface S3VectorsServerOptions {
  /** Most vectors per ListVectors page whatever the client asks (to exercise paging). */
  readonly maxListResults?: number;
}

/** Every S3 Vectors operation is `POST /{Operation}` with its input as the JSON body. */
const post = (name: string, handle: (body: Record<string, unknown>) => unknown): AwsOperation => ({
  name, method: 'POST', path: new RegExp(`^/${name}$`), handle: (body) => handle(body as Record<string, unknown>),
});

const MAX_PUT_OR_DELETE = 500;
const MAX_TOP_K = 100;

/**
 * Amazon S3 Vectors' REST-JSON API in memory: `POST /GetIndex`,
 * `/PutVectors`, `/QueryVectors` (exact cosine or euclidean search with
 * metadata filters), `/ListVectors` (paged) and `/DeleteVectors`, with the
 * service's errors for a missing bucket or index and its request limits.
 */
export class S3VectorsServer extends AwsJsonServer {
  private readonly buckets = new Map<string, Map<string, VectorIndex>>();
  protected readonly operations: readonly AwsOperation[] = [
    post('GetIndex', (body) => this.getIndex(body)),
    post('PutVectors', (body) => this.putVectors(body)),
    post('QueryVectors', (body) => this.queryVectors(body)),
    post('ListVectors', (body) => this.listVectors(body)),
    post('DeleteVectors', (body) => this.deleteVectors(body)),
  ];

  private constructor(private readonly settings: S3VectorsServerOptions) {
    super({ service: 's3vectors' });
  }

  static async start(options: S3VectorsServerOptions = {}): Promise<S3VectorsServer> {
    const server = new S3VectorsServer(options);
    await server.listen();
    return server;
  }

  /** Creates a vector index (and its bucket), as CreateVectorBucket + CreateIndex would. */
  createIndex(bucket: string, index: string, { dimension, distanceMetric = 'cosine' }: { dimension: number; distanceMetric?: DistanceMetric }): void {
    const indexes = this.buckets.get(bucket) ?? new Map<string, VectorIndex>();
    indexes.set(index, { dimension, distanceMetric, created: new Date(), vectors: new Map() });
    this.buckets.set(bucket, indexes);
  }

  deleteIndex(bucket: string, index: string): void {
    this.buckets.get(bucket)?.delete(index);
  }

  /** The vectors in an index by key (for assertions). */
  stored(bucket: string, index: string): ReadonlyMap<string, { readonly data: readonly number[]; readonly metadata: Metadata | undefined }> {
    const vectors = this.indexOf({ vectorBucketName: bucket, indexName: index }).vectors;
    return new Map([...vectors].map(([key, vector]) => [key, { data: [...vector.data], metadata: vector.metadata }]));
  }

  private indexOf(body: Record<string, unknown>): VectorIndex {
    const bucketName = body['vectorBucketName'];
    const indexName = body['indexName'];
    if (typeof bucketName !== 'string' || typeof indexName !== 'string') {
      throw new AwsServiceError(400, 'ValidationException', 'vectorBucketName and indexName are required');
    }
    const bucket = this.buckets.get(bucketName);
    if (!bucket) throw new AwsServiceError(404, 'NotFoundException', 'The specified vector bucket could not be found');
    const index = bucket.get(indexName);
    if (!index) throw new AwsServiceError(404, 'NotFoundException', 'The specified index could not be found');
    return index;
  }

  private getIndex(body: Record<string, unknown>): unknown {
    const index = this.indexOf(body);
    const bucket = String(body['vectorBucketName']);
    const name = String(body['indexName']);
    return {
      index: {
        vectorBucketName: bucket,
        indexName: name,
        indexArn: `arn:aws:s3vectors:${TEST_AWS_REGION}:111122223333:bucket/${bucket}/index/${name}`,
        creationTime: Math.floor(index.created.getTime() / 1000),
        dataType: 'float32',
        dimension: index.dimension,
        distanceMetric: index.distanceMetric,
      },
    };
  }

  private putVectors(body: Record<string, unknown>): unknown {
    const index = this.indexOf(body);
    const vectors = body['vectors'];
    if (!Array.isArray(vectors) || vectors.length === 0 || vectors.length > MAX_PUT_OR_DELETE) {
      throw new AwsServiceError(400, 'ValidationException', `vectors must hold 1 to ${MAX_PUT_OR_DELETE} vectors`);
    }
    const accepted = vectors.map((vector: { key?: unknown; data?: { float32?: unknown }; metadata?: unknown }) => {
      if (typeof vector.key !== 'string' || vector.key === '') throw new AwsServiceError(400, 'ValidationException', 'each vector needs a key');
      const data = vectorData(vector.data?.float32, index);
      if (index.distanceMetric === 'cosine' && data.every((value) => value === 0)) {
        throw new AwsServiceError(400, 'ValidationException', `vector ${vector.key}: zero vectors are not allowed with the cosine metric`);
      }
      if (vector.metadata !== undefined && (typeof vector.metadata !== 'object' || vector.metadata === null || Array.isArray(vector.metadata))) {
        throw new AwsServiceError(400, 'ValidationException', `vector ${vector.key}: metadata must be an object`);
      }
      return [vector.key, { data, metadata: vector.metadata as Metadata | undefined }] as const;
    });
    // All or nothing, as one request.
    for (const [key, vector] of accepted) index.vectors.set(key, vector);
    return {};
  }

  private queryVectors(body: Record<string, unknown>): unknown {
    const index = this.indexOf(body);
    const topK = body['topK'];
    if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > MAX_TOP_K) {
      throw new AwsServiceError(400, 'ValidationException', `topK must be an integer from 1 to ${MAX_TOP_K}`);
    }
    const query = vectorData((body['queryVector'] as { float32?: unknown } | undefined)?.float32, index);
    const filter = body['filter'];
    const matches = [...index.vectors]
      .filter(([, vector]) => filter === undefined || matchesFilter(vector.metadata ?? {}, filter))
      .map(([key, vector]) => ({ key, vector, distance: distance(query, vector.data, index.distanceMetric) }))
      .sort((a, b) => a.distance - b.distance || a.key.localeCompare(b.key))
      .slice(0, topK);
    return {
      distanceMetric: index.distanceMetric,
      vectors: matches.map(({ key, vector, distance: d }) => ({
        key,
        ...(body['returnDistance'] === true ? { distance: d } : {}),
        ...(body['returnMetadata'] === true && vector.metadata ? { metadata: vector.metadata } : {}),
      })),
    };
  }

  private listVectors(body: Record<string, unknown>): unknown {
    const index = this.indexOf(body);
    const asked = typeof body['maxResults'] === 'number' ? body['maxResults'] : 500;
    const pageSize = Math.min(asked, this.settings.maxListResults ?? 1000);
    const start = typeof body['nextToken'] === 'string' ? Number(Buffer.from(body['nextToken'], 'base64url').toString()) : 0;
    const entries = [...index.vectors].slice(start, start + pageSize);
    const next = start + entries.length;
    return {
      vectors: entries.map(([key, vector]) => ({
        key,
        ...(body['returnData'] === true ? { data: { float32: [...vector.data] } } : {}),
        ...(body['returnMetadata'] === true && vector.metadata ? { metadata: vector.metadata } : {}),
      })),
      ...(next < index.vectors.size ? { nextToken: Buffer.from(String(next)).toString('base64url') } : {}),
    };
  }

  private deleteVectors(body: Record<string, unknown>): unknown {
    const index = this.indexOf(body);
    const keys = body['keys'];
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_PUT_OR_DELETE) {
      throw new AwsServiceError(400, 'ValidationException', `keys must hold 1 to ${MAX_PUT_OR_DELETE} keys`);
    }
    for (const key of keys) index.vectors.delete(String(key));
    return {};
  }
}

function vectorData(value: unknown, index: VectorIndex): Float32Array {
  if (!Array.isArray(value) || value.length !== index.dimension || !value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new AwsServiceError(400, 'ValidationException', `vector data must be ${index.dimension} finite float32 values`);
  }
  return Float32Array.from(value as number[]);
}

function distance(a: Float32Array, b: Float32Array, metric: DistanceMetric): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  let squared = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    aa += x * x;
    bb += y * y;
    squared += (x - y) ** 2;
  }
  return metric === 'cosine' ? 1 - dot / Math.sqrt(aa * bb) : Math.sqrt(squared);
}

/** S3 Vectors metadata filters: field conditions, $eq $ne $gt $gte $lt $lte $in $nin $exists, $and, $or. */
function matchesFilter(metadata: Metadata, filter: unknown): boolean {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw new AwsServiceError(400, 'ValidationException', 'filter must be an object');
  return Object.entries(filter).every(([field, condition]) => {
    if (field === '$and' || field === '$or') {
      if (!Array.isArray(condition)) throw new AwsServiceError(400, 'ValidationException', `${field} takes an array of filters`);
      return field === '$and' ? condition.every((part) => matchesFilter(metadata, part)) : condition.some((part) => matchesFilter(metadata, part));
    }
    if (field.startsWith('$')) throw new AwsServiceError(400, 'ValidationException', `unknown filter operator ${field}`);
    const isOperators = typeof condition === 'object' && condition !== null && !Array.isArray(condition);
    const operators = isOperators ? Object.entries(condition) : [['$eq', condition] as const];
    return operators.every(([operator, operand]) => compare(metadata[field], field in metadata, operator, operand));
  });
}

function compare(value: unknown, present: boolean, operator: string, operand: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  const list = (): unknown[] => {
    if (!Array.isArray(operand)) throw new AwsServiceError(400, 'ValidationException', `${operator} takes an array`);
    return operand;
  };
  switch (operator) {
    case '$eq': return values.includes(operand);
    case '$ne': return !values.includes(operand);
    case '$in': return list().some((item) => values.includes(item));
    case '$nin': return !list().some((item) => values.includes(item));
    case '$exists': return present === operand;
    case '$gt': return typeof value === 'number' && typeof operand === 'number' && value > operand;
    case '$gte': return typeof value === 'number' && typeof operand === 'number' && value >= operand;
    case '$lt': return typeof value === 'number' && typeof operand === 'number' && value < operand;
    case '$lte': return typeof value === 'number' && typeof operand === 'number' && value <= operand;
    default: throw new AwsServiceError(400, 'ValidationException', `unknown filter operator ${operator}`);
  }
}
