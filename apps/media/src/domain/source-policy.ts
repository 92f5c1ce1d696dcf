import ipaddr from 'ipaddr.js';

/** What the edge does with a SIP request from a source address. */
export type SourceVerdict =
  | { readonly kind: 'accept' }
  /** Not on the allowlist: answer 403 so a misconfigured trunk sees why. */
  | { readonly kind: 'forbid'; readonly reason: string }
  /** Over the rate limit: drop silently (answering would amplify a flood). */
  | { readonly kind: 'drop'; readonly reason: string };

export interface SourcePolicyOptions {
  /** CIDRs allowed to send SIP; an empty list allows every source. */
  readonly allowed: readonly string[];
  /** Sustained requests per second per source address. */
  readonly ratePerSecond: number;
  /** Bucket size; default twice the rate. */
  readonly burst?: number;
  /** Forget idle sources after this long, so the table cannot grow without bound. */
  readonly idleMs?: number;
}

export class SourcePolicyError extends Error {
  override readonly name = 'SourcePolicyError';
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Source-address protection for the SIP edge: an allowlist of CIDRs and a
 * token bucket per source. Time comes from the caller (`nowMs`), so the policy
 * is pure and testable.
 */
export class SourcePolicy {
  private readonly ranges: Range[];
  private readonly burst: number;
  private readonly idleMs: number;
  private readonly buckets = new Map<string, Bucket>();
  private lastSweepMs = 0;

  constructor(private readonly options: SourcePolicyOptions) {
    this.ranges = options.allowed.map((cidr) => parseRange(cidr));
    this.burst = options.burst ?? options.ratePerSecond * 2;
    this.idleMs = options.idleMs ?? 60_000;
  }

  /** Loopback only: the safe default when nothing is configured. */
  static readonly LOOPBACK = ['127.0.0.0/8', '::1/128'];

  /** The address is in the configured allowlist (the trunk, SBC or PBX), not merely let in because the list is empty. */
  isListed(address: string): boolean {
    const ip = parseAddress(address);
    return ip !== undefined && this.inRanges(ip);
  }

  decide(address: string, nowMs: number): SourceVerdict {
    const ip = parseAddress(address);
    if (!ip) return { kind: 'forbid', reason: `unparseable source address ${address}` };
    if (this.ranges.length > 0 && !this.inRanges(ip)) {
      return { kind: 'forbid', reason: `source ${address} is not in SIP_ALLOWED_SOURCES` };
    }
    return this.take(ip.toNormalizedString(), nowMs)
      ? { kind: 'accept' }
      : { kind: 'drop', reason: `source ${address} exceeds ${this.options.ratePerSecond} requests/s` };
  }

  private inRanges(ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    return this.ranges.some((range) => ip.kind() === range[0].kind() && ip.match(range));
  }

  /** Sources currently tracked by the rate limiter. */
  trackedSources(): number {
    return this.buckets.size;
  }

  private take(key: string, nowMs: number): boolean {
    this.sweep(nowMs);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { tokens: this.burst, updatedMs: nowMs }));
    const elapsed = Math.max(0, nowMs - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.options.ratePerSecond);
    bucket.updatedMs = nowMs;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < this.idleMs) return;
    this.lastSweepMs = nowMs;
    for (const [key, bucket] of this.buckets) if (nowMs - bucket.updatedMs > this.idleMs) this.buckets.delete(key);
  }
}

function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  try {
    const ip = ipaddr.parse(address);
    // An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d.
    return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
  } catch {
    return undefined;
  }
}

function parseRange(cidr: string): Range {
  const text = cidr.trim();
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const ip = ipaddr.parse(text);
    return [ip, ip.kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new SourcePolicyError(`"${text}" is not an IP address or CIDR range`);
  }
}
