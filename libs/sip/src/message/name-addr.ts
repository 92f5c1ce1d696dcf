import { SipParseError } from './errors';
import { clip, endOfQuoted, formatParams, parseParams, quote, unquote, type Params } from './grammar';
import { isAbsoluteUri, parseSipUri, uriScheme } from './uri';

/** From, To, Contact, Refer-To, Route...: `"Display" <uri>;tag=abc` or `uri;tag=abc`. */
export interface NameAddr {
  readonly displayName?: string;
  readonly uri: string;
  /** Header parameters (after the URI), names lowercased. */
  readonly params: Params;
  readonly tag?: string;
}

// Unquoted display names are tokens separated by whitespace; UTF-8 is tolerated.
const UNQUOTED_DISPLAY = /^[^"<>,;\\]*$/;

export function parseNameAddr(value: string): NameAddr {
  const text = value.trim();
  let displayName: string | undefined;
  let uri: string;
  let rest: string;
  let angle = text;
  if (text.startsWith('"')) {
    const end = endOfQuoted(text, 0);
    displayName = unquote(text.slice(0, end));
    angle = text.slice(end).trimStart();
    if (!angle.startsWith('<')) throw new SipParseError('expected "<" after display name');
  }
  const lt = angle.indexOf('<');
  if (lt >= 0) {
    if (displayName === undefined) {
      const display = angle.slice(0, lt).trim();
      if (!UNQUOTED_DISPLAY.test(display)) throw new SipParseError(`bad display name "${clip(display)}"`);
      if (display !== '') displayName = display.replace(/\s+/g, ' ');
    } else if (lt !== 0) {
      throw new SipParseError('text between display name and "<"');
    }
    const gt = angle.indexOf('>', lt);
    if (gt < 0) throw new SipParseError('unterminated "<"');
    uri = angle.slice(lt + 1, gt).trim();
    rest = angle.slice(gt + 1);
  } else {
    // addr-spec form: every ';' parameter belongs to the header, not the URI.
    const semi = text.indexOf(';');
    uri = (semi < 0 ? text : text.slice(0, semi)).trim();
    rest = semi < 0 ? '' : text.slice(semi);
    if (/[,?]/.test(uri)) throw new SipParseError(`URI with "," or "?" must be in angle brackets`);
  }
  checkUri(uri);
  const params = parseParams(rest);
  const tag = params.get('tag');
  if (tag === '') throw new SipParseError('empty tag');
  return {
    ...(displayName !== undefined && { displayName }),
    uri,
    params,
    ...(tag !== undefined && { tag }),
  };
}

function checkUri(uri: string): void {
  if (!isAbsoluteUri(uri)) throw new SipParseError(`bad URI "${clip(uri)}"`);
  const scheme = uriScheme(uri);
  if (scheme === 'sip' || scheme === 'sips') parseSipUri(uri);
}

export function formatNameAddr(nameAddr: { displayName?: string; uri: string; params?: Params }): string {
  const display = nameAddr.displayName === undefined ? '' : `${quote(nameAddr.displayName)} `;
  return `${display}<${nameAddr.uri}>${nameAddr.params ? formatParams(nameAddr.params) : ''}`;
}
