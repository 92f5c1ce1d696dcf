import type { Config } from '@voiceagent/config';
import { PollyTextToSpeech } from './adapters/aws/polly-tts';
import { DeepgramTextToSpeech } from './adapters/deepgram/deepgram-tts';
import { LocalTextToSpeech, type LocalTtsOptions } from './adapters/local/local-tts';
import { TtsSetupError, type TextToSpeech } from './ports/text-to-speech';

export type TtsConfig = Pick<Config, 'TTS_ENGINE' | 'TTS_VOICE' | 'DEEPGRAM_API_KEY' | 'DEEPGRAM_URL' | 'AWS_REGION' | 'POLLY_ENGINE'>;

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
      if (!config.DEEPGRAM_API_KEY) throw new TtsSetupError('TTS_ENGINE=deepgram needs DEEPGRAM_API_KEY (create one at console.deepgram.com)');
      return DeepgramTextToSpeech.create({ apiKey: config.DEEPGRAM_API_KEY, url: config.DEEPGRAM_URL, voice: config.TTS_VOICE });
    case 'aws':
      if (!config.AWS_REGION) throw new TtsSetupError('TTS_ENGINE=aws needs AWS_REGION (the region of Amazon Polly, e.g. us-east-1)');
      return new PollyTextToSpeech({ region: config.AWS_REGION, engine: config.POLLY_ENGINE, voice: config.TTS_VOICE });
  }
}
