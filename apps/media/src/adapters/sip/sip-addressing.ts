import { UPSTREAM_ROUTE_HEADER } from '@voiceagent/contracts';
import { parseNameAddr, parseSipUri, type ReadonlySipHeaders } from '@voiceagent/sip';

/**
 * The number or user of a From/To/P-Asserted-Identity value, as the rest of
 * the system wants it: "+15551234567" from `"Ann" <sip:+15551234567@pbx;user=phone>`,
 * the digits of a tel: URI, or the whole URI when it has no user part.
 */
export function partyOf(headerValue: string | undefined): string {
  if (!headerValue) return 'anonymous';
  try {
    const { uri } = parseNameAddr(headerValue);
    if (/^tel:/i.test(uri)) return uri.slice(4).split(';')[0] ?? uri;
    const sip = parseSipUri(uri);
    return sip.user ? decodeURIComponent(sip.user) : uri;
  } catch {
    return headerValue.trim();
  }
}

// Headers the stages and the routing rules may need: Amazon Connect and most
// SBCs pass call context in User-to-User and X- headers.
const FORWARDED = /^(user-to-user|diversion|history-info|p-asserted-identity|p-preferred-identity|x-.+)$/i;
const MAX_FORWARDED_BYTES = 4096;

/**
 * Selected headers of the INVITE, lower-cased names, repeated headers joined
 * with ", ". The routing header is kept only from a `trusted` source (one in
 * SIP_ALLOWED_SOURCES): anyone else could use it to skip opening hours or
 * reach a person directly.
 */
export function forwardedHeaders(headers: ReadonlySipHeaders, callId: string, { trusted }: { trusted: boolean }): Record<string, string> {
  const out: Record<string, string> = { 'call-id': callId };
  let bytes = 0;
  for (const [name, value] of headers) {
    if (!FORWARDED.test(name)) continue;
    if (!trusted && name.toLowerCase() === UPSTREAM_ROUTE_HEADER) continue;
    bytes += name.length + value.length;
    if (bytes > MAX_FORWARDED_BYTES) break;
    const key = name.toLowerCase();
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  }
  return out;
}

export class TransferTargetError extends Error {
  override readonly name = 'TransferTargetError';
}

/**
 * The Refer-To URI for a transfer target from the knowledge file: SIP URIs as
 * they are, phone numbers as a SIP URI on the caller's side (the trunk or PBX
 * that sent the call routes them), Connect queues refused (they are reached by
 * handing the contact back to Connect, not by REFER).
 */
export function referTarget(target: string, peerHost: string): string {
  const text = target.trim();
  if (/^sips?:/i.test(text)) {
    parseSipUri(text);
    return text;
  }
  const number = text.replace(/^tel:/i, '').replace(/[\s().-]/g, '');
  if (/^\+?\d{3,15}$/.test(number)) return `sip:${number}@${peerHost.includes(':') ? `[${peerHost}]` : peerHost};user=phone`;
  throw new TransferTargetError(`cannot transfer a SIP call to "${target}": use a sip: URI or a phone number`);
}
