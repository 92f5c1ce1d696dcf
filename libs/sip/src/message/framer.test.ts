import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors';
import { SipStreamFramer, type FramedItem } from './framer';
import { parseMessage } from './parser';

const message = (callId: string, body = ''): string =>
  [
    'INFO sip:agent@192.0.2.1 SIP/2.0',
    'Via: SIP/2.0/TCP 192.0.2.10:5062;branch=z9hG4bK' + callId,
    'From: <sip:a@example.com>;tag=1',
    'To: <sip:agent@192.0.2.1>;tag=2',
    `Call-ID: ${callId}`,
    'CSeq: 1 INFO',
    'Content-Type: application/dtmf-relay',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');

const callIds = (items: FramedItem[]): string[] =>
  items.flatMap((item) => (item.type === 'message' ? [parseMessage(item.bytes).callId] : ['<ping>']));

describe('SipStreamFramer', () => {
  it('splits several messages that arrive in one chunk', () => {
    const framer = new SipStreamFramer();
    const items = framer.push(Buffer.from(message('one', 'Signal=1\r\n') + message('two') + message('three', 'Signal=3\r\n')));
    expect(callIds(items)).toEqual(['one', 'two', 'three']);
    expect(framer.buffered).toBe(0);
  });

  it('reassembles a message delivered byte by byte, body included', () => {
    const framer = new SipStreamFramer();
    const bytes = Buffer.from(message('slow', 'Signal=5\r\nDuration=160\r\n'));
    const items: FramedItem[] = [];
    for (const byte of bytes) items.push(...framer.push(Buffer.from([byte])));
    expect(callIds(items)).toEqual(['slow']);
    const [item] = items;
    expect(item?.type === 'message' && parseMessage(item.bytes).bodyText).toBe('Signal=5\r\nDuration=160\r\n');
  });

  it('handles a chunk boundary inside the body and the next message in the same chunk', () => {
    const framer = new SipStreamFramer();
    const text = message('a', 'x'.repeat(100)) + message('b', 'y'.repeat(10));
    const cut = text.indexOf('x'.repeat(50));
    expect(callIds(framer.push(Buffer.from(text.slice(0, cut))))).toEqual([]);
    expect(callIds(framer.push(Buffer.from(text.slice(cut))))).toEqual(['a', 'b']);
  });

  it('reports CRLFCRLF keepalives and skips stray CRLFs between messages', () => {
    const framer = new SipStreamFramer();
    expect(callIds(framer.push(Buffer.from('\r\n\r\n')))).toEqual(['<ping>']);
    expect(callIds(framer.push(Buffer.from('\r\n')))).toEqual([]);
    expect(callIds(framer.push(Buffer.from(`\r\n${message('after-ping')}\r\n${message('after-pong')}`)))).toEqual([
      '<ping>',
      'after-ping',
      'after-pong',
    ]);
  });

  it('treats a missing Content-Length as an empty body', () => {
    const framer = new SipStreamFramer();
    const text = message('nolength').replace(/Content-Length: 0\r\n/, '');
    expect(callIds(framer.push(Buffer.from(text + message('next'))))).toEqual(['nolength', 'next']);
  });

  it('bounds the buffer: endless headers or a huge Content-Length are framing errors', () => {
    const endless = new SipStreamFramer({ maxMessageBytes: 1024, maxHeaders: 50 });
    expect(() => {
      for (let i = 0; i < 100; i++) endless.push(Buffer.from(`X-Filler-${i}: ${'z'.repeat(20)}\r\n`));
    }).toThrow(SipParseError);
    const huge = new SipStreamFramer({ maxMessageBytes: 1024, maxHeaders: 50 });
    expect(() => huge.push(Buffer.from(message('huge').replace('Content-Length: 0', 'Content-Length: 5000')))).toThrow(
      SipParseError,
    );
    const bad = new SipStreamFramer();
    expect(() => bad.push(Buffer.from(message('bad').replace('Content-Length: 0', 'Content-Length: ten')))).toThrow(SipParseError);
  });
});
