import { describe, expect, it } from 'vitest';
import { normalizeForSpeech as say } from './normalize';

describe('normalizeForSpeech', () => {
  it('speaks prices in dollars and cents', () => {
    expect(say('A cut is $45.')).toBe('A cut is 45 dollars.');
    expect(say('It is $45.50 with tax.')).toBe('It is 45 dollars and 50 cents with tax.');
    expect(say('Only $0.99, or $1, or $1,200.')).toBe('Only 99 cents, or 1 dollar, or 1200 dollars.');
    expect(say('Revenue was $1.5 million')).toBe('Revenue was 1.5 million dollars');
    expect(say('That is £20 or €7.25.')).toBe('That is 20 pounds or 7 euros and 25 cents.');
  });

  it('speaks clock times', () => {
    expect(say('We open at 9:30 am on Monday.')).toBe('We open at nine thirty a m on Monday.');
    expect(say('Come at 9:05 a.m.')).toBe('Come at nine oh five a m.');
    expect(say('Closing at 5pm or 12:00 PM.')).toBe('Closing at five p m or twelve p m.');
    expect(say('The train is at 14:45, not 9:00.')).toBe('The train is at fourteen forty five, not nine o\'clock.');
    expect(say('Open 9am-5:30pm.')).toBe('Open nine a m to five thirty p m.');
  });

  it('leaves things that only look like times alone', () => {
    expect(say('A 16:9 screen, score 3:75, and 45 people.')).toBe('A 16:9 screen, score 3:75, and 45 people.');
    expect(say('I am here at 10 am sharp, 13 pm is not a time.')).toBe('I am here at ten a m sharp, 13 pm is not a time.');
  });

  it('reads phone numbers digit by digit, in their groups', () => {
    expect(say('Call 555-123-4567.')).toBe('Call five five five, one two three, four five six seven.');
    expect(say('Call (555) 123-4567 now')).toBe('Call five five five, one two three, four five six seven now');
    expect(say('Toll free 1-800-555-0199.')).toBe('Toll free one, eight zero zero, five five five, zero one nine nine.');
    expect(say('Text +15551234567 or 555-0100.')).toBe('Text plus one, five five five, one two three, four five six seven or five five five, zero one zero zero.');
  });

  it('expands common abbreviations and symbols', () => {
    expect(say('Dr. Smith is on Main St. near St. Louis Ave.')).toBe('Doctor Smith is on Main Street near Saint Louis Avenue.');
    expect(say('Mr. and Mrs. Lee booked appt #12, i.e. room No. 4.')).toBe('Mister and Missus Lee booked appointment number 12, that is room number 4.');
    expect(say('Save 20% on cuts & colours, etc.')).toBe('Save 20 percent on cuts and colours, et cetera.');
  });

  it('removes markdown an LLM may produce', () => {
    expect(say('**Hours:** see [our page](https://example.com) for `details`.')).toBe('Hours: see our page for details.');
    expect(say('- Monday\n# Title')).toBe('Monday Title');
  });

  it('leaves plain prose and plain numbers as they are', () => {
    const plain = 'We have 3 stylists and 2,000 happy customers since 1998.';
    expect(say(plain)).toBe('We have 3 stylists and 2000 happy customers since 1998.');
    expect(say('Thanks for calling!')).toBe('Thanks for calling!');
  });
});
