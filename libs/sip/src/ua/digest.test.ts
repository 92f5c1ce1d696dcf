import { afterEach, describe, expect, it, vi } from 'vitest';
import { SipHeaders } from '../message/headers';
import { SipRequest } from '../message/message';
import { DigestAuthenticator, authorizationFor, digestResponse, parseDigestParams } from './digest';

function invite(authorization?: string): SipRequest {
  const headers = new SipHeaders().append('CSeq', '2 INVITE');
  if (authorization) headers.append('Authorization', authorization);
  return new SipRequest('INVITE', 'sip:agent@192.0.2.1', headers);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('digest authentication', () => {
  it('computes the RFC 2617 §3.5 example response', () => {
    expect(
      digestResponse({
        username: 'Mufasa',
        password: 'Circle Of Life',
        realm: 'testrealm@host.com',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('parses challenge parameters with quoted commas', () => {
    const params = parseDigestParams('Digest realm="a, b", nonce="n", qop="auth,auth-int", algorithm=MD5');
    expect(params.get('realm')).toBe('a, b');
    expect(params.get('qop')).toBe('auth,auth-int');
  });

  it('accepts the right password and refuses a wrong one, an unknown user or a forged nonce', async () => {
    const authenticator = new DigestAuthenticator({ realm: 'agent', credentials: (user) => (user === 'bob' ? 'pa55' : undefined) });
    const challenge = authenticator.challenge();
    expect(challenge).toMatch(/^Digest realm="agent", nonce="[^"]+", opaque="[^"]+", algorithm=MD5, qop="auth"$/);
    const answer = (username: string, password: string) => authorizationFor(challenge, invite(), { username, password });
    expect(await authenticator.verify(invite())).toBe('missing');
    expect(await authenticator.verify(invite(answer('bob', 'pa55')))).toBe('ok');
    expect(await authenticator.verify(invite(answer('bob', 'wrong')))).toBe('invalid');
    expect(await authenticator.verify(invite(answer('eve', 'pa55')))).toBe('invalid');
    const forged = answer('bob', 'pa55').replace(/nonce="([^"]+)"/, 'nonce="ffff.forged"');
    expect(await authenticator.verify(invite(forged))).toBe('invalid');
    const otherRealm = new DigestAuthenticator({ realm: 'agent', credentials: () => 'pa55' });
    expect(await otherRealm.verify(invite(answer('bob', 'pa55')))).toBe('invalid');
  });

  it('reports an expired nonce as stale so the client retries without asking the user', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const authenticator = new DigestAuthenticator({ realm: 'agent', credentials: () => 'pa55', nonceTtlMs: 1000 });
    const authorization = authorizationFor(authenticator.challenge(), invite(), { username: 'bob', password: 'pa55' });
    vi.setSystemTime(1_000_500);
    expect(await authenticator.verify(invite(authorization))).toBe('ok');
    vi.setSystemTime(1_002_000);
    expect(await authenticator.verify(invite(authorization))).toBe('stale');
    expect(authenticator.challenge(true)).toContain('stale=true');
  });
});
