import { describe, expect, it } from 'vitest';
import { SdpNegotiationError, createOffer, negotiateAnswer, parseAnswer, type NegotiatedAudio } from './sdp';

const LOCAL = { localAddress: '192.0.2.1', localPort: 40000 };

function offer(lines: { media?: string; extra?: string[]; connection?: string; session?: string[] } = {}): string {
  return [
    'v=0',
    'o=caller 2890844526 2890844526 IN IP4 198.51.100.7',
    's=call',
    ...(lines.session ?? []),
    `c=${lines.connection ?? 'IN IP4 198.51.100.7'}`,
    't=0 0',
    lines.media ?? 'm=audio 49170 RTP/AVP 8 0 96',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:96 telephone-event/8000',
    'a=fmtp:96 0-15',
    ...(lines.extra ?? []),
    '',
  ].join('\r\n');
}

const mLines = (sdp: string): string[] => sdp.split('\r\n').filter((l) => l.startsWith('m='));

describe('negotiateAnswer', () => {
  it("picks the offerer's first acceptable codec and keeps its telephone-event payload type", () => {
    const result = negotiateAnswer(offer(), LOCAL);
    expect(result.codec).toEqual({ name: 'PCMA', payloadType: 8, clockRate: 8000 });
    expect(result.telephoneEventPayloadType).toBe(96);
    expect(result.remote).toEqual({ address: '198.51.100.7', port: 49170 });
    expect(result.direction).toBe('sendrecv');
    expect(result.hold).toBe(false);
    expect(mLines(result.sdp)).toEqual(['m=audio 40000 RTP/AVP 8 96']);
    expect(result.sdp).toContain('a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\n');
    expect(result.sdp).toContain('a=ptime:20\r\n');
    expect(result.sdp).toContain('c=IN IP4 192.0.2.1\r\n');
  });

  it('respects our codec list within the offer order', () => {
    expect(negotiateAnswer(offer(), { ...LOCAL, codecs: ['PCMU'] }).codec.name).toBe('PCMU');
  });

  it('understands static payload types without rtpmap and omits telephone-event when not offered', () => {
    const sdp = ['v=0', 'o=- 1 1 IN IP4 198.51.100.7', 's=-', 'c=IN IP4 198.51.100.7', 't=0 0', 'm=audio 5004 RTP/AVP 18 0', ''].join('\r\n');
    const result = negotiateAnswer(sdp, LOCAL);
    expect(result.codec).toEqual({ name: 'PCMU', payloadType: 0, clockRate: 8000 });
    expect(result.telephoneEventPayloadType).toBeUndefined();
    expect(mLines(result.sdp)).toEqual(['m=audio 40000 RTP/AVP 0']);
  });

  it('rejects other streams with port 0 and keeps one m= line per offered one', () => {
    const sdp = offer({ media: 'm=video 51372 RTP/AVP 31', extra: ['m=audio 49170 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000'] });
    const result = negotiateAnswer(sdp, LOCAL);
    expect(mLines(result.sdp)).toEqual(['m=video 0 RTP/AVP 31', 'm=audio 40000 RTP/AVP 0']);
  });

  it.each([
    ['sendonly', 'recvonly', true],
    ['recvonly', 'sendonly', false],
    ['inactive', 'inactive', true],
    ['sendrecv', 'sendrecv', false],
  ] as const)('answers a=%s with a=%s (hold: %s)', (offered, answered, hold) => {
    const result = negotiateAnswer(offer({ extra: [`a=${offered}`] }), LOCAL);
    expect(result.direction).toBe(answered);
    expect(result.hold).toBe(hold);
    expect(result.sdp).toContain(`a=${answered}\r\n`);
  });

  it('treats c=0.0.0.0 (RFC 2543 style) as hold and honours a session-level direction', () => {
    expect(negotiateAnswer(offer({ connection: 'IN IP4 0.0.0.0' }), LOCAL).hold).toBe(true);
    expect(negotiateAnswer(offer({ session: ['a=sendonly'] }), LOCAL).direction).toBe('recvonly');
  });

  it('prefers a media-level c= over the session-level one', () => {
    const result = negotiateAnswer(offer({ extra: ['c=IN IP4 203.0.113.5'] }), LOCAL);
    expect(result.remote.address).toBe('203.0.113.5');
  });

  it('keeps the session id and bumps the version only when the answer changes', () => {
    const first = negotiateAnswer(offer(), LOCAL);
    const refresh = negotiateAnswer(offer(), { ...LOCAL, previous: first });
    expect(refresh.origin).toEqual(first.origin);
    expect(refresh.sdp).toBe(first.sdp);
    const hold = negotiateAnswer(offer({ extra: ['a=sendonly'] }), { ...LOCAL, previous: refresh });
    expect(hold.origin).toEqual({ sessionId: first.origin.sessionId, sessionVersion: first.origin.sessionVersion + 1 });
    expect(hold.sdp).toMatch(new RegExp(`^o=- ${first.origin.sessionId} ${first.origin.sessionVersion + 1} IN IP4`, 'm'));
  });

  it.each([
    ['no G.711', offer({ media: 'm=audio 49170 RTP/AVP 9', extra: ['a=rtpmap:9 G722/8000'] }).replace(/a=rtpmap:[08] .*\r\n/g, '')],
    ['G.711 at 16 kHz only', offer({ media: 'm=audio 49170 RTP/AVP 97', extra: ['a=rtpmap:97 PCMU/16000'] })],
    ['SRTP only', offer({ media: 'm=audio 49170 RTP/SAVP 0' })],
    ['no audio', offer({ media: 'm=video 49170 RTP/AVP 0' })],
    ['a rejected audio stream', offer({ media: 'm=audio 0 RTP/AVP 0' })],
    ['no c= line', offer().replace(/c=.*\r\n/, '')],
    ['garbage', 'hello world'],
    ['no o= line', offer().replace(/o=.*\r\n/, '')],
  ])('throws SdpNegotiationError (488) for %s', (_name, sdp) => {
    let error: unknown;
    try {
      negotiateAnswer(sdp, LOCAL);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SdpNegotiationError);
    expect((error as SdpNegotiationError).status).toBe(488);
  });
});

