import { describe, expect, it } from 'vitest';
import { soundsUnfinished } from './turn-completion';

describe('soundsUnfinished', () => {
  it.each([
    "i'd like to book a",
    'what time do you open on',
    'can i book a cleaning for saturday and',
    'um',
    'so i was wondering if',
    "yes i'd",
    'I would like to talk to the',
    'my number is five five five UH',
  ])('"%s" leaves the sentence hanging', (text) => {
    expect(soundsUnfinished(text)).toBe(true);
  });

  it.each([
    'what time do you open on saturday',
    'yes please book it',
    'i can',
    "i'll take that",
    'what is this',
    'i think so',
    'thank you goodbye',
    'do you take insurance?',
    '',
    '   ',
  ])('"%s" may be a whole turn', (text) => {
    expect(soundsUnfinished(text)).toBe(false);
  });

  it('reads curly apostrophes as straight ones', () => {
    expect(soundsUnfinished('so I’m')).toBe(true);
  });
});
