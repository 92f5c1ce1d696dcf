// Hand-written SIP codec: Node has no maintained SIP stack (the `sip` npm
// package is unmaintained since 2018; drachtio needs its own C++ server).
// Grammar per RFC 3261 §7 and §25, hardened with RFC 4475-style cases.
import { SipParseError } from './errors';
import { clip, hasControlCharacter, isToken } from './grammar';
import { SipHeaders } from './headers';
import { SipRequest, SipResponse, type AnySipMessage } from './message';
import { parseNameAddr } from './name-addr';
import { isAbsoluteUri, parseSipUri, uriScheme } from './uri';

export interface SipParseLimits {
  /** Whole message, headers and body (RFC 3261 §18.1.1 leaves UDP at 64 KiB). */
  readonly maxMessageBytes: number;
  /** Header lines after unfolding. */
  readonly maxHeaders: number;
}

export const DEFAULT_PARSE_LIMITS: SipParseLimits = { maxMessageBytes: 64 * 1024, maxHeaders: 128 };

const REQUEST_LINE = /^([A-Za-z0-9\-.!%*_+`'~]+) (\S+) (SIP\/\d+\.\d+)$/i;
const STATUS_LINE = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/i;
const MEDIA_TYPE = /^[A-Za-z0-9\-.!%*_+`'~]+\/[A-Za-z0-9\-.!%*_+`'~]+\s*(;.*)?$/;
const SINGLETONS = ['From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Length', 'Content-Type'];

const CR = 0x0d;
const LF = 0x0a;

/** Where the header section ends (blank line, CRLF or bare LF) and the body starts. */
export function findHeaderEnd(bytes: Buffer, from: number): { headerEnd: number; bodyStart: number } | undefined {
  let i = bytes.indexOf(LF, from);
  while (i >= 0) {
    const headerEnd = i > from && bytes[i - 1] === CR ? i - 1 : i;
    if (bytes[i + 1] === LF) return { headerEnd, bodyStart: i + 2 };
    if (bytes[i + 1] === CR && bytes[i + 2] === LF) return { headerEnd, bodyStart: i + 3 };
    i = bytes.indexOf(LF, i + 1);
  }
  return undefined;
}

/**
 * Parses one SIP message (a UDP datagram, or one message cut by the stream
 * framer). Throws SipParseError, and only that, for anything malformed.
 */
export function parseMessage(data: Buffer | string, limits: Partial<SipParseLimits> = {}): AnySipMessage {
  const { maxMessageBytes, maxHeaders } = { ...DEFAULT_PARSE_LIMITS, ...limits };
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (bytes.length > maxMessageBytes) throw new SipParseError('message too large', { status: 513 });
  // RFC 3261 §7.5: CRLFs before the start line are ignored.
  let start = 0;
  while (bytes[start] === CR || bytes[start] === LF) start++;
  if (start >= bytes.length) throw new SipParseError('empty message');
  const end = findHeaderEnd(bytes, start);
  if (!end) throw new SipParseError('no blank line after the headers');

  const lines = bytes.toString('utf8', start, end.headerEnd).split(/\r?\n/);
  const startLine = lines[0] ?? '';
  if (hasControlCharacter(startLine)) throw new SipParseError('control character in start line');
  const fields = unfoldHeaderLines(lines.slice(1), maxHeaders);
  const headers = SipHeaders.fromParsedLines(fields);
  const body = readBody(bytes, end.bodyStart, headers, maxMessageBytes);

  const request = REQUEST_LINE.exec(startLine);
  if (request) {
    const [, method = '', uri = '', version = ''] = request;
    const message = new SipRequest(method, uri, headers, body);
    if (version.toUpperCase() !== 'SIP/2.0') {
      throw new SipParseError('Version Not Supported', { status: 505, partial: message });
    }
    validate(message);
    return message;
  }
  const status = STATUS_LINE.exec(startLine);
  if (status) {
    const message = new SipResponse(Number(status[1]), status[2] ?? '', headers, body);
    validate(message);
    return message;
  }
  throw new SipParseError(`bad start line "${clip(startLine)}"`);
}

function unfoldHeaderLines(lines: readonly string[], maxHeaders: number): [string, string][] {
  const fields: [string, string][] = [];
  for (const line of lines) {
    if (hasControlCharacter(line)) throw new SipParseError('control character in header');
    const last = fields[fields.length - 1];
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // RFC 3261 §7.3.1 line folding: a continuation joins the previous value with one space.
      if (!last) throw new SipParseError('continuation line before the first header');
      last[1] = `${last[1]} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trimEnd();
    if (!isToken(name)) throw new SipParseError(`bad header line "${clip(line)}"`);
    if (fields.length >= maxHeaders) throw new SipParseError('too many headers');
    fields.push([name, line.slice(colon + 1).trim()]);
  }
  return fields;
}

function readBody(bytes: Buffer, bodyStart: number, headers: SipHeaders, maxMessageBytes: number): Buffer {
  const available = Math.max(0, bytes.length - bodyStart);
  const lengths = headers.getAll('Content-Length');
  if (lengths.length === 0) return Buffer.from(bytes.subarray(bodyStart));
  const [first] = lengths;
  if (lengths.some((l) => l !== first) || !/^\d{1,10}$/.test(first ?? '')) throw new SipParseError('bad Content-Length');
  const length = Number(first);
  if (length > maxMessageBytes) throw new SipParseError('Content-Length too large', { status: 513 });
  if (length > available) throw new SipParseError('body shorter than Content-Length');
  // A datagram may carry bytes past Content-Length; RFC 3261 §18.3 says they are discarded.
  return Buffer.from(bytes.subarray(bodyStart, bodyStart + length));
}

/** Checks the headers every transaction and dialog needs (RFC 3261 §8.1.1). */
function validate(message: AnySipMessage): void {
  const check = (what: string, test: () => unknown): void => {
    try {
      if (test() === false) throw new SipParseError(`bad ${what}`);
    } catch (error) {
      if (!(error instanceof SipParseError)) throw error;
      const reason = error.reason.includes(what) ? error.reason : `bad ${what}: ${error.reason}`;
      throw new SipParseError(reason, { partial: message });
    }
  };
  for (const name of SINGLETONS) check(name, () => message.headers.lineCount(name) <= 1 || fail(`duplicate ${name} header`));
  check('Via', () => message.vias.length > 0 || fail('missing Via'));
  check('From', () => message.from);
  check('To', () => message.to);
  check('Call-ID', () => /^\S+$/.test(message.callId));
  check('CSeq', () => message.cseq);
  if (message.kind === 'request') {
    check('Request-URI', () => {
      if (!isAbsoluteUri(message.uri)) return false;
      const scheme = uriScheme(message.uri);
      return (scheme !== 'sip' && scheme !== 'sips') || parseSipUri(message.uri);
    });
    check('CSeq', () => message.cseq.method === message.method || fail('CSeq method does not match the request'));
    const maxForwards = message.headers.get('Max-Forwards');
    check('Max-Forwards', () => maxForwards === undefined || (/^\d{1,3}$/.test(maxForwards) && Number(maxForwards) <= 255));
  }
  check('Contact', () => {
    const contacts = message.headers.getAll('Contact');
    if (contacts.includes('*')) return contacts.length === 1;
    for (const contact of contacts) parseNameAddr(contact);
    return true;
  });
  const contentType = message.headers.get('Content-Type');
  check('Content-Type', () => contentType === undefined || MEDIA_TYPE.test(contentType));
}

function fail(reason: string): never {
  throw new SipParseError(reason);
}
