import { randomBytes } from 'node:crypto';
import { hasControlCharacter } from './grammar';
import { SipHeaders } from './headers';
import { SipResponse, type SipRequest } from './message';
import { MAGIC_COOKIE } from './via';

const REASONS = new Map<number, string>([
  [100, 'Trying'],
  [180, 'Ringing'],
  [181, 'Call Is Being Forwarded'],
  [182, 'Queued'],
  [183, 'Session Progress'],
  [200, 'OK'],
  [202, 'Accepted'],
  [300, 'Multiple Choices'],
  [301, 'Moved Permanently'],
  [302, 'Moved Temporarily'],
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [407, 'Proxy Authentication Required'],
  [408, 'Request Timeout'],
  [415, 'Unsupported Media Type'],
  [416, 'Unsupported URI Scheme'],
  [420, 'Bad Extension'],
  [480, 'Temporarily Unavailable'],
  [481, 'Call/Transaction Does Not Exist'],
  [482, 'Loop Detected'],
  [483, 'Too Many Hops'],
  [486, 'Busy Here'],
  [487, 'Request Terminated'],
  [488, 'Not Acceptable Here'],
  [489, 'Bad Event'],
  [491, 'Request Pending'],
  [500, 'Server Internal Error'],
  [501, 'Not Implemented'],
  [503, 'Service Unavailable'],
  [504, 'Server Time-out'],
  [505, 'Version Not Supported'],
  [513, 'Message Too Large'],
  [600, 'Busy Everywhere'],
  [603, 'Decline'],
  [604, 'Does Not Exist Anywhere'],
  [606, 'Not Acceptable'],
]);

export function reasonPhrase(status: number): string {
  return REASONS.get(status) ?? (status < 200 ? 'Progress' : status < 300 ? 'OK' : 'Error');
}

/** A response with the headers RFC 3261 §8.2.6.2 copies from the request; the To tag is the caller's job. */
export function createResponse(request: SipRequest, status: number, reason = reasonPhrase(status)): SipResponse {
  const headers = new SipHeaders();
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) headers.append(name, request.headers.getAll(name));
  return new SipResponse(status, sanitizeReason(reason), headers);
}

/** Reason phrases may carry text from the network or the application: keep them on one printable line. */
export function sanitizeReason(reason: string): string {
  return [...reason].map((c) => (hasControlCharacter(c) ? ' ' : c)).join('').slice(0, 120);
}

function randomToken(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

export function newBranch(): string {
  return `${MAGIC_COOKIE}${randomToken(8)}`;
}

export function newTag(): string {
  return randomToken(6);
}

export function newCallId(): string {
  return randomToken(16);
}
