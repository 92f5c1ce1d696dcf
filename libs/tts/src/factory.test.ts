import { loadConfig } from '@voiceagent/config';
import { describe, expect, it } from 'vitest';
import { TtsSetupError, createTextToSpeech } from './index';

describe('createTextToSpeech', () => {
  it('builds the local engine by default, with TTS_VOICE as its voice', async () => {
    const tts = await createTextToSpeech(loadConfig({}));
    try {
      expect(tts.engine).toBe('local');
      expect(tts.sampleRateHz).toBe(8000);
    } finally {
      await tts.close();
    }
    const slt = await createTextToSpeech(loadConfig({ TTS_VOICE: 'slt' }));
    try {
      expect(slt.sampleRateHz).toBe(16000);
    } finally {
      await slt.close();
    }
  });

  it('says clearly that the cloud engines are not available yet', async () => {
    await expect(createTextToSpeech(loadConfig({ TTS_ENGINE: 'deepgram' }))).rejects.toThrow(TtsSetupError);
    await expect(createTextToSpeech(loadConfig({ TTS_ENGINE: 'deepgram' }))).rejects.toThrow(/TTS_ENGINE=deepgram: .*Deepgram Aura.* not available yet/);
    await expect(createTextToSpeech(loadConfig({ TTS_ENGINE: 'aws' }))).rejects.toThrow(/TTS_ENGINE=aws: .*Polly.* not available yet/);
  });

  it('rejects an unknown engine at configuration time', () => {
    expect(() => loadConfig({ TTS_ENGINE: 'festival' })).toThrow(/TTS_ENGINE/);
  });
});
