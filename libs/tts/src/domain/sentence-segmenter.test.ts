import { describe, expect, it } from 'vitest';
import { SentenceSegmenter } from './sentence-segmenter';

/** Everything the segmenter says for a text pushed at once and then flushed. */
function split(text: string, maxSentenceChars?: number): string[] {
  const s = new SentenceSegmenter({ maxSentenceChars });
  const out = s.push(text);
  const rest = s.flush();
  return rest === undefined ? out : [...out, rest];
}

/** Rough LLM tokens: words with their leading space, numbers split at punctuation ("$", "45", ".", "50"). */
function tokens(text: string): string[] {
  return text.match(/\s*[A-Za-z']+|\s*\d+|\s*[^\sA-Za-z\d]/g) ?? [];
}

describe('SentenceSegmenter', () => {
  it('hands out a sentence once the space after its full stop arrives, and keeps an undecided ending for flush', () => {
    const s = new SentenceSegmenter();
    expect(s.push('Hello there. How are you? Great!')).toEqual(['Hello there.', 'How are you?']);
    expect(s.pendingLength).toBe('Great!'.length);
    expect(s.flush()).toBe('Great!');
    expect(s.flush()).toBeUndefined();
  });

  it('does not end sentences at title abbreviations, initials, e.g. or "No. 5"', () => {
    expect(split('Dr. Smith and Mrs. J. Jones will call, e.g. tomorrow. Ask for room No. 5 please. No. That is all.')).toEqual([
      'Dr. Smith and Mrs. J. Jones will call, e.g. tomorrow.',
      'Ask for room No. 5 please.',
      'No.',
      'That is all.',
    ]);
  });

  it('decides a.m., etc. and acronyms by the next word', () => {
    expect(split('We open at 9 a.m. on Monday. We close at 5 p.m. Tomorrow we are shut.')).toEqual([
      'We open at 9 a.m. on Monday.',
      'We close at 5 p.m.',
      'Tomorrow we are shut.',
    ]);
    expect(split('Cuts, colours etc. are listed. We ship in the U.S. Orders take two days.')).toEqual([
      'Cuts, colours etc. are listed.',
      'We ship in the U.S.',
      'Orders take two days.',
    ]);
  });

  it('keeps decimals, prices, times and web addresses inside their sentence', () => {
    expect(split('A cut is $45.50 with tax. The rate is 3.5 percent. Come at 9:30. Visit example.com today.')).toEqual([
      'A cut is $45.50 with tax.',
      'The rate is 3.5 percent.',
      'Come at 9:30.',
      'Visit example.com today.',
    ]);
  });

  it('handles closing quotes, list markers and line breaks', () => {
    expect(split('He said "yes." Then he left.')).toEqual(['He said "yes."', 'Then he left.']);
    expect(split('1. Wash your hair. 2. Come in.')).toEqual(['1. Wash your hair.', '2. Come in.']);
    expect(split('Our hours:\n- Monday to Friday 9 to 5\n- Saturday 10 to 4')).toEqual(['Our hours:', '- Monday to Friday 9 to 5', '- Saturday 10 to 4']);
  });

  it('drops fragments with nothing to say', () => {
    expect(split('... !! ')).toEqual([]);
    expect(split('Okay. ... Fine.')).toEqual(['Okay.', 'Fine.']);
  });

  it('gives the same sentences token by token, each as soon as the next token shows it is complete', () => {
    const text = 'Sure, Dr. Lee can see you at 9:30 a.m. on Tuesday. The consultation is $45.50, paid on arrival. Shall I book it? Great.';
    const s = new SentenceSegmenter();
    const emitted: { sentence: string; afterToken: string }[] = [];
    for (const token of tokens(text)) for (const sentence of s.push(token)) emitted.push({ sentence, afterToken: token });
    expect(emitted).toEqual([
      { sentence: 'Sure, Dr. Lee can see you at 9:30 a.m. on Tuesday.', afterToken: ' The' },
      { sentence: 'The consultation is $45.50, paid on arrival.', afterToken: ' Shall' },
      { sentence: 'Shall I book it?', afterToken: ' Great' },
    ]);
    expect(s.flush()).toBe('Great.');
    expect(split(text)).toEqual([...emitted.map((e) => e.sentence), 'Great.']);
  });

  it('waits on "$45." until it knows whether cents follow', () => {
    const s = new SentenceSegmenter();
    expect(s.push('That is $45.')).toEqual([]);
    expect(s.push('50 in total. ')).toEqual(['That is $45.50 in total.']);
    expect(s.push('Or $45.')).toEqual([]);
    expect(s.push(' Okay')).toEqual(['Or $45.']);
  });

  it('cuts text without sentence ends at a clause break so the first audio is not held back', () => {
    const clause = 'we have openings on Monday morning and Tuesday afternoon, ';
    const s = new SentenceSegmenter({ maxSentenceChars: 100 });
    const out = s.push(clause.repeat(4));
    expect(out.length).toBeGreaterThanOrEqual(2);
    for (const sentence of out) {
      expect(sentence.length).toBeLessThanOrEqual(100);
      expect(sentence.endsWith(',')).toBe(true);
    }
    expect(split('word '.repeat(60), 50).every((x) => x.length <= 50 && !x.includes('wor d'))).toBe(true);
  });

  it('forgets everything on reset (barge-in)', () => {
    const s = new SentenceSegmenter();
    s.push('Half a sent');
    s.reset();
    expect(s.pendingLength).toBe(0);
    expect(s.push('New one. ')).toEqual(['New one.']);
  });
});
