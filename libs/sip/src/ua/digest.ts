import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SipParseError } from '../message/errors';
import { isToken, quote, splitOutside, unquote } from '../message/grammar';
import type { SipRequest } from '../message/message';

// HTTP Digest for SIP (RFC 3261 §22.4, RFC 2617 / RFC 7616) with MD5 and qop=auth.

export interface DigestCredentialsLookup {
  readonly realm: string;
  /** The password for a user of this realm, or undefined for an unknown user. */
  readonly credentials: (username: string) => string | undefined | Promise<string | undefined>;
  /** How long a nonce stays valid (default 5 minutes); a late one earns `stale=true`. */
  readonly nonceTtlMs?: number;
}

export type DigestVerdict = 'ok' | 'missing' | 'stale' | 'invalid';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** `Digest a=b, c="d"` into a map (names lowercased). */
export function parseDigestParams(value: string): Map<string, string> {
  const match = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!match) throw new SipParseError('not a Digest header');
  const params = new Map<string, string>();
  for (const part of splitOutside(match[1] ?? '', ',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim().toLowerCase();
    if (eq < 0 || !isToken(name)) throw new SipParseError('bad Digest parameter');
    const raw = part.slice(eq + 1).trim();
    params.set(name, raw.startsWith('"') ? unquote(raw) : raw);
  }
  return params;
}

export interface DigestResponseInput {
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
}

export function digestResponse(input: DigestResponseInput): string {
  const ha1 = md5(`${input.username}:${input.realm}:${input.password}`);
  const ha2 = md5(`${input.method}:${input.uri}`);
  if (input.qop === 'auth') return md5(`${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:auth:${ha2}`);
  return md5(`${ha1}:${input.nonce}:${ha2}`);
}

/** Server side: issues self-validating nonces (timestamp + HMAC) and checks Authorization headers. */
export class DigestAuthenticator {
  private readonly secret = randomBytes(32);
  private readonly opaque = randomBytes(8).toString('hex');
  private readonly nonceTtlMs: number;

  constructor(private readonly options: DigestCredentialsLookup) {
    this.nonceTtlMs = options.nonceTtlMs ?? 5 * 60_000;
  }

  /** The WWW-Authenticate value for a 401. */
  challenge(stale = false): string {
    const nonce = this.issueNonce(Date.now());
    const fields = [`realm=${quote(this.options.realm)}`, `nonce="${nonce}"`, `opaque="${this.opaque}"`, 'algorithm=MD5', 'qop="auth"'];
    return `Digest ${[...fields, ...(stale ? ['stale=true'] : [])].join(', ')}`;
  }

  async verify(request: SipRequest): Promise<DigestVerdict> {
    const header = request.headers.getAll('Authorization').find((h) => /^\s*Digest\s/i.test(h));
    if (header === undefined) return 'missing';
    let params: Map<string, string>;
    try {
      params = parseDigestParams(header);
    } catch {
      return 'invalid';
    }
    const username = params.get('username');
    const nonce = params.get('nonce') ?? '';
    const response = params.get('response') ?? '';
    const qop = params.get('qop');
    const algorithm = params.get('algorithm') ?? 'MD5';
    if (username === undefined || params.get('realm') !== this.options.realm || params.get('uri') !== request.uri) return 'invalid';
    if (algorithm.toUpperCase() !== 'MD5' || (qop !== undefined && qop !== 'auth')) return 'invalid';
    if (qop === 'auth' && (!/^[0-9a-fA-F]{8}$/.test(params.get('nc') ?? '') || !params.get('cnonce'))) return 'invalid';
    const nonceAge = this.nonceAge(nonce);
    if (nonceAge === undefined) return 'invalid';
    const password = await this.options.credentials(username);
    if (password === undefined) return 'invalid';
    const expected = digestResponse({
      username,
      password,
      realm: this.options.realm,
      method: request.method,
      uri: request.uri,
      nonce,
      ...(qop !== undefined && { qop }),
      ...(params.has('nc') && { nc: params.get('nc') }),
      ...(params.has('cnonce') && { cnonce: params.get('cnonce') }),
    });
    if (!sameText(expected, response.toLowerCase())) return 'invalid';
    // Right password on an expired nonce: the client only needs a fresh one (RFC 2617 §3.2.1 stale).
    return nonceAge > this.nonceTtlMs ? 'stale' : 'ok';
  }

  private issueNonce(now: number): string {
    const stamp = now.toString(16);
    return `${stamp}.${this.sign(stamp)}`;
  }

  /** Age in ms of a nonce we issued, or undefined for one we did not. */
  private nonceAge(nonce: string): number | undefined {
    const [stamp = '', signature = ''] = nonce.split('.');
    if (!/^[0-9a-f]{1,12}$/.test(stamp) || !sameText(this.sign(stamp), signature)) return undefined;
    return Date.now() - parseInt(stamp, 16);
  }

  private sign(stamp: string): string {
    return createHmac('sha256', this.secret).update(stamp).digest('base64url');
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface ClientCredentials {
  readonly username: string;
  readonly password: string;
}

/** Client side: the Authorization value answering a 401/407 challenge (RFC 3261 §22.2). */
export function authorizationFor(challenge: string, request: SipRequest, credentials: ClientCredentials): string {
  const params = parseDigestParams(challenge);
  const realm = params.get('realm') ?? '';
  const nonce = params.get('nonce') ?? '';
  const offersAuth = (params.get('qop') ?? '').split(',').some((q) => q.trim() === 'auth');
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const response = digestResponse({
    ...credentials,
    realm,
    method: request.method,
    uri: request.uri,
    nonce,
    ...(offersAuth && { qop: 'auth', nc, cnonce }),
  });
  const fields = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(realm)}`,
    `nonce=${quote(nonce)}`,
    `uri=${quote(request.uri)}`,
    `response=${quote(response)}`,
    'algorithm=MD5',
    ...(params.has('opaque') ? [`opaque=${quote(params.get('opaque') ?? '')}`] : []),
    ...(offersAuth ? ['qop=auth', `nc=${nc}`, `cnonce=${quote(cnonce)}`] : []),
  ];
  return `Digest ${fields.join(', ')}`;
}
