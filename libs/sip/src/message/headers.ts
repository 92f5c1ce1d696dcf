import { isToken, splitList } from './grammar';

// RFC 3261 §7.3.3 compact forms plus those of later extensions (RFC 3515, 3903, 4028, 4474, 3841).
const COMPACT_FORMS = new Map<string, string>([
  ['a', 'accept-contact'],
  ['b', 'referred-by'],
  ['c', 'content-type'],
  ['d', 'request-disposition'],
  ['e', 'content-encoding'],
  ['f', 'from'],
  ['i', 'call-id'],
  ['j', 'reject-contact'],
  ['k', 'supported'],
  ['l', 'content-length'],
  ['m', 'contact'],
  ['n', 'identity-info'],
  ['o', 'event'],
  ['r', 'refer-to'],
  ['s', 'subject'],
  ['t', 'to'],
  ['u', 'allow-events'],
  ['v', 'via'],
  ['x', 'session-expires'],
  ['y', 'identity'],
]);

// Names whose conventional spelling is not plain Title-Case.
const SPELLINGS = new Map<string, string>([
  ['call-id', 'Call-ID'],
  ['cseq', 'CSeq'],
  ['www-authenticate', 'WWW-Authenticate'],
  ['mime-version', 'MIME-Version'],
  ['rack', 'RAck'],
  ['rseq', 'RSeq'],
  ['sip-etag', 'SIP-ETag'],
  ['sip-if-match', 'SIP-If-Match'],
]);

// Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), so one
// line may carry several values. Others (e.g. WWW-Authenticate, Date, any
// unknown header) are kept whole because commas inside them are not separators.
const LIST_HEADERS = new Set([
  'via',
  'route',
  'record-route',
  'contact',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'content-language',
  'allow-events',
  'alert-info',
  'call-info',
  'error-info',
  'in-reply-to',
  'path',
  'service-route',
  'p-asserted-identity',
  'reason',
  'warning',
]);

const titleCase = (key: string): string => key.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

// Conventional spelling of every header this stack knows; others keep the spelling they arrived with.
const KNOWN_SPELLINGS = new Map<string, string>(
  [
    ...COMPACT_FORMS.values(),
    ...LIST_HEADERS,
    'authorization',
    'content-length',
    'content-type',
    'cseq',
    'max-forwards',
    'proxy-authenticate',
    'proxy-authorization',
    'referred-by',
    'retry-after',
    'server',
    'subscription-state',
    'user-agent',
    'www-authenticate',
  ].map((key) => [key, SPELLINGS.get(key) ?? titleCase(key)]),
);

/** Lowercase full name for any spelling or compact form. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT_FORMS.get(lower) ?? lower;
}

function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}

// Header injection guard for values that come from applications.
const UNSAFE_VALUE = /[\r\n\0]/;

export interface ReadonlySipHeaders {
  /** First value (for list headers: the first list element), case-insensitive name, compact forms accepted. */
  get(name: string): string | undefined;
  /** Every value in order; list headers are split on their commas. */
  getAll(name: string): string[];
  has(name: string): boolean;
  /** Number of header lines. */
  readonly size: number;
  /** Header lines in order as [display name, value]. */
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

interface HeaderLine {
  readonly key: string;
  /** How the name is written out. */
  readonly name: string;
  readonly value: string;
}

/** Ordered header lines of one message. */
export class SipHeaders implements ReadonlySipHeaders {
  private lines: HeaderLine[] = [];

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [name, value] of init) this.append(name, value);
  }

  get size(): number {
    return this.lines.length;
  }

  get(name: string): string | undefined {
    const key = headerKey(name);
    const line = this.lines.find((l) => l.key === key);
    if (!line) return undefined;
    return isListHeader(key) ? (splitList(line.value)[0] ?? '') : line.value;
  }

  getAll(name: string): string[] {
    const key = headerKey(name);
    const values: string[] = [];
    for (const line of this.lines) {
      if (line.key !== key) continue;
      if (isListHeader(key)) values.push(...splitList(line.value));
      else values.push(line.value);
    }
    return values;
  }

  /** Raw header lines for `name`, unsplit (used where each line must be checked on its own). */
  lineCount(name: string): number {
    const key = headerKey(name);
    return this.lines.reduce((n, l) => (l.key === key ? n + 1 : n), 0);
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.lines.some((l) => l.key === key);
  }

  append(name: string, value: string | readonly string[]): this {
    for (const v of typeof value === 'string' ? [value] : value) this.lines.push(checkedLine(name, v));
    return this;
  }

  /** Adds lines before every existing line of that name (e.g. a new top Via). */
  prepend(name: string, value: string): this {
    const line = checkedLine(name, value);
    const index = this.lines.findIndex((l) => l.key === line.key);
    this.lines.splice(index < 0 ? this.lines.length : index, 0, line);
    return this;
  }

  /** Replaces every line of that name, keeping the position of the first one. */
  set(name: string, value: string | readonly string[]): this {
    const values = typeof value === 'string' ? [value] : value;
    const fresh = values.map((v) => checkedLine(name, v));
    const key = headerKey(name);
    const index = this.lines.findIndex((l) => l.key === key);
    this.lines = this.lines.filter((l) => l.key !== key);
    this.lines.splice(index < 0 ? this.lines.length : index, 0, ...fresh);
    return this;
  }

  delete(name: string): this {
    const key = headerKey(name);
    this.lines = this.lines.filter((l) => l.key !== key);
    return this;
  }

  clone(): SipHeaders {
    const copy = new SipHeaders();
    copy.lines = [...this.lines];
    return copy;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const line of this.lines) yield [line.name, line.value];
  }

  /** Parser entry: the name and value are already validated. */
  static fromParsedLines(lines: readonly (readonly [string, string])[]): SipHeaders {
    const headers = new SipHeaders();
    headers.lines = lines.map(([name, value]) => header(name, value));
    return headers;
  }
}

function header(name: string, value: string): HeaderLine {
  const key = headerKey(name);
  return { key, name: KNOWN_SPELLINGS.get(key) ?? name, value };
}

function checkedLine(name: string, value: string): HeaderLine {
  if (!isToken(name)) throw new TypeError(`invalid SIP header name "${name}"`);
  if (UNSAFE_VALUE.test(value)) throw new TypeError(`SIP header ${name} contains CR, LF or NUL`);
  return header(name, value.trim());
}
