import { Metadata, type CallOptions as GrpcCallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';

export interface CallOptions {
  /** Deadline of this call (default: the client's). */
  readonly timeoutMs?: number;
  /** Cancels the call (a caller hung up); the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;
export type Invoke<Req, Res> = (request: Req, metadata: Metadata, options: Partial<GrpcCallOptions>, callback: Callback<Res>) => ClientUnaryCall;

/**
 * One unary call as a promise: a deadline on every call, cancellation by an
 * AbortSignal, and gRPC errors mapped by the client (`toError`).
 */
export function unaryCall<Req, Res>(invoke: Invoke<Req, Res>, request: Req, defaultTimeoutMs: number, toError: (error: ServiceError) => Error, call: CallOptions = {}): Promise<Res> {
  const { signal } = call;
  return new Promise<Res>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => pending.cancel();
    const pending = invoke(request, new Metadata(), { deadline: Date.now() + (call.timeoutMs ?? defaultTimeoutMs) }, (error, response) => {
      signal?.removeEventListener('abort', onAbort);
      if (!error) resolve(response);
      else reject(signal?.aborted ? signal.reason : toError(error));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
