import { randomUUID } from 'node:crypto';
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
import { assertValidSubject, isWildcard, subjectMatches } from '../subject';

const NO_HEADERS: BusHeaders = Object.freeze({});

interface LocalSubscription extends BusSubscription {
  readonly queue: string | undefined;
  deliver(message: BusMessage): void;
}

/**
 * The embedded default: one process, no server. Same semantics as NATS where
 * services can observe them (asynchronous delivery, queue groups, no-responders,
 * drain), so a service behaves the same on either adapter.
 */
export class InProcessBus implements MessageBus {
  readonly kind = 'in-process';
  private readonly exact = new Map<string, Set<LocalSubscription>>();
  private readonly wildcards = new Set<LocalSubscription>();
  private readonly queueCursor = new Map<string, number>();
  private readonly statusListeners = new Set<(event: BusStatusEvent) => void>();
  private readonly pending = new Set<Promise<unknown>>();
  private current: BusState = 'connected';
  private readonly reportError: (error: unknown, subject: string) => void;

  constructor(options: BusAdapterOptions = {}) {
    this.reportError = options.onHandlerError ?? defaultHandlerErrorReporter;
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    this.publishInternal(subject, data, options?.headers, undefined);
  }

  subscribe(subject: string, handler: MessageHandler, options: SubscribeOptions = {}): BusSubscription {
    this.assertOpen();
    assertValidSubject(subject, { allowWildcards: true });
    const inFlight = new Set<Promise<unknown>>();
    let active = true;
    const remove = () => {
      active = false;
      if (isWildcard(subject)) this.wildcards.delete(sub);
      else {
        const set = this.exact.get(subject);
        set?.delete(sub);
        if (set?.size === 0) this.exact.delete(subject);
      }
    };
    const sub: LocalSubscription = {
      subject,
      queue: options.queue,
      deliver: (message) => {
        if (!active) return;
        try {
          const result = handler(message);
          if (result && typeof (result as Promise<void>).then === 'function') {
            const tracked = (result as Promise<void>)
              .catch((error: unknown) => this.reportError(error, message.subject))
              .finally(() => {
                inFlight.delete(tracked);
                this.pending.delete(tracked);
              });
            inFlight.add(tracked);
            this.pending.add(tracked);
          }
        } catch (error) {
          this.reportError(error, message.subject);
        }
      },
      unsubscribe: remove,
      drain: async () => {
        remove();
        await Promise.allSettled([...inFlight]);
      },
    };
    if (isWildcard(subject)) this.wildcards.add(sub);
    else {
      let set = this.exact.get(subject);
      if (!set) this.exact.set(subject, (set = new Set()));
      set.add(sub);
    }
    return sub;
  }

  async request(subject: string, data: Uint8Array, options: RequestOptions = {}): Promise<BusMessage> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const inbox = `_INBOX.${randomUUID().replaceAll('-', '')}`;
    return new Promise<BusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.unsubscribe();
        reject(new RequestTimeoutError(subject, timeoutMs));
      }, timeoutMs);
      const sub = this.subscribe(inbox, (reply) => {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(reply);
      });
      try {
        const receivers = this.publishInternal(subject, data, options.headers, inbox);
        if (receivers === 0) throw new NoRespondersError(subject);
      } catch (error) {
        clearTimeout(timer);
        sub.unsubscribe();
        reject(error);
      }
    });
  }

  async flush(): Promise<void> {
    // Deliveries are queued as microtasks; one macrotask turn lets them all run.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async drain(): Promise<void> {
    if (this.current === 'closed') return;
    await this.flush();
    this.exact.clear();
    this.wildcards.clear();
    this.setState('closed');
    await Promise.allSettled([...this.pending]);
  }

  state(): BusState {
    return this.current;
  }

  /** Live subscriptions: lets tests prove a call released everything it held. */
  subscriptionCount(): number {
    let n = this.wildcards.size;
    for (const set of this.exact.values()) n += set.size;
    return n;
  }

  onStatus(listener: (event: BusStatusEvent) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Returns how many subscriptions will receive the message. */
  private publishInternal(subject: string, data: Uint8Array, headers: BusHeaders | undefined, replyTo: string | undefined): number {
    this.assertOpen();
    assertValidSubject(subject, { allowWildcards: false });
    const targets = this.route(subject);
    if (targets.length === 0) return 0;
    // Copy once: the publisher may reuse its buffer, as it may with NATS.
    const message = this.message(subject, data.slice(), headers ? { ...headers } : NO_HEADERS, replyTo);
    queueMicrotask(() => {
      for (const sub of targets) sub.deliver(message);
    });
    return targets.length;
  }

  private route(subject: string): LocalSubscription[] {
    const matched: LocalSubscription[] = [];
    const exact = this.exact.get(subject);
    if (exact) matched.push(...exact);
    for (const sub of this.wildcards) if (subjectMatches(sub.subject, subject)) matched.push(sub);
    if (!matched.some((s) => s.queue !== undefined)) return matched;
    // One member per queue group, round-robin.
    const plain = matched.filter((s) => s.queue === undefined);
    const groups = new Map<string, LocalSubscription[]>();
    for (const s of matched) if (s.queue !== undefined) groups.set(s.queue, [...(groups.get(s.queue) ?? []), s]);
    for (const [queue, members] of groups) {
      const cursor = this.queueCursor.get(queue) ?? 0;
      this.queueCursor.set(queue, cursor + 1);
      plain.push(members[cursor % members.length] as LocalSubscription);
    }
    return plain;
  }

  private message(subject: string, data: Uint8Array, headers: BusHeaders, replyTo: string | undefined): BusMessage {
    return {
      subject,
      data,
      headers,
      replyTo,
      respond: (answer, answerHeaders) => {
        if (replyTo && this.current !== 'closed') this.publishInternal(replyTo, answer, answerHeaders, undefined);
      },
    };
  }

  private assertOpen(): void {
    if (this.current === 'closed') throw new BusClosedError();
  }

  private setState(state: BusState): void {
    this.current = state;
    for (const listener of this.statusListeners) listener({ state });
  }
}
