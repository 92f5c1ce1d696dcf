export {
  TtsBufferFullError,
  TtsSetupError,
  TtsSynthesisError,
  type SynthesisOptions,
  type SynthesisStream,
  type SynthesizedFrame,
  type TextToSpeech,
} from './ports/text-to-speech';
export { SentenceSegmenter, isSpeakable, type SegmenterOptions } from './domain/sentence-segmenter';
export { normalizeForSpeech } from './domain/normalize';
export { SentenceSynthesisStream, type SentenceContext, type SentenceSynthesizer, type StreamLimits } from './domain/sentence-stream';
export { PhraseCache, type PhraseCacheOptions } from './domain/phrase-cache';
export { toFrames } from './domain/pcm';
export { LocalTextToSpeech, type LocalTtsOptions } from './adapters/local/local-tts';
export { directLauncher, type ProcessExit, type ProcessInfo, type ProcessLauncher, type ProcessObserver } from './adapters/local/processes';
export { SpawnHelper } from './adapters/local/spawn-helper';
export { PollyTextToSpeech, DEFAULT_POLLY_VOICE, type PollyEngine, type PollyTtsOptions } from './adapters/aws/polly-tts';
export { DeepgramTextToSpeech, DEFAULT_DEEPGRAM_VOICE, type DeepgramTtsOptions } from './adapters/deepgram/deepgram-tts';
export { createTextToSpeech, type TtsConfig } from './factory';
