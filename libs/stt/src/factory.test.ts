import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '@voiceagent/config';
import { DeepgramListenServer, eventually, TranscribeServer } from '@voiceagent/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { AwsSpeechToText, createSpeechToText, DeepgramSpeechToText, LocalSpeechToText } from './index';

const mirror = process.env.VOICE_AGENT_MODELS_MIRROR || resolve(import.meta.dirname, '../../../../shared/models');
const scratch = mkdtempSync(join(tmpdir(), 'stt-factory-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('createSpeechToText', () => {
  it('builds the local engine from the configuration (the default), with its turn settings', async () => {
    const config = loadConfig({ VOICE_AGENT_MODELS: join(scratch, 'models'), VOICE_AGENT_MODELS_MIRROR: mirror, TURN_SILENCE_MS: '600', TURN_UNFINISHED_SILENCE_MS: '1000', TURN_VAD_THRESHOLD: '0.6' });
    expect(config.STT_ENGINE).toBe('local');
    const lines: string[] = [];
    const stt = await createSpeechToText(config, { log: (line) => lines.push(line) });
    expect(stt.engine).toBe('local');
    expect(stt).toBeInstanceOf(LocalSpeechToText);
    expect((stt as LocalSpeechToText).turn).toEqual({ silenceMs: 600, unfinishedSilenceMs: 1000, minSpeechMs: 150, vadThreshold: 0.6, maxUtteranceMs: 15_000 });
    expect(lines).toContain(`asr-en-zipformer-3m/encoder.int8.onnx: copied from ${join(mirror, 'asr-en-zipformer-3m', 'encoder.int8.onnx')}`);
    await stt.stream({ sampleRateHz: 8000 }).close();
  });

  it('fails with the models library\'s explanation when a model is missing and downloads are off', async () => {
    const config = loadConfig({ VOICE_AGENT_MODELS: join(scratch, 'none'), VOICE_AGENT_MODELS_MIRROR: join(scratch, 'no-mirror') });
    await expect(createSpeechToText(config, { download: false })).rejects.toThrow(/Model "[a-z0-9-]+" is incomplete[\s\S]*downloads are turned off[\s\S]*npm run models/);
  });

  const base = {
    VOICE_AGENT_MODELS: undefined,
    VOICE_AGENT_MODELS_MIRROR: undefined,
    TURN_SILENCE_MS: 300,
    TURN_UNFINISHED_SILENCE_MS: 800,
    TURN_MIN_SPEECH_MS: 150,
    TURN_VAD_THRESHOLD: 0.5,
    STT_LANGUAGE: 'en-US',
    DEEPGRAM_API_KEY: undefined,
    DEEPGRAM_URL: 'https://api.deepgram.com',
    DEEPGRAM_STT_MODEL: 'nova-3',
  };

  it('builds the AWS engine from AWS_REGION and STT_LANGUAGE, with credentials from the standard chain', async () => {
    const server = await TranscribeServer.start();
    // The SDK's own environment settings: static keys (first in the chain) and the service's endpoint.
    const env = { AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'secret-from-env', AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING: server.endpoint };
    const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, env);
    try {
      const stt = await createSpeechToText(loadConfig({ STT_ENGINE: 'aws', AWS_REGION: 'eu-west-2', STT_LANGUAGE: 'en-GB' }));
      expect(stt.engine).toBe('aws');
      expect(stt).toBeInstanceOf(AwsSpeechToText);
      const stream = stt.stream({ sampleRateHz: 8000 });
      stream.pushFrame(new Int16Array(160));
      await stream.close();
      const [session] = server.sessions;
      expect(session!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDFROMENV\/\d{8}\/eu-west-2\/transcribe\/aws4_request, /);
      expect(session!.setting('language-code')).toBe('en-GB');
      expect(session!.audioBytes).toBe(320);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await server.close();
    }
  });

  it('fails at start-up, saying why, when STT_ENGINE=aws has no AWS_REGION', async () => {
    await expect(createSpeechToText({ ...base, STT_ENGINE: 'aws' })).rejects.toThrow(
      'STT_ENGINE=aws needs AWS_REGION (the region of Amazon Transcribe, e.g. us-east-1); credentials come from the standard AWS chain. Or use STT_ENGINE=local',
    );
  });

  it('builds the Deepgram engine from the DEEPGRAM_* settings, with TURN_SILENCE_MS as its endpointing', async () => {
    const server = await DeepgramListenServer.start({ apiKey: 'dg-key' });
    try {
      const config = loadConfig({ STT_ENGINE: 'deepgram', DEEPGRAM_API_KEY: 'dg-key', DEEPGRAM_URL: server.url, DEEPGRAM_STT_MODEL: 'nova-3-general', STT_LANGUAGE: 'es', TURN_SILENCE_MS: '600' });
      const stt = await createSpeechToText(config);
      expect(stt.engine).toBe('deepgram');
      expect(stt).toBeInstanceOf(DeepgramSpeechToText);
      expect(server.connections).toHaveLength(1); // the start-up check, closed again
      await eventually(() => expect(server.connection.closed).toBe(true));
      const stream = stt.stream({ sampleRateHz: 8000 });
      await eventually(() => expect(server.connections).toHaveLength(2));
      const call = server.connections[1]!;
      expect(call.headers.authorization).toBe('Token dg-key');
      expect(Object.fromEntries(call.query)).toMatchObject({ model: 'nova-3-general', language: 'es', endpointing: '600', sample_rate: '8000' });
      await stream.close();
      expect(call.controlMessages).toEqual(['CloseStream']);
    } finally {
      await server.stop();
    }
  });

  it('fails at start-up when Deepgram refuses DEEPGRAM_API_KEY: the factory opens one socket to check', async () => {
    const server = await DeepgramListenServer.start({ apiKey: 'dg-key' });
    try {
      const config = loadConfig({ STT_ENGINE: 'deepgram', DEEPGRAM_API_KEY: 'revoked', DEEPGRAM_URL: server.url });
      await expect(createSpeechToText(config)).rejects.toThrow('Deepgram refused the API key (HTTP 401): check DEEPGRAM_API_KEY');
      expect(server.rejected).toEqual([{ path: '/v1/listen', status: 401 }]);
    } finally {
      await server.stop();
    }
  });

  it('fails at start-up, saying why, when STT_ENGINE=deepgram has no DEEPGRAM_API_KEY', async () => {
    expect(() => loadConfig({ STT_ENGINE: 'deepgram' })).toThrow(/DEEPGRAM_API_KEY: is required when STT_ENGINE=deepgram/);
    await expect(createSpeechToText({ ...base, STT_ENGINE: 'deepgram' })).rejects.toThrow(
      'STT_ENGINE=deepgram needs DEEPGRAM_API_KEY (create a key at console.deepgram.com), or use STT_ENGINE=local',
    );
  });

  it('validates the turn settings where the configuration is loaded', () => {
    expect(loadConfig({})).toMatchObject({ TURN_SILENCE_MS: 300, TURN_UNFINISHED_SILENCE_MS: 800 });
    expect(() => loadConfig({ TURN_SILENCE_MS: '900' })).toThrow(/TURN_UNFINISHED_SILENCE_MS: must be at least TURN_SILENCE_MS \(900\)/);
    expect(loadConfig({ TURN_SILENCE_MS: '900', TURN_UNFINISHED_SILENCE_MS: '900' }).TURN_UNFINISHED_SILENCE_MS).toBe(900);
    expect(() => loadConfig({ TURN_SILENCE_MS: '50' })).toThrow(/TURN_SILENCE_MS: must be between 100 and 5000/);
    expect(() => loadConfig({ TURN_VAD_THRESHOLD: '1.5' })).toThrow(/TURN_VAD_THRESHOLD: must be between 0 and 1/);
    expect(() => loadConfig({ STT_ENGINE: 'whisper' })).toThrow(/STT_ENGINE/);
  });
});
