import { createServer as createHttp1Server, type IncomingMessage, type Server as Http1Server, type ServerResponse } from 'node:http';
import {
  createServer as createHttp2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * A local AWS endpoint for the REST-JSON services (Bedrock Runtime, S3
 * Vectors): routes requests by method and path, checks their SigV4
 * signature against known test credentials, answers errors the way the SDK
 * deserializes them (`x-amzn-errortype` header, `{"message"}` body) and
 * records what it was sent. Subclasses add the operations.
 */

/** Credentials the servers accept; give them to the SDK client under test. */
export const TEST_AWS_CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' } as const;
export const TEST_AWS_REGION = 'us-east-1';

/** An AWS service error, thrown by an operation handler or injected with failNext. */
export class AwsServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AwsRequestRecord {
  readonly operation: string;
  /** Path parameters, e.g. the model id of InvokeModel. */
  readonly params: readonly string[];
  readonly body: unknown;
}

export interface AwsOperation {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Matched against the decoded path; capture groups become `params`. */
  readonly path: RegExp;
  handle(body: unknown, params: readonly string[]): unknown;
}

/** A failure to inject: an error reply, or "drop" to cut the connection without an answer. */
export type AwsFailure = { readonly status: number; readonly type: string; readonly message: string } | 'drop';

export interface AwsJsonServerOptions {
  /** SigV4 signing name the requests must be signed for ("bedrock", "s3vectors"). */
  readonly service: string;
  /** Serve HTTP/2 without TLS (prior knowledge), as the Bedrock Runtime client speaks. */
  readonly http2?: boolean;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9:;-]+), Signature=([0-9a-f]{64})$/;

export abstract class AwsJsonServer {
  /** The service's operations, routed by method and path. */
  protected abstract readonly operations: readonly AwsOperation[];
  private server: Http1Server | Http2Server | undefined;
  private readonly sessions = new Set<Http2Session>();
  private readonly failures = new Map<string, AwsFailure[]>();
  private readonly holds = new Map<string, Promise<unknown>[]>();
  private readonly recorded: AwsRequestRecord[] = [];
  private port = 0;

  protected constructor(private readonly options: AwsJsonServerOptions) {}

  protected async listen(): Promise<void> {
    const handler = (req: Request, res: Response): void => void this.serve(req, res);
    const server = this.options.http2 ? createHttp2Server(handler) : createHttp1Server(handler);
    if (this.options.http2) (server as Http2Server).on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Base URL for the SDK client's `endpoint` setting. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The requests that reached an operation (signed correctly), oldest first; optionally of one operation. */
  requests(operation?: string): readonly AwsRequestRecord[] {
    return operation ? this.recorded.filter((request) => request.operation === operation) : [...this.recorded];
  }

  /** The next `times` calls of the operation fail this way (after being recorded). */
  failNext(operation: string, failure: AwsFailure, times = 1): void {
    const queue = this.failures.get(operation) ?? [];
    for (let i = 0; i < times; i++) queue.push(failure);
    this.failures.set(operation, queue);
  }

  /** The next call of the operation is answered only once `until` settles (a slow service). */
  delayNext(operation: string, until: Promise<unknown>): void {
    this.holds.set(operation, [...(this.holds.get(operation) ?? []), until]);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.sessions) session.destroy();
    if ('closeAllConnections' in server) server.closeAllConnections();
    await closed;
  }

  private async serve(req: Request, res: Response): Promise<void> {
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = decodeURIComponent(url.pathname);
      const match = this.operations
        .filter((operation) => operation.method === req.method)
        .map((operation) => ({ operation, found: operation.path.exec(path) }))
        .find(({ found }) => found !== null);
      if (!match?.found) throw new AwsServiceError(404, 'UnknownOperationException', `no operation for ${req.method} ${url.pathname}`);
      await this.checkSignature(req, url, raw);
      let body: unknown;
      try {
        body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        throw new AwsServiceError(400, 'SerializationException', 'the request body is not JSON');
      }
      const { operation } = match;
      const params = match.found.slice(1);
      this.recorded.push({ operation: operation.name, params, body });
      await this.holds.get(operation.name)?.shift()?.catch(() => undefined);
      const failure = this.failures.get(operation.name)?.shift();
      if (failure === 'drop') {
        dropConnection(req);
        return;
      }
      if (failure) throw new AwsServiceError(failure.status, failure.type, failure.message);
      reply(res, 200, operation.handle(body, params) ?? {});
    } catch (error) {
      const failure = error instanceof AwsServiceError ? error : new AwsServiceError(500, 'InternalServerException', String(error));
      reply(res, failure.status, { message: failure.message }, { 'x-amzn-errortype': failure.type });
    }
  }

  /** Recomputes the SigV4 signature with the test credentials and compares. */
  private async checkSignature(req: Request, url: URL, body: Buffer): Promise<void> {
    const authorization = header(req, 'authorization');
    if (!authorization) throw new AwsServiceError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    const parts = AUTHORIZATION.exec(authorization);
    if (!parts) throw new AwsServiceError(403, 'IncompleteSignatureException', `malformed Authorization header: ${authorization}`);
    const [, accessKeyId, , region = '', service, signedHeaderList = '', signature] = parts;
    if (accessKeyId !== TEST_AWS_CREDENTIALS.accessKeyId) throw new AwsServiceError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (service !== this.options.service) throw new AwsServiceError(403, 'InvalidSignatureException', `signed for service "${service}", expected "${this.options.service}"`);
    const amzDate = header(req, 'x-amz-date');
    if (!amzDate) throw new AwsServiceError(403, 'IncompleteSignatureException', 'missing X-Amz-Date');
    const signedHeaders = signedHeaderList.split(';');
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) headers[name] = (name === 'host' ? header(req, 'host') ?? header(req, ':authority') : header(req, name)) ?? '';
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const signer = new SignatureV4({ credentials: TEST_AWS_CREDENTIALS, region, service: this.options.service, sha256: Sha256, applyChecksum: false });
    const signed = await signer.sign(
      new HttpRequest({ method: req.method ?? 'POST', protocol: 'http:', hostname: '127.0.0.1', port: this.port, path: url.pathname, query, headers, body }),
      { signingDate: parseAmzDate(amzDate), signableHeaders: new Set(signedHeaders) },
    );
    const expected = AUTHORIZATION.exec(String(signed.headers['authorization'] ?? ''))?.[6];
    if (expected !== signature) throw new AwsServiceError(403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
  }
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** "20250101T120000Z" → Date. */
function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new AwsServiceError(403, 'IncompleteSignatureException', `bad X-Amz-Date ${value}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

async function readBody(req: Request): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function reply(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function dropConnection(req: Request): void {
  if ('stream' in req) req.stream.close(2 /* NGHTTP2_INTERNAL_ERROR */);
  else req.socket.destroy();
}