describe('createOffer and parseAnswer', () => {
  it('offers PCMU, PCMA and telephone-event 101 at ptime 20 and reads the answer back', () => {
    const ours = createOffer({ ...LOCAL, direction: 'sendonly' });
    expect(mLines(ours.sdp)).toEqual(['m=audio 40000 RTP/AVP 0 8 101']);
    expect(ours.sdp).toContain('a=fmtp:101 0-16\r\na=ptime:20\r\na=sendonly\r\n');
    const answer: NegotiatedAudio = negotiateAnswer(ours.sdp, { localAddress: '198.51.100.7', localPort: 50000 });
    expect(answer.hold).toBe(true);
    const parsed = parseAnswer(answer.sdp);
    expect(parsed.codec).toEqual({ name: 'PCMU', payloadType: 0, clockRate: 8000 });
    expect(parsed.telephoneEventPayloadType).toBe(101);
    expect(parsed.remote).toEqual({ address: '198.51.100.7', port: 50000 });
    // The answer says recvonly, so from our side the stream is send-only.
    expect(parsed.direction).toBe('sendonly');
    expect(parsed.origin).toEqual(answer.origin);
  });

  it('versions re-offers against the previous one', () => {
    const first = createOffer(LOCAL);
    const again = createOffer({ ...LOCAL, previous: first });
    expect(again.origin).toEqual(first.origin);
    const moved = createOffer({ ...LOCAL, localPort: 40002, previous: first });
    expect(moved.origin.sessionVersion).toBe(first.origin.sessionVersion + 1);
  });

  it('refuses an answer that rejected the audio stream', () => {
    expect(() => parseAnswer(offer({ media: 'm=audio 0 RTP/AVP 0' }))).toThrow(SdpNegotiationError);
  });
});
