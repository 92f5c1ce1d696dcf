import { describe, expect, it } from 'vitest';
import { createResponse } from './build';
import { SipHeaders } from './headers';
import { SipRequest, type AnySipMessage } from './message';
import { parseMessage } from './parser';
import { serializeMessage } from './serializer';

const crlf = (lines: string[], body = ''): string => `${lines.join('\r\n')}\r\n\r\n${body}`;

const samples = [
  crlf(
    [
      'INVITE sip:agent@192.0.2.1 SIP/2.0',
      'v: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK1;rport, SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK0',
      'f: "A, B" <sip:a@example.com>;tag=1',
      't: sip:agent@192.0.2.1',
      'i: rt-1@example.com',
      'CSeq: 1 INVITE',
      'm: <sip:a@192.0.2.10:5062>',
      'Subject: folded',
      '  across lines',
      'c: application/sdp',
      'l: 5',
    ],
    'v=0\r\n',
  ),
  crlf([
    'SIP/2.0 486 Busy Here',
    'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK1;received=192.0.2.99;rport=7000',
    'From: <sip:a@example.com>;tag=1',
    'To: <sip:agent@192.0.2.1>;tag=2',
    'Call-ID: rt-2@example.com',
    'CSeq: 1 INVITE',
    'WWW-Authenticate: Digest realm="x", nonce="a,b", qop="auth"',
    'Content-Length: 0',
  ]),
];

function shape(message: AnySipMessage) {
  return {
    start: message.kind === 'request' ? [message.method, message.uri] : [message.status, message.reason],
    headers: [...message.headers],
    body: message.bodyText,
    vias: message.vias,
    from: message.from,
    to: message.to,
    cseq: message.cseq,
  };
}

describe('serializeMessage', () => {
  it.each(samples.map((s, i) => [i, s] as const))('round-trips sample %i through parse and serialize', (_i, text) => {
    const parsed = parseMessage(text);
    const wire = serializeMessage(parsed);
    const reparsed = parseMessage(wire);
    expect(shape(reparsed)).toEqual(shape(parsed));
    // A second pass is byte-identical: the serialized form is canonical.
    expect(serializeMessage(reparsed).equals(wire)).toBe(true);
  });

  it('writes full header names and a Content-Length matching the body', () => {
    const wire = serializeMessage(parseMessage(samples[0] ?? '')).toString();
    expect(wire).toMatch(/^Via: /m);
    expect(wire).toMatch(/^From: "A, B"/m);
    expect(wire).toMatch(/^Call-ID: rt-1@example.com$/m);
    expect(wire).toMatch(/^Content-Length: 5\r\n\r\nv=0\r\n$/m);
    expect(wire).not.toMatch(/^[vftimcl]: /m);
  });

  it('builds requests and responses from scratch', () => {
    const headers = new SipHeaders()
      .append('Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKnew')
      .append('From', '<sip:me@127.0.0.1>;tag=a')
      .append('To', '<sip:you@127.0.0.1>')
      .append('Call-ID', 'built@127.0.0.1')
      .append('CSeq', '1 MESSAGE')
      .append('Content-Type', 'text/plain');
    const request = new SipRequest('MESSAGE', 'sip:you@127.0.0.1', headers, Buffer.from('héllo'));
    const wire = serializeMessage(request);
    expect(wire.toString()).toContain('Content-Length: 6\r\n');
    const parsed = parseMessage(wire);
    expect(parsed.bodyText).toBe('héllo');
    const response = createResponse(request, 200);
    expect(serializeMessage(response).toString()).toMatch(/^SIP\/2.0 200 OK\r\nVia: SIP\/2.0\/UDP 127.0.0.1:5070;branch=z9hG4bKnew\r\n/);
  });
});
