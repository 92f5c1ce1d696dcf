import type { SpeechStreamOptions } from '../ports/speech-to-text';

/** What an engine takes: its name for messages, and how many interleaved channels. */
export interface StreamFormatLimits {
  readonly engine: string;
  readonly maxChannels: number;
}

/** The stream's rate and channel count (default 1), checked: a RangeError names the bad value. */
export function checkStreamFormat(options: SpeechStreamOptions, limits: StreamFormatLimits): { sampleRateHz: number; channels: number } {
  const { sampleRateHz, channels = 1 } = options;
  if (!Number.isInteger(sampleRateHz) || sampleRateHz < 8_000 || sampleRateHz > 48_000) {
    throw new RangeError(`sampleRateHz must be a whole number of Hz from 8000 to 48000; got ${sampleRateHz}`);
  }
  const max = limits.maxChannels;
  if (!Number.isInteger(channels) || channels < 1 || channels > max) {
    const takes = max === 1 ? 'mono audio (channels: 1)' : `channels: a whole number from 1 to ${max}`;
    throw new RangeError(`${limits.engine} takes ${takes}; got ${channels}`);
  }
  return { sampleRateHz, channels };
}
