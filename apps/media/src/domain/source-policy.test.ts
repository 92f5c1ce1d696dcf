import { describe, expect, it } from 'vitest';
import { SourcePolicy, SourcePolicyError } from './source-policy';

describe('SourcePolicy', () => {
  it('accepts sources inside the allowlist (IPv4, IPv6, mapped IPv4) and forbids the rest with a reason', () => {
    const policy = new SourcePolicy({ allowed: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'], ratePerSecond: 100 });
    expect(policy.decide('10.1.2.3', 0).kind).toBe('accept');
    expect(policy.decide('::ffff:10.9.9.9', 0).kind).toBe('accept');
    expect(policy.decide('2001:db8::1', 0).kind).toBe('accept');
    expect(policy.decide('192.0.2.7', 0).kind).toBe('accept');
    expect(policy.decide('192.0.2.8', 0)).toEqual({ kind: 'forbid', reason: 'source 192.0.2.8 is not in SIP_ALLOWED_SOURCES' });
    expect(policy.decide('not-an-ip', 0).kind).toBe('forbid');
  });

  it('allows everyone with an empty list, and refuses a malformed range at construction', () => {
    expect(new SourcePolicy({ allowed: [], ratePerSecond: 10 }).decide('203.0.113.5', 0).kind).toBe('accept');
    expect(() => new SourcePolicy({ allowed: ['10.0.0.0/33'], ratePerSecond: 10 })).toThrow(SourcePolicyError);
    expect(() => new SourcePolicy({ allowed: ['example.com'], ratePerSecond: 10 })).toThrow(/"example.com" is not an IP address/);
  });

  it('limits each source to its rate with a burst, independently of other sources, and refills over time', () => {
    const policy = new SourcePolicy({ allowed: [], ratePerSecond: 10, burst: 5 });
    const verdicts = Array.from({ length: 8 }, () => policy.decide('198.51.100.1', 1000).kind);
    expect(verdicts).toEqual(['accept', 'accept', 'accept', 'accept', 'accept', 'drop', 'drop', 'drop']);
    expect(policy.decide('198.51.100.2', 1000).kind).toBe('accept');
    expect(policy.decide('198.51.100.1', 1100).kind).toBe('accept');
    expect(policy.decide('198.51.100.1', 1100).kind).toBe('drop');
  });

  it('tells a listed source from one let in by an empty list', () => {
    expect(new SourcePolicy({ allowed: ['10.0.0.0/8'], ratePerSecond: 10 }).isListed('10.1.2.3')).toBe(true);
    expect(new SourcePolicy({ allowed: ['10.0.0.0/8'], ratePerSecond: 10 }).isListed('192.0.2.1')).toBe(false);
    expect(new SourcePolicy({ allowed: [], ratePerSecond: 10 }).isListed('10.1.2.3')).toBe(false);
    expect(new SourcePolicy({ allowed: SourcePolicy.LOOPBACK, ratePerSecond: 10 }).isListed('127.0.0.1')).toBe(true);
  });

  it('forgets idle sources so a scan from many addresses does not grow memory', () => {
    const policy = new SourcePolicy({ allowed: [], ratePerSecond: 10, idleMs: 1000 });
    for (let i = 0; i < 200; i++) policy.decide(`203.0.113.${i}`, 0);
    expect(policy.trackedSources()).toBe(200);
    policy.decide('203.0.113.1', 5000);
    expect(policy.trackedSources()).toBe(1);
  });
});
