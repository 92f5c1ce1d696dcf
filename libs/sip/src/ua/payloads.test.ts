import { describe, expect, it } from 'vitest';
import { formatDtmfRelay, parseDtmfRelay } from './dtmf';
import { formatSipfrag, parseSipfrag } from './refer';

describe('application/dtmf-relay', () => {
  it('round-trips digits and tolerates case, spacing and LF endings', () => {
    expect(formatDtmfRelay('5', 160)).toBe('Signal=5\r\nDuration=160\r\n');
    expect(parseDtmfRelay('Signal=5\r\nDuration=160\r\n')).toEqual({ signal: '5', durationMs: 160 });
    expect(parseDtmfRelay('signal= #\nduration =250')).toEqual({ signal: '#', durationMs: 250 });
    expect(parseDtmfRelay('Signal=a')).toEqual({ signal: 'A' });
    expect(parseDtmfRelay('Signal=55\r\n')).toBeUndefined();
    expect(() => formatDtmfRelay('x', 160)).toThrow(RangeError);
  });
});

describe('message/sipfrag', () => {
  it('reads and writes the status line', () => {
    expect(formatSipfrag(200)).toBe('SIP/2.0 200 OK\r\n');
    expect(parseSipfrag('SIP/2.0 180 Ringing\r\n')).toEqual({ status: 180, reason: 'Ringing' });
    expect(parseSipfrag('SIP/2.0 603 Declined\r\nContent-Length: 0\r\n')).toEqual({ status: 603, reason: 'Declined' });
    expect(parseSipfrag('garbage')).toBeUndefined();
  });
});
