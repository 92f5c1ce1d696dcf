/**
 * The message bus port: how services exchange audio frames, turn events and
 * control messages. Subjects follow NATS syntax (`.`-separated tokens, `*`
 * matches one token, `>` matches the rest); every adapter honours it.
 */

export type BusHeaders = Readonly<Record<string, string>>;

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: BusHeaders;
  /** Set when the sender expects an answer (request/reply). */
  readonly replyTo: string | undefined;
  /** Answers a request; a no-op when the message was not a request. */
  respond(data: Uint8Array, headers?: BusHeaders): void;
}

/**
 * Handlers run in arrival order per subscription. An async handler is not
 * awaited before the next message is delivered (as in nats.js); a handler that
 * needs ordered async work queues it itself. A thrown error or rejection is
 * reported through `onHandlerError` and never breaks the subscription.
 */
export type MessageHandler = (message: BusMessage) => void | Promise<void>;

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  readonly queue?: string;
}

export interface PublishOptions {
  readonly headers?: BusHeaders;
}

export interface RequestOptions {
  readonly headers?: BusHeaders;
  /** Default 5000 ms. */
  readonly timeoutMs?: number;
}

export interface BusSubscription {
  readonly subject: string;
  /** Stops delivery at once. */
  unsubscribe(): void;
  /** Stops delivery and waits for in-flight handlers to finish. */
  drain(): Promise<void>;
}

export type BusState = 'connected' | 'reconnecting' | 'closed';

export interface BusStatusEvent {
  readonly state: BusState;
  readonly detail?: string;
}

export interface MessageBus {
  /** Adapter name, for logs and health ("nats", "in-process"). */
  readonly kind: string;
  publish(subject: string, data: Uint8Array, options?: PublishOptions): void;
  subscribe(subject: string, handler: MessageHandler, options?: SubscribeOptions): BusSubscription;
  request(subject: string, data: Uint8Array, options?: RequestOptions): Promise<BusMessage>;
  /** Resolves when everything published so far has reached the server. */
  flush(): Promise<void>;
  /** Graceful close: stop receiving, let in-flight handlers finish, send what is pending. */
  drain(): Promise<void>;
  state(): BusState;
  /** Returns a function that removes the listener. */
  onStatus(listener: (event: BusStatusEvent) => void): () => void;
}

export interface BusAdapterOptions {
  /** Called when a handler throws or rejects; defaults to writing to stderr. */
  readonly onHandlerError?: (error: unknown, subject: string) => void;
}

export class BusError extends Error {
  override readonly name: string = 'BusError';
}

export class NoRespondersError extends BusError {
  override readonly name = 'NoRespondersError';
  constructor(readonly subject: string) {
    super(`no responders for request on "${subject}"`);
  }
}

export class RequestTimeoutError extends BusError {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`request on "${subject}" timed out after ${timeoutMs} ms`);
  }
}

export class BusClosedError extends BusError {
  override readonly name = 'BusClosedError';
  constructor() {
    super('the bus is draining or closed');
  }
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

export function defaultHandlerErrorReporter(error: unknown, subject: string): void {
  process.stderr.write(`bus handler error on ${subject}: ${error instanceof Error ? error.stack : String(error)}\n`);
}
