import type { Config } from '@voiceagent/config';
import type { EnsureModelOptions } from '@voiceagent/models';
import { createAwsSpeechToText } from './adapters/aws/aws-transcribe-engine';
import { createDeepgramSpeechToText } from './adapters/deepgram/deepgram-engine';
import { createLocalSpeechToText } from './adapters/local/local-engine';
import type { SpeechToText } from './ports/speech-to-text';

/** The settings the engines read (a loaded `Config` fits). */
export type SpeechToTextConfig = Pick<
  Config,
  'STT_ENGINE' | 'VOICE_AGENT_MODELS' | 'VOICE_AGENT_MODELS_MIRROR' | 'TURN_SILENCE_MS' | 'TURN_UNFINISHED_SILENCE_MS' | 'TURN_MIN_SPEECH_MS' | 'TURN_VAD_THRESHOLD'
  | 'DEEPGRAM_API_KEY' | 'DEEPGRAM_URL' | 'DEEPGRAM_STT_MODEL' | 'STT_LANGUAGE' | 'AWS_REGION'
>;

export interface SpeechToTextExtras {
  /** Progress of model copies and downloads. */
  readonly log?: EnsureModelOptions['log'];
  /** Fetch missing models from upstream (default true); false: only the models folder and the mirror, offline. */
  readonly download?: boolean;
}

/** The engine STT_ENGINE names. The composition root calls this once and shares the engine across calls. */
export async function createSpeechToText(config: SpeechToTextConfig, extras: SpeechToTextExtras = {}): Promise<SpeechToText> {
  const engine = config.STT_ENGINE;
  if (engine === 'local') {
    return createLocalSpeechToText({
      models: { modelsDir: config.VOICE_AGENT_MODELS, mirrorDir: config.VOICE_AGENT_MODELS_MIRROR ?? null, log: extras.log, download: extras.download },
      turn: { silenceMs: config.TURN_SILENCE_MS, unfinishedSilenceMs: config.TURN_UNFINISHED_SILENCE_MS, minSpeechMs: config.TURN_MIN_SPEECH_MS, vadThreshold: config.TURN_VAD_THRESHOLD },
    });
  }
  if (engine === 'deepgram') {
    // Deepgram finds the turns itself: its endpointing is the pause that ends a turn.
    return createDeepgramSpeechToText({
      apiKey: config.DEEPGRAM_API_KEY ?? '',
      url: config.DEEPGRAM_URL,
      model: config.DEEPGRAM_STT_MODEL,
      language: config.STT_LANGUAGE,
      endpointingMs: config.TURN_SILENCE_MS,
    });
  }
  if (engine === 'aws') {
    if (!config.AWS_REGION) {
      throw new Error('STT_ENGINE=aws needs AWS_REGION (the region of Amazon Transcribe, e.g. us-east-1); credentials come from the standard AWS chain. Or use STT_ENGINE=local');
    }
    // Transcribe finds the turns itself: each settled segment is an utterance.
    return createAwsSpeechToText({ region: config.AWS_REGION, language: config.STT_LANGUAGE });
  }
  throw new Error(`STT_ENGINE=${String(engine)} is not an engine: use local, deepgram or aws`);
}
