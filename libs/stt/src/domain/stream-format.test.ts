import { describe, expect, it } from 'vitest';
import { checkStreamFormat } from './stream-format';

describe('checkStreamFormat', () => {
  const deepgram = { engine: 'Deepgram', maxChannels: 8 };

  it('passes a phone call rate and channel count through, mono by default', () => {
    expect(checkStreamFormat({ sampleRateHz: 8000 }, deepgram)).toEqual({ sampleRateHz: 8000, channels: 1 });
    expect(checkStreamFormat({ sampleRateHz: 48000, channels: 8 }, deepgram)).toEqual({ sampleRateHz: 48000, channels: 8 });
  });

  it('refuses a rate outside 8000–48000 Hz or not whole, and channels beyond the engine’s, naming the engine', () => {
    for (const sampleRateHz of [7999, 48001, 16000.5, Number.NaN]) {
      expect(() => checkStreamFormat({ sampleRateHz }, deepgram)).toThrow(`sampleRateHz must be a whole number of Hz from 8000 to 48000; got ${sampleRateHz}`);
    }
    for (const channels of [0, 9, 1.5]) {
      expect(() => checkStreamFormat({ sampleRateHz: 8000, channels }, deepgram)).toThrow(`Deepgram takes channels: a whole number from 1 to 8; got ${channels}`);
    }
    expect(() => checkStreamFormat({ sampleRateHz: 8000, channels: 2 }, { engine: 'X', maxChannels: 1 })).toThrow('X takes mono audio (channels: 1); got 2');
  });
});
