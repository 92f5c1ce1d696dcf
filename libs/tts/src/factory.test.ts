import { loadConfig } from '@voiceagent/config';
import { DeepgramSpeakServer, PollyServer, eventually } from '@voiceagent/testing';
import { describe, expect, it, vi } from 'vitest';
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

  it('builds Amazon Polly in AWS_REGION with POLLY_ENGINE and TTS_VOICE, credentials from the default chain', async () => {
    const server = await PollyServer.start();
    // The SDK's own environment settings: the default credential chain and a service endpoint override.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFACTORYTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'factory-test-secret');
    vi.stubEnv('AWS_ENDPOINT_URL_POLLY', server.url);
    try {
      const tts = await createTextToSpeech(loadConfig({ TTS_ENGINE: 'aws', AWS_REGION: 'eu-west-1', POLLY_ENGINE: 'standard', TTS_VOICE: 'Matthew' }));
      expect(tts.engine).toBe('aws');
      expect(tts.sampleRateHz).toBe(8000);
      await tts.synthesize('Hello.', { sampleRateHz: 8000 });
      await tts.close();
      expect(server.requests[0]!.input).toMatchObject({ Engine: 'standard', VoiceId: 'Matthew', SampleRate: '8000', OutputFormat: 'pcm' });
      expect(server.requests[0]!.headers.authorization).toMatch(/Credential=AKIDFACTORYTEST\/\d{8}\/eu-west-1\/polly\//);
      await expect(createTextToSpeech(loadConfig({ TTS_ENGINE: 'aws', AWS_REGION: 'eu-west-1', TTS_VOICE: 'kal' }))).rejects.toThrow(/no voice "kal"/);
    } finally {
      vi.unstubAllEnvs();
      await server.close();
    }
  });

  it('says clearly that TTS_ENGINE=aws needs AWS_REGION', async () => {
    const config = { ...loadConfig({}), TTS_ENGINE: 'aws' } as const; // and no AWS_REGION
    await expect(createTextToSpeech(config)).rejects.toThrow(TtsSetupError);
    await expect(createTextToSpeech(config)).rejects.toThrow(/TTS_ENGINE=aws needs AWS_REGION/);
  });

  it('builds Deepgram Aura against DEEPGRAM_URL with TTS_VOICE, checking key and voice at start-up', async () => {
    const server = await DeepgramSpeakServer.start({ apiKey: 'dg-key' });
    try {
      const config = { TTS_ENGINE: 'deepgram', DEEPGRAM_API_KEY: 'dg-key', DEEPGRAM_URL: server.url, TTS_VOICE: 'aura-2-zeus-en' } as const;
      const tts = await createTextToSpeech(loadConfig(config));
      expect(tts.engine).toBe('deepgram');
      expect(Object.fromEntries(server.last.query)).toEqual({ model: 'aura-2-zeus-en', encoding: 'linear16', sample_rate: '24000' });
      await tts.close();
      await expect(createTextToSpeech(loadConfig({ ...config, DEEPGRAM_API_KEY: 'revoked' }))).rejects.toThrow(/Deepgram refused the API key \(HTTP 401.*check DEEPGRAM_API_KEY/);
      await expect(createTextToSpeech(loadConfig({ ...config, TTS_VOICE: 'thalia' }))).rejects.toThrow(/HTTP 400.*No such model: thalia.*check TTS_VOICE/);
      await eventually(() => expect(server.openConnections).toBe(0));
    } finally {
      await server.stop();
    }
  });

  it('says clearly that TTS_ENGINE=deepgram needs DEEPGRAM_API_KEY', async () => {
    const config = { TTS_ENGINE: 'deepgram', TTS_VOICE: undefined, DEEPGRAM_API_KEY: undefined, DEEPGRAM_URL: 'https://api.deepgram.com', POLLY_ENGINE: 'neural' } as const;
    await expect(createTextToSpeech(config)).rejects.toThrow(TtsSetupError);
    await expect(createTextToSpeech(config)).rejects.toThrow(/TTS_ENGINE=deepgram needs DEEPGRAM_API_KEY/);
    expect(() => loadConfig({ TTS_ENGINE: 'deepgram' })).toThrow(/DEEPGRAM_API_KEY/);
  });

  it('rejects an unknown engine at configuration time', () => {
    expect(() => loadConfig({ TTS_ENGINE: 'festival' })).toThrow(/TTS_ENGINE/);
  });
});
