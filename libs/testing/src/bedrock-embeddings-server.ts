import { createHash } from 'node:crypto';
import { AwsJsonServer, AwsServiceError, type AwsOperation } from './aws-json-server';

export const TITAN_EMBED_TEXT_V2 = 'amazon.titan-embed-text-v2:0';
const TITAN_DIMENSIONS = [256, 512, 1024];
const TITAN_KEYS = new Set(['inputText', 'dimensions', 'normalize', 'embeddingTypes']);
const MAX_INPUT_CHARACTERS = 50_000;

const STOP_WORDS = new Set(`a an the and or but of at by for with about to from in on is am are was were be been do does did
i me my we us our you your it its they them this that what whats which who when where how can could would should will
there here please hi hello yeah um uh just so if any some have has had get got`.split(/\s+/));

/** A crude stemmer: enough for "parking"/"park" and "hours"/"hour" to meet. */
function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** The content words of a text, lower-case and stemmed. */
export function contentWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’']/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '' && !STOP_WORDS.has(word))
    .map(stem);
}

/**
 * A deterministic stand-in for Titan: a hashed bag of content words
 * (feature hashing with a sign bit), L2-normalized. Texts that share words
 * are close in cosine terms; texts that share none are orthogonal.
 */
export function hashedEmbedding(text: string, dimensions: number, normalize = true): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of contentWords(text)) {
    const digest = createHash('sha256').update(word).digest();
    const index = digest.readUInt32BE(0) % dimensions;
    vector[index] = (vector[index] ?? 0) + ((digest[4] ?? 0) & 1 ? 1 : -1);
  }
  const norm = Math.hypot(...vector);
  return normalize && norm > 0 ? vector.map((value) => value / norm) : vector;
}

/**
 * Bedrock Runtime's InvokeModel for Titan Text Embeddings V2, over HTTP/2
 * like the real endpoint: `POST /model/{modelId}/invoke` with
 * `{inputText, dimensions, normalize}` answers
 * `{embedding, inputTextTokenCount, embeddingsByType}`, and refuses what
 * Titan refuses (unknown model, bad dimensions, empty text, extra keys).
 */
export class BedrockEmbeddingsServer extends AwsJsonServer {
  protected readonly operations: readonly AwsOperation[] = [
    { name: 'InvokeModel', method: 'POST', path: /^\/model\/([^/]+)\/invoke$/, handle: (body, [modelId]) => invokeTitan(body, modelId ?? '') },
  ];

  private constructor() {
    super({ service: 'bedrock', http2: true });
  }

  static async start(): Promise<BedrockEmbeddingsServer> {
    const server = new BedrockEmbeddingsServer();
    await server.listen();
    return server;
  }

  /** The texts embedded so far, in order. */
  embeddedTexts(): string[] {
    return this.requests('InvokeModel').map((request) => String((request.body as { inputText?: unknown }).inputText));
  }
}

function invokeTitan(body: unknown, modelId: string): unknown {
  if (modelId !== TITAN_EMBED_TEXT_V2) throw new AwsServiceError(400, 'ValidationException', 'The provided model identifier is invalid.');
  if (typeof body !== 'object' || body === null) throw new AwsServiceError(400, 'ValidationException', 'Malformed input request');
  const extra = Object.keys(body).filter((key) => !TITAN_KEYS.has(key));
  if (extra.length > 0) throw new AwsServiceError(400, 'ValidationException', `Malformed input request: extraneous key [${extra[0]}] is not permitted`);
  const { inputText, dimensions = 1024, normalize = true } = body as { inputText?: unknown; dimensions?: unknown; normalize?: unknown };
  if (typeof inputText !== 'string' || inputText.trim() === '' || inputText.length > MAX_INPUT_CHARACTERS) {
    throw new AwsServiceError(400, 'ValidationException', 'Malformed input request: inputText must be a non-empty string of at most 50000 characters');
  }
  if (typeof dimensions !== 'number' || !TITAN_DIMENSIONS.includes(dimensions)) {
    throw new AwsServiceError(400, 'ValidationException', `Malformed input request: dimensions must be one of ${TITAN_DIMENSIONS.join(', ')}`);
  }
  if (typeof normalize !== 'boolean') throw new AwsServiceError(400, 'ValidationException', 'Malformed input request: normalize must be a boolean');
  const embedding = hashedEmbedding(inputText, dimensions, normalize);
  return { embedding, inputTextTokenCount: inputText.split(/\s+/).filter(Boolean).length, embeddingsByType: { float: embedding } };
}
