import { SipParseError } from './errors';
import { clip, isToken } from './grammar';
import { SipHeaders } from './headers';
import { parseNameAddr, type NameAddr } from './name-addr';
import { parseVia, type Via } from './via';

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

const MAX_CSEQ = 2 ** 31 - 1;

export function parseCSeq(value: string): CSeq {
  const match = /^(\d{1,10})\s+(\S+)$/.exec(value.trim());
  const seq = Number(match?.[1]);
  const method = match?.[2] ?? '';
  if (!match || seq > MAX_CSEQ || !isToken(method)) throw new SipParseError(`bad CSeq "${clip(value)}"`);
  return { seq, method };
}

/**
 * Shared by requests and responses. The accessors parse on demand and throw
 * SipParseError for a missing or malformed header; `parseMessage` has already
 * checked them on anything that came off the wire.
 */
export abstract class SipMessage {
  abstract readonly kind: 'request' | 'response';

  constructor(
    readonly headers: SipHeaders = new SipHeaders(),
    public body: Buffer = Buffer.alloc(0),
  ) {}

  get callId(): string {
    return this.required('Call-ID');
  }

  get cseq(): CSeq {
    return parseCSeq(this.required('CSeq'));
  }

  get from(): NameAddr {
    return parseNameAddr(this.required('From'));
  }

  get to(): NameAddr {
    return parseNameAddr(this.required('To'));
  }

  get vias(): Via[] {
    return this.headers.getAll('Via').map(parseVia);
  }

  get topVia(): Via {
    return parseVia(this.required('Via'));
  }

  /** Media type without parameters, lowercased (`application/sdp`). */
  get contentType(): string | undefined {
    return this.headers.get('Content-Type')?.split(';')[0]?.trim().toLowerCase();
  }

  get bodyText(): string {
    return this.body.toString('utf8');
  }

  private required(name: string): string {
    const value = this.headers.get(name);
    if (value === undefined) throw new SipParseError(`missing ${name}`);
    return value;
  }
}

export class SipRequest extends SipMessage {
  readonly kind = 'request' as const;

  constructor(
    readonly method: string,
    public uri: string,
    headers?: SipHeaders,
    body?: Buffer,
  ) {
    super(headers, body);
  }
}

export class SipResponse extends SipMessage {
  readonly kind = 'response' as const;

  constructor(
    readonly status: number,
    readonly reason: string,
    headers?: SipHeaders,
    body?: Buffer,
  ) {
    super(headers, body);
  }
}

export type AnySipMessage = SipRequest | SipResponse;
