import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '@voiceagent/config';
import { afterAll, describe, expect, it } from 'vitest';
import { createSpeechToText, LocalSpeechToText } from './index';

const mirror = process.env.VOICE_AGENT_MODELS_MIRROR || resolve(import.meta.dirname, '../../../../shared/models');
const scratch = mkdtempSync(join(tmpdir(), 'stt-factory-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('createSpeechToText', () => {
  it('builds the local engine from the configuration (the default), with its turn settings', async () => {
    const config = loadConfig({ VOICE_AGENT_MODELS: join(scratch, 'models'), VOICE_AGENT_MODELS_MIRROR: mirror, TURN_SILENCE_MS: '600', TURN_VAD_THRESHOLD: '0.6' });
    expect(config.STT_ENGINE).toBe('local');
    const lines: string[] = [];
    const stt = await createSpeechToText(config, { log: (line) => lines.push(line) });
    expect(stt.engine).toBe('local');
    expect(stt).toBeInstanceOf(LocalSpeechToText);
    expect((stt as LocalSpeechToText).turn).toEqual({ silenceMs: 600, minSpeechMs: 150, vadThreshold: 0.6, maxUtteranceMs: 15_000 });
    expect(lines).toContain(`asr-en-zipformer-3m/encoder.int8.onnx: copied from ${join(mirror, 'asr-en-zipformer-3m', 'encoder.int8.onnx')}`);
    await stt.stream({ sampleRateHz: 8000 }).close();
  });

  it('fails with the models library\'s explanation when a model is missing and downloads are off', async () => {
    const config = loadConfig({ VOICE_AGENT_MODELS: join(scratch, 'none'), VOICE_AGENT_MODELS_MIRROR: join(scratch, 'no-mirror') });
    await expect(createSpeechToText(config, { download: false })).rejects.toThrow(/Model "[a-z0-9-]+" is incomplete[\s\S]*downloads are turned off[\s\S]*npm run models/);
  });

  it('says the cloud engines are not available yet', async () => {
    const base = { VOICE_AGENT_MODELS: undefined, VOICE_AGENT_MODELS_MIRROR: undefined, TURN_SILENCE_MS: 400, TURN_MIN_SPEECH_MS: 150, TURN_VAD_THRESHOLD: 0.5 };
    await expect(createSpeechToText({ ...base, STT_ENGINE: 'deepgram' })).rejects.toThrow(
      'STT_ENGINE=deepgram is not available yet: the Deepgram adapter (live /v1/listen: interim results, endpointing, UtteranceEnd) comes next. Use STT_ENGINE=local (the default) meanwhile.',
    );
    await expect(createSpeechToText({ ...base, STT_ENGINE: 'aws' })).rejects.toThrow(/STT_ENGINE=aws is not available yet: the AWS adapter \(Transcribe streaming/);
  });

  it('validates the turn settings where the configuration is loaded', () => {
    expect(loadConfig({}).TURN_SILENCE_MS).toBe(400);
    expect(() => loadConfig({ TURN_SILENCE_MS: '50' })).toThrow(/TURN_SILENCE_MS: must be between 100 and 5000/);
    expect(() => loadConfig({ TURN_VAD_THRESHOLD: '1.5' })).toThrow(/TURN_VAD_THRESHOLD: must be between 0 and 1/);
    expect(() => loadConfig({ STT_ENGINE: 'whisper' })).toThrow(/STT_ENGINE/);
  });
});
