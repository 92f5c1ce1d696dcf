import { SipParseError } from './errors';

// RFC 3261 §25.1 token characters.
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
// Unquoted parameter values: tokens, hosts (incl. IPv6 references) and the URI parameter characters.
const PARAM_VALUE = /^[A-Za-z0-9\-.!%*_+`'~[\]:/&$]+$/;

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** Index just past the closing quote of the quoted string that starts at `start`. */
export function endOfQuoted(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  throw new SipParseError('unterminated quoted string');
}

export function unquote(quoted: string): string {
  if (quoted.length < 2 || !quoted.startsWith('"') || endOfQuoted(quoted, 0) !== quoted.length) {
    throw new SipParseError('malformed quoted string');
  }
  return quoted.slice(1, -1).replace(/\\(.)/g, '$1');
}

export function quote(text: string): string {
  return `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Splits on `separator` where it is not inside a quoted string or `<...>`;
 * parts are trimmed. Used for comma-separated header lists and `;` params.
 */
export function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let inAngle = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = endOfQuoted(text, i) - 1;
    } else if (c === '<') {
      if (inAngle) throw new SipParseError('nested "<"');
      inAngle = true;
    } else if (c === '>') {
      inAngle = false;
    } else if (c === separator && !inAngle) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (inAngle) throw new SipParseError('unterminated "<"');
  parts.push(text.slice(start).trim());
  return parts;
}

/** A header list: `a, "b,c" <d>, e`. An empty value is an empty list. */
export function splitList(value: string): string[] {
  if (value.trim() === '') return [];
  const items = splitOutside(value, ',');
  if (items.some((item) => item === '')) throw new SipParseError('empty list element');
  return items;
}

export type Params = ReadonlyMap<string, string>;

/**
 * Parses `;name=value;flag` (names lowercased; a flag has the value '').
 * Quoted values are unquoted. The first duplicate wins.
 */
export function parseParams(text: string): Params {
  const params = new Map<string, string>();
  const trimmed = text.trim();
  if (trimmed === '') return params;
  if (!trimmed.startsWith(';')) throw new SipParseError(`unexpected text "${clip(trimmed)}"`);
  for (const part of splitOutside(trimmed.slice(1), ';')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!isToken(name)) throw new SipParseError(`bad parameter name "${clip(name)}"`);
    let value = '';
    if (eq >= 0) {
      const raw = part.slice(eq + 1).trim();
      if (raw.startsWith('"')) value = unquote(raw);
      else if (PARAM_VALUE.test(raw)) value = raw;
      else throw new SipParseError(`bad value for parameter "${name}"`);
    }
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [name, value] of params) {
    if (value === '') out += `;${name}`;
    else out += `;${name}=${PARAM_VALUE.test(value) ? value : quote(value)}`;
  }
  return out;
}

/** C0 control characters and DEL, except horizontal tab. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** Shortens attacker-controlled text before it goes into an error reason. */
export function clip(text: string, max = 40): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}...` : printable;
}
