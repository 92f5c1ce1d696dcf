import type { Config } from '@voiceagent/config';
import { LocalTextToSpeech, type LocalTtsOptions } from './adapters/local/local-tts';
import { TtsSetupError, type TextToSpeech } from './ports/text-to-speech';

export type TtsConfig = Pick<Config, 'TTS_ENGINE' | 'TTS_VOICE'>;

/**
 * The engine TTS_ENGINE names, checked and ready (a composition root calls
 * this at start-up so a missing synthesizer stops the service with a message
 * that says what to install). `local` options are for tests and tuning.
 */
export async function createTextToSpeech(config: TtsConfig, local: Omit<LocalTtsOptions, 'voice'> = {}): Promise<TextToSpeech> {
  switch (config.TTS_ENGINE) {
    case 'local':
      return LocalTextToSpeech.create({ ...local, voice: config.TTS_VOICE });
    case 'deepgram':
      throw new TtsSetupError('TTS_ENGINE=deepgram: the Deepgram Aura text-to-speech adapter is not available yet; use TTS_ENGINE=local');
    case 'aws':
      throw new TtsSetupError('TTS_ENGINE=aws: the Amazon Polly text-to-speech adapter is not available yet; use TTS_ENGINE=local');
  }
}
