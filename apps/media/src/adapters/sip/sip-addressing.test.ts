import { describe, expect, it } from 'vitest';
import { SipHeaders } from '@voiceagent/sip';
import { TransferTargetError, forwardedHeaders, partyOf, referTarget } from './sip-addressing';

describe('SIP addressing', () => {
  it('takes the caller number from name-addr, tel: and bare URIs', () => {
    expect(partyOf('"Ann Smith" <sip:+15551234567@pbx.example.com;user=phone>;tag=abc')).toBe('+15551234567');
    expect(partyOf('<tel:+15550001111;phone-context=example.com>')).toBe('+15550001111');
    expect(partyOf('sip:alice%40home@example.com')).toBe('alice@home');
    expect(partyOf('<sip:example.com>')).toBe('sip:example.com');
    expect(partyOf(undefined)).toBe('anonymous');
  });

  it('forwards Connect and SBC context headers only, bounded in size', () => {
    const headers = new SipHeaders([
      ['User-to-User', '00fa08;encoding=hex'],
      ['X-Contact-Id', 'c-1'],
      ['X-Contact-Id', 'c-2'],
      ['Authorization', 'Digest secret'],
      ['Via', 'SIP/2.0/UDP 1.2.3.4'],
      ['X-Big', 'x'.repeat(5000)],
    ]);
    expect(forwardedHeaders(headers, 'abc@host', { trusted: true })).toEqual({ 'call-id': 'abc@host', 'user-to-user': '00fa08;encoding=hex', 'x-contact-id': 'c-1, c-2' });
  });

  it('keeps the routing header only from a trusted source', () => {
    const headers = new SipHeaders([['X-Voiceagent-Route', 'human'], ['X-Contact-Id', 'c-1']]);
    expect(forwardedHeaders(headers, 'a@h', { trusted: true })).toEqual({ 'call-id': 'a@h', 'x-voiceagent-route': 'human', 'x-contact-id': 'c-1' });
    expect(forwardedHeaders(headers, 'a@h', { trusted: false })).toEqual({ 'call-id': 'a@h', 'x-contact-id': 'c-1' });
  });

  it('turns knowledge-file transfer targets into Refer-To URIs', () => {
    expect(referTarget('sip:frontdesk@pbx.example.com', '10.0.0.1')).toBe('sip:frontdesk@pbx.example.com');
    expect(referTarget('+1 (555) 010-2000', '203.0.113.9')).toBe('sip:+15550102000@203.0.113.9;user=phone');
    expect(referTarget('tel:+15550102000', '2001:db8::1')).toBe('sip:+15550102000@[2001:db8::1];user=phone');
    expect(() => referTarget('arn:aws:connect:us-east-1:1:instance/x/queue/y', 'h')).toThrow(TransferTargetError);
    expect(() => referTarget('sip:', 'h')).toThrow();
  });
});
