import { SipParseError } from './errors';
import { DEFAULT_PARSE_LIMITS, findHeaderEnd, type SipParseLimits } from './parser';

export type FramedItem =
  | { readonly type: 'message'; readonly bytes: Buffer }
  /** RFC 5626 §4.4.1 keepalive (CRLFCRLF); the answer is a single CRLF. */
  | { readonly type: 'ping' };

const CR = 0x0d;
const LF = 0x0a;
const PING = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(.*?)[ \t]*$/gim;

/**
 * Cuts a TCP byte stream into SIP messages by the blank line and
 * Content-Length (RFC 3261 §18.3). Buffering is bounded by the message size
 * limit; a framing error is unrecoverable for the connection, so `push`
 * throws SipParseError and the caller closes it.
 */
export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly limits: SipParseLimits = DEFAULT_PARSE_LIMITS) {}

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.buffer.length;
  }

  push(chunk: Buffer): FramedItem[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const items: FramedItem[] = [];
    for (;;) {
      if (!this.skipKeepalives(items)) break;
      const message = this.takeMessage();
      if (!message) break;
      items.push({ type: 'message', bytes: message });
    }
    return items;
  }

  /** Consumes CRLFs between messages; false while a possible ping is still incomplete. */
  private skipKeepalives(items: FramedItem[]): boolean {
    while (this.buffer.length > 0 && (this.buffer[0] === CR || this.buffer[0] === LF)) {
      if (this.buffer.length >= PING.length && this.buffer.subarray(0, PING.length).equals(PING)) {
        items.push({ type: 'ping' });
        this.buffer = this.buffer.subarray(PING.length);
      } else if (this.buffer.length < PING.length && PING.subarray(0, this.buffer.length).equals(this.buffer)) {
        return false;
      } else {
        this.buffer = this.buffer.subarray(1);
      }
    }
    return this.buffer.length > 0;
  }

  private takeMessage(): Buffer | undefined {
    const end = findHeaderEnd(this.buffer, 0);
    if (!end) {
      if (this.buffer.length > this.limits.maxMessageBytes) throw new SipParseError('header section too large', { status: 513 });
      return undefined;
    }
    const total = end.bodyStart + this.contentLength(this.buffer.toString('latin1', 0, end.headerEnd));
    if (total > this.limits.maxMessageBytes) throw new SipParseError('message too large', { status: 513 });
    if (this.buffer.length < total) return undefined;
    const message = this.buffer.subarray(0, total);
    this.buffer = this.buffer.subarray(total);
    return message;
  }

  private contentLength(head: string): number {
    const values = [...head.matchAll(CONTENT_LENGTH)].map((m) => m[1] ?? '');
    // RFC 3261 §18.3: on a stream Content-Length is mandatory; a missing one is treated as no body.
    if (values.length === 0) return 0;
    const [first = ''] = values;
    if (!/^\d{1,10}$/.test(first) || values.some((v) => v !== first)) throw new SipParseError('bad Content-Length on stream');
    return Number(first);
  }
}
