import { describe, expect, it } from 'vitest';
import { classifyUtterance } from './backchannel';

describe('classifyUtterance', () => {
  it.each(['uh-huh', 'Uh huh.', 'mm-hmm', 'mhm', 'hmmm', 'yeah', 'yeah yeah', 'okay', 'OK.', 'right', 'uh', 'um', 'aha', 'oh okay', 'i see', 'got it', 'yep, right'])(
    '"%s" is a backchannel',
    (text) => expect(classifyUtterance(text)).toBe('backchannel'),
  );

  it.each(['no', 'stop', 'wait', 'yeah but what about sunday', 'okay so can i book for monday', 'i need a person', 'right now please', 'sorry'])(
    '"%s" is speech',
    (text) => expect(classifyUtterance(text)).toBe('speech'),
  );

  it('finds nothing in an empty transcript', () => {
    expect(classifyUtterance('')).toBe('empty');
    expect(classifyUtterance('  ... ')).toBe('empty');
  });

  it('waits on a partial that may still become a backchannel', () => {
    expect(classifyUtterance('got', { partial: true })).toBe('backchannel');
    expect(classifyUtterance('yeah i', { partial: true })).toBe('backchannel');
    expect(classifyUtterance('ye', { partial: true })).toBe('backchannel');
    // Settled, the same words are speech.
    expect(classifyUtterance('got')).toBe('speech');
    expect(classifyUtterance('yeah i')).toBe('speech');
    // Words that start no backchannel are speech at once.
    expect(classifyUtterance('yeah but', { partial: true })).toBe('speech');
    expect(classifyUtterance('no', { partial: true })).toBe('speech');
  });
});
