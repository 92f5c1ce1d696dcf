import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Logger } from '@voiceagent/telemetry';
import { retryDelayMs, type Backoff } from '../domain/escalation';
import type { Clock } from '../ports/clock';
import type { Outbox, OutboxItem } from '../ports/escalation-store';

/**
 * Delivers outbox rows to webhooks, at least once: a row is marked delivered only after every URL answered 2xx,
 * otherwise it is retried with exponential backoff. All state lives in the outbox, so restarts lose nothing.
 */

export interface NotifierOptions {
  readonly urls: readonly string[];
  /** HMAC-SHA256 key of X-Signature; without it the header is left out. */
  readonly secret: string | undefined;
  readonly pollMs: number;
  readonly backoff: Backoff;
  readonly timeoutMs: number;
  readonly batchSize?: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random?: () => number;
}

export class WebhookNotifier {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  // Cuts deliveries in flight on stop, so shutdown never waits out a slow receiver's timeout.
  private readonly abort = new AbortController();
  private readonly urls: URL[];

  constructor(
    private readonly outbox: Outbox,
    private readonly options: NotifierOptions,
  ) {
    this.urls = options.urls.map(checkWebhookUrl);
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops polling and waits for the delivery in flight, so its rows are settled rather than left leased. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort(new Error('notifier stopping'));
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'outbox poll failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.pollMs);
        });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const { clock, timeoutMs } = this.options;
    const now = clock.now();
    // The lease covers the slowest delivery of a batch; a sender that dies mid-way frees its rows when it expires.
    const leaseMs = 30_000 + timeoutMs * this.urls.length * (this.options.batchSize ?? 20);
    if (this.stopped) return;
    const items = await this.outbox.claimDue(now, new Date(now.getTime() + leaseMs), this.options.batchSize ?? 20);
    await Promise.all(items.map((item) => this.deliver(item)));
  }

  private async deliver(item: OutboxItem): Promise<void> {
    const body = JSON.stringify({ id: item.id, type: item.type, createdAt: item.createdAt.toISOString(), data: item.data });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-notification-id': item.id };
    if (this.options.secret !== undefined) headers['x-signature'] = signature(body, this.options.secret);
    const failures: string[] = [];
    for (const url of this.urls) {
      try {
        const statusCode = await postJson(url, body, headers, this.options.timeoutMs, this.abort.signal);
        if (statusCode < 200 || statusCode >= 300) failures.push(`${url.origin}: HTTP ${statusCode}`);
      } catch (error) {
        failures.push(`${url.origin}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const now = this.options.clock.now();
    if (failures.length === 0) {
      await this.outbox.markDelivered(item.id, now);
      return;
    }
    // Every URL is tried again: receivers dedupe on X-Notification-Id, which keeps the state to one row.
    const delay = retryDelayMs(this.options.backoff, item.attempts + 1, (this.options.random ?? Math.random)());
    await this.outbox.markFailed(item.id, failures.join('; '), new Date(now.getTime() + delay));
    this.options.logger.warn({ notificationId: item.id, attempts: item.attempts + 1, retryInMs: delay, error: failures.join('; ') }, 'webhook delivery failed');
  }
}

/** `sha256=<hex>` HMAC of the exact body bytes. */
export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const METADATA_V6 = ipaddr.parse('fd00:ec2::254');

/** Link-local ranges hold cloud metadata services (169.254.169.254, fd00:ec2::254); loopback stays allowed. */
export function isForbiddenAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  // process() turns ::ffff:169.254.x.x into its IPv4 form, so the mapped spelling cannot sneak past.
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.range() === 'linkLocal' || ip.range() === 'unspecified';
  const v6 = ip as ipaddr.IPv6;
  return v6.range() === 'linkLocal' || v6.range() === 'unspecified' || v6.toNormalizedString() === METADATA_V6.toNormalizedString();
}

/** Parses a configured webhook URL, refusing schemes other than http(s) and forbidden literal addresses. */
export function checkWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`webhook URL "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`webhook URL "${text}" must use http or https`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isForbiddenAddress(host)) throw new Error(`webhook URL "${text}" points at a link-local or metadata address`);
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** DNS lookup that refuses forbidden answers at connect time, so a name cannot be re-pointed at metadata later. */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '');
    const bad = addresses.find((entry) => isForbiddenAddress(entry.address));
    if (bad) return callback(Object.assign(new Error(`${hostname} resolves to forbidden address ${bad.address}`), { code: 'EFORBIDDEN' }), '');
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
    callback(null, first.address, first.family);
  });
}

/** POSTs the body and resolves with the status code; redirects are not followed (they could lead anywhere). */
function postJson(url: URL, body: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const options: RequestOptions = {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
      lookup: guardedLookup as RequestOptions['lookup'],
      timeout: timeoutMs,
      signal,
    };
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}
