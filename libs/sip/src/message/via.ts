import { isIP } from 'node:net';
import { SipParseError } from './errors';
import { clip, formatParams, isToken, parseParams, type Params } from './grammar';
import { parseHostPort } from './uri';

export const MAGIC_COOKIE = 'z9hG4bK';

export interface Via {
  /** Upper-cased transport, e.g. UDP, TCP. */
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
  readonly branch?: string;
  readonly received?: string;
  /** RFC 3581: `true` when asked for (`;rport`), the port once filled in. */
  readonly rport?: number | true;
}

const VIA = /^SIP\s*\/\s*2\.0\s*\/\s*([^\s/;]+)\s+([^;]+?)\s*(;.*)?$/i;

export function parseVia(value: string): Via {
  const match = VIA.exec(value.trim());
  if (!match) throw new SipParseError(`bad Via "${clip(value)}"`);
  const [, transport = '', sentBy = '', paramText = ''] = match;
  if (!isToken(transport)) throw new SipParseError('bad Via transport');
  const { host, port } = parseHostPort(sentBy.replace(/\s*:\s*/, ':'));
  const params = parseParams(paramText);
  const received = params.get('received');
  if (received !== undefined && isIP(received) === 0) throw new SipParseError('bad Via received');
  const rportText = params.get('rport');
  let rport: number | true | undefined;
  if (rportText !== undefined) {
    if (rportText === '') rport = true;
    else if (/^\d{1,5}$/.test(rportText) && Number(rportText) <= 65535) rport = Number(rportText);
    else throw new SipParseError('bad Via rport');
  }
  const branch = params.get('branch');
  if (branch === '') throw new SipParseError('empty Via branch');
  return {
    transport: transport.toUpperCase(),
    host,
    ...(port !== undefined && { port }),
    params,
    ...(branch !== undefined && { branch }),
    ...(received !== undefined && { received }),
    ...(rport !== undefined && { rport }),
  };
}

export function formatVia(via: { transport: string; host: string; port?: number; params: Params }): string {
  const port = via.port === undefined ? '' : `:${via.port}`;
  return `SIP/2.0/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}

/** RFC 3261 §18.2.1 and RFC 3581 §4: record where a request really came from. */
export function stampReceived(via: Via, sourceAddress: string, sourcePort: number): Via {
  const params = new Map(via.params);
  const hostAddress = via.host.startsWith('[') ? via.host.slice(1, -1) : via.host;
  if (hostAddress !== sourceAddress || via.rport === true) params.set('received', sourceAddress);
  if (via.rport === true) params.set('rport', String(sourcePort));
  const received = params.get('received');
  return {
    ...via,
    params,
    ...(received !== undefined && { received }),
    ...(via.rport === true && { rport: sourcePort }),
  };
}
