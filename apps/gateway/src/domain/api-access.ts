import { timingSafeEqual } from 'node:crypto'; // pure computation, no I/O

export type AccessDecision = { allowed: true } | { allowed: false; status: 401 | 403; reason: string };

/**
 * Who may call the gateway API: a caller presenting one of the configured
 * bearer tokens; with no tokens configured, only clients on this machine.
 */
export class ApiAccess {
  private readonly tokens: Buffer[];

  constructor(tokens: readonly string[]) {
    this.tokens = tokens.map((t) => Buffer.from(t));
  }

  static fromList(list: string | undefined): ApiAccess {
    return new ApiAccess((list ?? '').split(',').map((t) => t.trim()).filter(Boolean));
  }

  get open(): boolean {
    return this.tokens.length === 0;
  }

  decide(authorization: string | undefined, remoteAddress: string | undefined): AccessDecision {
    if (this.open) {
      const loopback = remoteAddress === '127.0.0.1' || remoteAddress === '::1' || remoteAddress === '::ffff:127.0.0.1';
      return loopback ? { allowed: true } : { allowed: false, status: 403, reason: 'no API_TOKENS configured: the API answers local clients only' };
    }
    const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!presented) return { allowed: false, status: 401, reason: 'missing bearer token' };
    const candidate = Buffer.from(presented);
    // Constant-time comparison against every token, so timing says nothing.
    const match = this.tokens.reduce((found, token) => (token.length === candidate.length && timingSafeEqual(token, candidate)) || found, false);
    return match ? { allowed: true } : { allowed: false, status: 401, reason: 'invalid bearer token' };
  }
}
