import { describe, expect, it } from 'vitest';
import { CallerAudio } from './caller-audio';

describe('CallerAudio', () => {
  it('counts audio time once per frame, ignoring duplicates', () => {
    const audio = new CallerAudio('c');
    const frame = (sequence: number, sampleRateHz = 8000) => ({ sequence, pcm: new Uint8Array((sampleRateHz / 50) * 2), sampleRateHz, channels: 1 });
    expect(audio.onFrame(frame(1))).toBe(true);
    expect(audio.onFrame(frame(1))).toBe(false);
    expect(audio.onFrame(frame(2, 16000))).toBe(true);
    expect(audio.summary()).toMatchObject({ audioMs: 40, received: 3, late: 1, lost: 0 });
  });
});
