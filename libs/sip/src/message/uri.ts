import { SipParseError } from './errors';
import { clip, formatParams, parseParams, type Params } from './grammar';

export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  readonly user?: string;
  readonly password?: string;
  /** As written; IPv6 references keep their brackets. */
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
  /** The raw `?a=b&c=d` part without the `?`. */
  readonly headers?: string;
}

const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"]+$/;
const USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const PASSWORD = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/;
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const IPV6_REFERENCE = /^\[[0-9A-Fa-f:.]+\]$/;
const URI_PARAMS = /^[A-Za-z0-9\-_.!~*'()[\]/:&+$%=;]*$/;

export function isAbsoluteUri(text: string): boolean {
  return ABSOLUTE_URI.test(text);
}

export function uriScheme(text: string): string {
  return text.slice(0, text.indexOf(':')).toLowerCase();
}

function isValidHost(host: string): boolean {
  return HOSTNAME.test(host) || IPV6_REFERENCE.test(host);
}

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new SipParseError(`bad port "${clip(text)}"`);
  return port;
}

/** Splits `host[:port]`, with IPv6 references in brackets. */
export function parseHostPort(text: string): { host: string; port?: number } {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new SipParseError('unterminated IPv6 reference');
    host = text.slice(0, close + 1);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) throw new SipParseError(`bad host "${clip(text)}"`);
      portText = rest.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    if (colon >= 0) portText = text.slice(colon + 1);
  }
  if (!isValidHost(host)) throw new SipParseError(`bad host "${clip(host)}"`);
  return portText === undefined ? { host } : { host, port: parsePort(portText) };
}

export function parseSipUri(text: string): SipUri {
  const colon = text.indexOf(':');
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips') throw new SipParseError(`not a SIP URI "${clip(text)}"`);
  let rest = text.slice(colon + 1);
  let headers: string | undefined;
  const question = rest.indexOf('?');
  if (question >= 0) {
    headers = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  let user: string | undefined;
  let password: string | undefined;
  // '@' cannot appear unescaped after the userinfo, so the last one separates it.
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const passColon = userinfo.indexOf(':');
    user = passColon < 0 ? userinfo : userinfo.slice(0, passColon);
    if (passColon >= 0) password = userinfo.slice(passColon + 1);
    if (!USER.test(user) || (password !== undefined && !PASSWORD.test(password))) {
      throw new SipParseError(`bad user part in "${clip(text)}"`);
    }
  }
  const semi = rest.indexOf(';');
  const hostPort = semi < 0 ? rest : rest.slice(0, semi);
  const paramText = semi < 0 ? '' : rest.slice(semi);
  if (!URI_PARAMS.test(paramText) || (headers !== undefined && /[\s<>"]/.test(headers))) {
    throw new SipParseError(`bad URI parameters in "${clip(text)}"`);
  }
  const { host, port } = parseHostPort(hostPort);
  return {
    scheme,
    ...(user !== undefined && { user }),
    ...(password !== undefined && { password }),
    host,
    ...(port !== undefined && { port }),
    params: parseParams(paramText),
    ...(headers !== undefined && { headers }),
  };
}

export function formatSipUri(uri: SipUri): string {
  const userinfo = uri.user === undefined ? '' : `${uri.user}${uri.password === undefined ? '' : `:${uri.password}`}@`;
  const port = uri.port === undefined ? '' : `:${uri.port}`;
  const headers = uri.headers === undefined ? '' : `?${uri.headers}`;
  return `${uri.scheme}:${userinfo}${uri.host}${port}${formatParams(uri.params)}${headers}`;
}

/** Brackets IPv6 literals for use in Via, Contact and URIs. */
export function formatHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** The address to hand to sockets: IPv6 references without brackets. */
export function socketAddress(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
