/**
 * Why a remote knowledge search or its indexing failed, in terms an operator
 * can act on. `cause` keeps the SDK's error.
 */
export type KnowledgeSearchFailure =
  /** The service is rate limiting (Titan embeddings are limited in requests per minute). */
  | 'throttled'
  /** The vector bucket or index does not exist. */
  | 'missing-index'
  /** The credentials may not call the service or model. */
  | 'access-denied'
  /** The service refused the request or answered something unusable (a model id, dimension or metric mismatch). */
  | 'invalid'
  /** Network error, time-out or server error: worth retrying later. */
  | 'unavailable';

export class KnowledgeSearchError extends Error {
  override readonly name = 'KnowledgeSearchError';

  constructor(
    readonly failure: KnowledgeSearchFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const FAILURE_BY_ERROR_NAME: Readonly<Record<string, KnowledgeSearchFailure>> = {
  ThrottlingException: 'throttled',
  TooManyRequestsException: 'throttled',
  ServiceQuotaExceededException: 'throttled',
  NotFoundException: 'missing-index',
  ResourceNotFoundException: 'missing-index',
  AccessDeniedException: 'access-denied',
  UnrecognizedClientException: 'access-denied',
  InvalidSignatureException: 'access-denied',
  ExpiredTokenException: 'access-denied',
  CredentialsProviderError: 'access-denied',
  ValidationException: 'invalid',
};

const HINTS: Readonly<Record<KnowledgeSearchFailure, string>> = {
  throttled: 'the service is throttling requests; it is tried again later',
  'missing-index': '',
  'access-denied': 'check the AWS credentials and that they allow bedrock:InvokeModel and s3vectors:* on the index',
  invalid: '',
  unavailable: 'the service could not be reached or failed',
};

/**
 * Turns an SDK error into a KnowledgeSearchError: `action` says what was
 * being done ('S3 Vectors QueryVectors on index "knowledge" in bucket "kb"'),
 * `missingHint` what to do when the resource does not exist.
 */
export function knowledgeSearchError(error: unknown, action: string, missingHint = ''): KnowledgeSearchError {
  if (error instanceof KnowledgeSearchError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const failure = FAILURE_BY_ERROR_NAME[name] ?? (status === 429 ? 'throttled' : status === 403 ? 'access-denied' : 'unavailable');
  const hint = failure === 'missing-index' ? missingHint : HINTS[failure];
  return new KnowledgeSearchError(failure, `${action} failed: ${name}: ${message}${hint ? ` (${hint})` : ''}`, { cause: error });
}
