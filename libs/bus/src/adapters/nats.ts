import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  errors as natsErrors,
  headers as natsHeaders,
  type MsgHdrs,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import {
  BusClosedError,
  DEFAULT_REQUEST_TIMEOUT_MS,
  NoRespondersError,
  RequestTimeoutError,
  defaultHandlerErrorReporter,
  type BusAdapterOptions,
  type BusHeaders,
  type BusMessage,
  type BusState,
  type BusStatusEvent,
  type BusSubscription,
  type MessageBus,
  type MessageHandler,
  type PublishOptions,
  type RequestOptions,
  type SubscribeOptions,
} from '../port';
import { assertValidSubject } from '../subject';

export interface NatsBusOptions extends BusAdapterOptions {
  /** One or more server URLs, e.g. "nats://127.0.0.1:4222". */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server (service name). */
  readonly name?: string;
  /** Path to a .creds file (JWT + NKey seed). */
  readonly credsFile?: string;
  readonly token?: string;
  readonly user?: string;
  readonly password?: string;
  /** Delay between reconnect attempts; default 250 ms. */
  readonly reconnectTimeWaitMs?: number;
}

const EMPTY: BusHeaders = Object.freeze({});

function toNatsHeaders(headers: BusHeaders): MsgHdrs {
  const h = natsHeaders();
  for (const [key, value] of Object.entries(headers)) h.set(key, value);
  return h;
}

function fromNatsHeaders(h: MsgHdrs | undefined): BusHeaders {
  if (!h) return EMPTY;
  const out: Record<string, string> = {};
  for (const key of h.keys()) out[key] = h.get(key);
  return out;
}

/** A NATS message seen through the port; headers are converted only if read. */
class NatsMessage implements BusMessage {
  private cachedHeaders: BusHeaders | undefined;
  constructor(private readonly msg: Msg) {}
  get subject(): string {
    return this.msg.subject;
  }
  get data(): Uint8Array {
    return this.msg.data;
  }
  get replyTo(): string | undefined {
    return this.msg.reply || undefined;
  }
  get headers(): BusHeaders {
    return (this.cachedHeaders ??= fromNatsHeaders(this.msg.headers));
  }
  respond(data: Uint8Array, headers?: BusHeaders): void {
    this.msg.respond(data, headers ? { headers: toNatsHeaders(headers) } : undefined);
  }
}

/**
 * The production bus: nats.js v3 against a NATS server or cluster. Reconnects
 * forever (services outlive broker restarts); subscriptions are restored by
 * the client, and publishes made while disconnected are buffered by it.
 */
export class NatsBus implements MessageBus {
  readonly kind = 'nats';
  private readonly statusListeners = new Set<(event: BusStatusEvent) => void>();
  private current: BusState = 'connected';
  /** Async handlers still running, across subscriptions; drain waits for them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly reportError: (error: unknown, subject: string) => void;

  private constructor(
    private readonly nc: NatsConnection,
    options: BusAdapterOptions,
  ) {
    this.reportError = options.onHandlerError ?? defaultHandlerErrorReporter;
    void this.watchStatus();
  }

  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const nc = await connect({
      servers: typeof options.servers === 'string' ? options.servers.split(',').map((s) => s.trim()) : [...options.servers],
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 250,
      waitOnFirstConnect: true,
      token: options.token,
      user: options.user,
      pass: options.password,
      authenticator: options.credsFile ? credsAuthenticator(readFileSync(options.credsFile)) : undefined,
    });
    return new NatsBus(nc, options);
  }

  /** The underlying connection, for JetStream/KV adapters built on the same link. */
  get connection(): NatsConnection {
    return this.nc;
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    this.assertOpen();
    assertValidSubject(subject, { allowWildcards: false });
    // nats.js queues the caller's buffer until the socket write; copy so a
    // publisher may reuse its frame buffer, as the port promises.
    this.nc.publish(subject, data.slice(), options?.headers ? { headers: toNatsHeaders(options.headers) } : undefined);
  }

  subscribe(subject: string, handler: MessageHandler, options: SubscribeOptions = {}): BusSubscription {
    this.assertOpen();
    assertValidSubject(subject, { allowWildcards: true });
    const inFlight = new Set<Promise<unknown>>();
    const all = this.inFlight;
    const sub: Subscription = this.nc.subscribe(subject, {
      queue: options.queue,
      callback: (error, msg) => {
        if (error) {
          this.reportError(error, subject);
          return;
        }
        try {
          const result = handler(new NatsMessage(msg));
          if (result && typeof (result as Promise<void>).then === 'function') {
            const tracked = (result as Promise<void>)
              .catch((e: unknown) => this.reportError(e, msg.subject))
              .finally(() => {
                inFlight.delete(tracked);
                all.delete(tracked);
              });
            inFlight.add(tracked);
            all.add(tracked);
          }
        } catch (e) {
          this.reportError(e, msg.subject);
        }
      },
    });
    return {
      subject,
      unsubscribe: () => {
        if (!sub.isClosed()) sub.unsubscribe();
      },
      drain: async () => {
        if (!sub.isClosed() && !this.nc.isClosed() && !this.nc.isDraining()) await sub.drain();
        await Promise.allSettled([...inFlight]);
      },
    };
  }

  async request(subject: string, data: Uint8Array, options: RequestOptions = {}): Promise<BusMessage> {
    this.assertOpen();
    assertValidSubject(subject, { allowWildcards: false });
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    try {
      const msg = await this.nc.request(subject, data, {
        timeout: timeoutMs,
        headers: options.headers ? toNatsHeaders(options.headers) : undefined,
      });
      return new NatsMessage(msg);
    } catch (error) {
      if (error instanceof natsErrors.NoRespondersError) throw new NoRespondersError(subject);
      if (error instanceof natsErrors.TimeoutError) throw new RequestTimeoutError(subject, timeoutMs);
      if (error instanceof natsErrors.RequestError && error.isNoResponders()) throw new NoRespondersError(subject);
      throw error;
    }
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async drain(): Promise<void> {
    if (this.nc.isClosed()) return;
    if (!this.nc.isDraining()) await this.nc.drain();
    await this.nc.closed();
    await Promise.allSettled([...this.inFlight]);
  }

  state(): BusState {
    if (this.nc.isClosed()) return 'closed';
    return this.current;
  }

  onStatus(listener: (event: BusStatusEvent) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.emit({ state: 'reconnecting', detail: `disconnected from ${status.server}` });
          break;
        case 'reconnect':
          this.emit({ state: 'connected', detail: `reconnected to ${status.server}` });
          break;
        case 'close':
          this.emit({ state: 'closed' });
          break;
        case 'error':
          this.emit({ state: this.current, detail: status.error.message });
          break;
        default:
          break;
      }
    }
    if (this.current !== 'closed') this.emit({ state: 'closed' });
  }

  private emit(event: BusStatusEvent): void {
    this.current = event.state;
    for (const listener of this.statusListeners) listener(event);
  }

  private assertOpen(): void {
    if (this.nc.isClosed() || this.nc.isDraining()) throw new BusClosedError();
  }
}
