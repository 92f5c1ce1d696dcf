import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors';
import { SipHeaders } from './headers';
import type { SipRequest, SipResponse } from './message';
import { parseNameAddr } from './name-addr';
import { parseMessage } from './parser';
import { parseSipUri } from './uri';
import { parseVia } from './via';

const wire = (lines: string[], body = ''): string => `${lines.join('\r\n')}\r\n\r\n${body}`;

const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

const invite = wire(
  [
    'INVITE sip:agent@192.0.2.1:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: "Voice Agent" <sip:agent@192.0.2.1>',
    'From: Alice <sip:alice@example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@192.0.2.10:5062>',
    'User-To-User: 56a390f3d2b7310023a2;encoding=hex',
    'X-Customer-Id: 42',
    'Content-Type: application/sdp',
    `Content-Length: ${sdp.length}`,
  ],
  sdp,
);

function parseRequest(text: string): SipRequest {
  const message = parseMessage(text);
  if (message.kind !== 'request') throw new Error('expected a request');
  return message;
}

function parseError(text: string | Buffer): SipParseError {
  try {
    parseMessage(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SipParseError);
    return error as SipParseError;
  }
  throw new Error('expected SipParseError');
}

describe('parseMessage: requests', () => {
  it('reads the start line, headers and SDP body of a typical INVITE', () => {
    const request = parseRequest(invite);
    expect(request.method).toBe('INVITE');
    expect(request.uri).toBe('sip:agent@192.0.2.1:5060');
    expect(request.callId).toBe('a84b4c76e66710@pc33.example.com');
    expect(request.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(request.from).toMatchObject({ displayName: 'Alice', uri: 'sip:alice@example.com', tag: '1928301774' });
    expect(request.to).toMatchObject({ displayName: 'Voice Agent', uri: 'sip:agent@192.0.2.1' });
    expect(request.to.tag).toBeUndefined();
    expect(request.topVia).toMatchObject({ transport: 'UDP', host: '192.0.2.10', port: 5062, branch: 'z9hG4bK776asdhds', rport: true });
    expect(request.contentType).toBe('application/sdp');
    expect(request.bodyText).toBe(sdp);
    expect(request.headers.get('user-to-user')).toBe('56a390f3d2b7310023a2;encoding=hex');
    expect(request.headers.get('X-CUSTOMER-ID')).toBe('42');
  });

  it('treats header names case-insensitively and expands compact forms', () => {
    const request = parseRequest(
      wire([
        'OPTIONS sip:agent@192.0.2.1 SIP/2.0',
        'v: SIP/2.0/TCP client.example.com:5060;branch=z9hG4bKa1',
        'f: <sip:probe@example.com>;tag=x1',
        't: <sip:agent@192.0.2.1>',
        'i: compact-1@example.com',
        'cSeQ: 7 OPTIONS',
        'm: <sip:probe@client.example.com;transport=tcp>',
        'k: replaces, timer',
        's: hello',
        'e: identity',
        'o: refer;id=7',
        'r: <sip:human@pbx.example.com>',
        'u: refer, dialog',
        'c: text/plain',
        'l: 0',
      ]),
    );
    expect(request.callId).toBe('compact-1@example.com');
    expect(request.headers.getAll('Supported')).toEqual(['replaces', 'timer']);
    expect(request.headers.get('subject')).toBe('hello');
    expect(request.headers.get('Content-Encoding')).toBe('identity');
    expect(request.headers.get('Event')).toBe('refer;id=7');
    expect(request.headers.get('Refer-To')).toBe('<sip:human@pbx.example.com>');
    expect(request.headers.getAll('Allow-Events')).toEqual(['refer', 'dialog']);
    expect(request.headers.get('Contact')).toBe('<sip:probe@client.example.com;transport=tcp>');
    expect(request.contentType).toBe('text/plain');
    expect(request.topVia.transport).toBe('TCP');
  });

  it('splits list headers on commas but not inside quotes or angle brackets', () => {
    const request = parseRequest(
      wire([
        'INVITE sip:agent@192.0.2.1 SIP/2.0',
        'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1, SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK2',
        'Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK3',
        'Record-Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>',
        'From: "Smith, Bob" <sip:bob@example.com>;tag=9',
        'To: <sip:agent@192.0.2.1>',
        'Call-ID: lists@example.com',
        'CSeq: 1 INVITE',
        'Contact: "Desk, 2nd floor" <sip:bob@192.0.2.20?subject=a,b>',
        'Content-Length: 0',
      ]),
    );
    expect(request.vias.map((v) => v.branch)).toEqual(['z9hG4bK1', 'z9hG4bK2', 'z9hG4bK3']);
    expect(request.headers.getAll('Record-Route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(request.headers.getAll('Contact')).toEqual(['"Desk, 2nd floor" <sip:bob@192.0.2.20?subject=a,b>']);
    expect(request.from.displayName).toBe('Smith, Bob');
  });

  it('unfolds continuation lines (space or tab) into one value', () => {
    const request = parseRequest(
      wire([
        'INFO sip:agent@192.0.2.1 SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.10:5062',
        ' ;branch=z9hG4bKfold',
        'From: <sip:alice@example.com>;tag=1',
        'To: <sip:agent@192.0.2.1>;tag=2',
        'Subject: I know you\'re there,',
        '   pick up the phone',
        '\tand talk to me!',
        'Call-ID: fold@example.com',
        'CSeq: 2 INFO',
        'Content-Length: 0',
      ]),
    );
    expect(request.topVia.branch).toBe('z9hG4bKfold');
    expect(request.headers.get('Subject')).toBe("I know you're there, pick up the phone and talk to me!");
  });

  it('tolerates the whitespace RFC 4475 exercises: around colons, slashes and parameters', () => {
    const request = parseRequest(
      wire([
        'OPTIONS sip:agent@192.0.2.1 SIP/2.0',
        'Via  :  SIP  /  2.0  /  UDP   192.0.2.10 : 5062 ; branch = z9hG4bKlws ; rport',
        'From:Alice<sip:alice@example.com>  ;  tag = lws1',
        'To\t:\t<sip:agent@192.0.2.1>',
        'Call-ID   :   lws@example.com',
        'CSeq:    9    OPTIONS',
        'Max-Forwards: 70',
        'Content-Length:   0',
      ]),
    );
    expect(request.topVia).toMatchObject({ host: '192.0.2.10', port: 5062, branch: 'z9hG4bKlws', rport: true });
    expect(request.from).toMatchObject({ displayName: 'Alice', tag: 'lws1' });
    expect(request.cseq).toEqual({ seq: 9, method: 'OPTIONS' });
  });

  it('ignores CRLFs before the start line and stops the body at Content-Length', () => {
    const request = parseRequest(`\r\n\r\n${invite}trailing garbage after the body`);
    expect(request.bodyText).toBe(sdp);
  });

  it('takes the rest of the datagram as body when Content-Length is absent', () => {
    const text = invite.replace(/Content-Length: \d+\r\n/, '');
    expect(parseRequest(text).bodyText).toBe(sdp);
  });

  it('accepts bare LF line endings', () => {
    const head = invite.slice(0, invite.indexOf('\r\n\r\n')).replace(/\r\n/g, '\n');
    const request = parseRequest(`${head}\n\n${sdp}`);
    expect(request.callId).toBe('a84b4c76e66710@pc33.example.com');
    expect(request.bodyText).toBe(sdp);
  });

  it('keeps UTF-8 display names and escaped quotes', () => {
    const request = parseRequest(
      invite.replace('From: Alice <sip:alice@example.com>', 'From: "Zoë \\"Z\\" Müller" <sip:%7Ezoe@example.com>'),
    );
    expect(request.from.displayName).toBe('Zoë "Z" Müller');
    expect(parseSipUri(request.from.uri).user).toBe('%7Ezoe');
  });

  it('accepts tel: and other absolute URIs in From and the Request-URI', () => {
    const request = parseRequest(
      invite.replace('INVITE sip:agent@192.0.2.1:5060', 'INVITE tel:+15551234567').replace('<sip:alice@example.com>', '<tel:+15557654321>'),
    );
    expect(request.uri).toBe('tel:+15551234567');
    expect(request.from.uri).toBe('tel:+15557654321');
  });
});

describe('parseMessage: responses', () => {
  it('reads status, reason and headers', () => {
    const response = parseMessage(
      wire([
        'SIP/2.0 180 Ringing – bitte warten',
        'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK776asdhds;received=198.51.100.7;rport=40000',
        'From: <sip:alice@example.com>;tag=1928301774',
        'To: <sip:agent@192.0.2.1>;tag=a6c85cf',
        'Call-ID: a84b4c76e66710@pc33.example.com',
        'CSeq: 314159 INVITE',
        'Content-Length: 0',
      ]),
    ) as SipResponse;
    expect(response.kind).toBe('response');
    expect(response.status).toBe(180);
    expect(response.reason).toBe('Ringing – bitte warten');
    expect(response.topVia).toMatchObject({ received: '198.51.100.7', rport: 40000 });
    expect(response.to.tag).toBe('a6c85cf');
  });
});

describe('parseMessage: malformed input', () => {
  const base = invite;
  const cases: [string, string, string][] = [
    ['garbage start line', 'HELLO WORLD\r\n\r\n', 'bad start line'],
    ['no blank line after the headers', base.slice(0, base.indexOf('\r\n\r\n')), 'no blank line'],
    ['missing Call-ID', base.replace(/Call-ID: .*\r\n/, ''), 'missing Call-ID'],
    ['missing Via', base.replace(/Via: .*\r\n/, ''), 'missing Via'],
    ['bad Via', base.replace('SIP/2.0/UDP 192.0.2.10:5062', 'SIP/2.0/UDP'), 'bad Via'],
    ['two From headers', base.replace('Max-Forwards: 70', 'From: <sip:x@y>;tag=2'), 'duplicate From'],
    ['CSeq method differs from the request', base.replace('CSeq: 314159 INVITE', 'CSeq: 314159 BYE'), 'CSeq method'],
    ['CSeq beyond 2^31', base.replace('CSeq: 314159', 'CSeq: 4294967296'), 'CSeq'],
    ['unterminated quoted display name', base.replace('From: Alice', 'From: "Alice'), 'From'],
    ['unterminated angle bracket', base.replace('<sip:alice@example.com>', '<sip:alice@example.com'), 'From'],
    ['negative Content-Length', base.replace(/Content-Length: \d+/, 'Content-Length: -1'), 'Content-Length'],
    ['Content-Length beyond the datagram', base.replace(/Content-Length: \d+/, 'Content-Length: 9999'), 'shorter than Content-Length'],
    ['header line without a colon', base.replace('Max-Forwards: 70', 'Max-Forwards 70'), 'bad header line'],
    ['continuation before the first header', base.replace('\r\nVia:', '\r\n Via:'), 'continuation'],
    ['NUL in a header', base.replace('X-Customer-Id: 42', 'X-Customer-Id: 4\u00002'), 'control character'],
    ['bad Request-URI', base.replace('INVITE sip:agent@192.0.2.1:5060', 'INVITE sip:agent@@ SIP'), 'start line'],
    ['Max-Forwards out of range', base.replace('Max-Forwards: 70', 'Max-Forwards: 300'), 'Max-Forwards'],
    ['bad Content-Type', base.replace('Content-Type: application/sdp', 'Content-Type: sdp'), 'Content-Type'],
    ['port out of range', base.replace('192.0.2.10:5062;branch', '192.0.2.10:70000;branch'), 'port'],
    ['only CRLFs', '\r\n\r\n\r\n', 'empty'],
  ];
  it.each(cases)('rejects %s', (_name, text, reason) => {
    expect(parseError(text).reason).toContain(reason);
  });

  it('answers an unknown SIP version with 505 and keeps the partial request', () => {
    const error = parseError(base.replace('INVITE sip:agent@192.0.2.1:5060 SIP/2.0', 'INVITE sip:agent@192.0.2.1:5060 SIP/7.0'));
    expect(error.status).toBe(505);
    expect(error.partial?.kind).toBe('request');
  });

  it('keeps the partial message when only a semantic check failed, so a 400 is possible', () => {
    const error = parseError(base.replace('CSeq: 314159 INVITE', 'CSeq: 314159 BYE'));
    expect(error.status).toBe(400);
    expect(error.partial?.callId).toBe('a84b4c76e66710@pc33.example.com');
  });

  it('enforces the size and header-count limits', () => {
    expect(parseError(Buffer.alloc(70_000, 0x41)).reason).toContain('too large');
    const many = wire([base.split('\r\n')[0] ?? '', ...Array.from({ length: 200 }, (_, i) => `X-H${i}: ${i}`)]);
    expect(parseError(many).reason).toContain('too many headers');
  });
});

describe('grammar pieces', () => {
  it('parses name-addr and addr-spec forms', () => {
    expect(parseNameAddr('sip:bob@example.com;tag=abc')).toMatchObject({ uri: 'sip:bob@example.com', tag: 'abc' });
    const withUriParams = parseNameAddr('<sip:bob@example.com;transport=tcp>;tag=t;expires=60');
    expect(withUriParams.uri).toBe('sip:bob@example.com;transport=tcp');
    expect([...withUriParams.params]).toEqual([
      ['tag', 't'],
      ['expires', '60'],
    ]);
    expect(parseNameAddr('The Operator <sip:op@example.com>').displayName).toBe('The Operator');
    expect(() => parseNameAddr('sip:bob@example.com?subject=x')).toThrow(SipParseError);
    expect(() => parseNameAddr('"Bob" sip:bob@example.com')).toThrow(SipParseError);
  });

  it('parses Via with IPv6 sent-by, received and rport values', () => {
    expect(parseVia('SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bKv6;received=2001:db8::1;rport=6000')).toMatchObject({
      transport: 'TCP',
      host: '[2001:db8::9]',
      port: 5070,
      received: '2001:db8::1',
      rport: 6000,
    });
    expect(() => parseVia('SIP/2.0/UDP 192.0.2.1;received=not-an-ip')).toThrow(SipParseError);
    expect(() => parseVia('SIP/3.0/UDP 192.0.2.1')).toThrow(SipParseError);
  });

  it('parses SIP URIs with user parameters, passwords and escapes', () => {
    expect(parseSipUri('sip:+1555;phone-context=example.com@gw.example.com:5080;user=phone?x=y')).toMatchObject({
      user: '+1555;phone-context=example.com',
      host: 'gw.example.com',
      port: 5080,
      headers: 'x=y',
    });
    expect(parseSipUri('sips:alice:secret@[::1]').password).toBe('secret');
    expect(() => parseSipUri('sip:alice@exa mple.com')).toThrow(SipParseError);
    expect(() => parseSipUri('http://example.com')).toThrow(SipParseError);
  });
});

describe('SipHeaders', () => {
  it('keeps order, replaces in place and prepends before existing lines', () => {
    const headers = new SipHeaders([
      ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
      ['To', '<sip:x@y>'],
      ['Via', 'SIP/2.0/UDP b;branch=z9hG4bK2'],
    ]);
    headers.prepend('v', 'SIP/2.0/UDP c;branch=z9hG4bK0');
    headers.set('to', '<sip:z@y>');
    expect([...headers].map(([name, value]) => `${name}: ${value}`)).toEqual([
      'Via: SIP/2.0/UDP c;branch=z9hG4bK0',
      'Via: SIP/2.0/UDP a;branch=z9hG4bK1',
      'To: <sip:z@y>',
      'Via: SIP/2.0/UDP b;branch=z9hG4bK2',
    ]);
    headers.delete('VIA');
    expect(headers.has('via')).toBe(false);
    expect(headers.size).toBe(1);
  });

  it('refuses header injection from applications', () => {
    const headers = new SipHeaders();
    expect(() => headers.append('X-Evil', 'a\r\nBYE sip:x SIP/2.0')).toThrow(TypeError);
    expect(() => headers.append('Bad Name', 'x')).toThrow(TypeError);
  });
});
