import { describe, expect, it } from 'vitest';
import { BargeInGuard, type Overlap } from './barge-in-guard';

const guard = new BargeInGuard({ minSpeechMs: 150, echoMarginDb: 25 });
const overlap = (o: Partial<Overlap>): Overlap => ({ speechMs: 600, text: '', callerPeakDbfs: -18, agentPeakDbfs: -12, ...o });

describe('BargeInGuard while the caller speaks over the agent', () => {
  it('interrupts for sustained speech with real words', () => {
    expect(guard.whileSpeaking(overlap({ text: 'wait i need' }))).toBe('barge-in');
  });

  it('waits for words: sound alone may be noise or a cough', () => {
    expect(guard.whileSpeaking(overlap({ text: '' }))).toBe('wait');
  });

  it('waits until the speech has lasted TURN_MIN_SPEECH_MS', () => {
    expect(guard.whileSpeaking(overlap({ text: 'stop', speechMs: 100 }))).toBe('wait');
    expect(guard.whileSpeaking(overlap({ text: 'stop', speechMs: 150 }))).toBe('barge-in');
  });

  it('lets backchannels through without interrupting', () => {
    for (const text of ['uh huh', 'yeah', 'okay', 'mm hmm', 'got']) expect(guard.whileSpeaking(overlap({ text }))).toBe('wait');
  });

  it('takes audio far below the agent for its echo', () => {
    expect(guard.whileSpeaking(overlap({ text: 'what time do you open', callerPeakDbfs: -45, agentPeakDbfs: -12 }))).toBe('echo');
    // A soft caller is still a caller.
    expect(guard.whileSpeaking(overlap({ text: 'what time do you open', callerPeakDbfs: -30, agentPeakDbfs: -12 }))).toBe('barge-in');
  });
});

describe('BargeInGuard once the utterance is over', () => {
  it('makes a turn of real words', () => {
    expect(guard.atEnd(overlap({ text: 'stop' }))).toBe('barge-in');
  });

  it('ignores backchannels, echo and wordless sound', () => {
    expect(guard.atEnd(overlap({ text: 'uh huh' }))).toBe('backchannel');
    expect(guard.atEnd(overlap({ text: 'book it', callerPeakDbfs: -50 }))).toBe('echo');
    expect(guard.atEnd(overlap({ text: '' }))).toBe('no-words');
    expect(guard.atEnd(overlap({ text: 'the', speechMs: 60 }))).toBe('no-words');
  });

  it('judges a settled "got" as speech, unlike the same partial', () => {
    expect(guard.atEnd(overlap({ text: 'got' }))).toBe('barge-in');
  });
});
