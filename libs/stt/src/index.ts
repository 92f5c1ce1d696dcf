export type {
  SpeechToText,
  SpeechStream,
  SpeechStreamOptions,
  SpeechEvent,
  SpeechStartedEvent,
  PartialTranscriptEvent,
  FinalTranscriptEvent,
  EndOfUtteranceEvent,
  SpeechErrorEvent,
  WordTiming,
  ChannelEvent,
  TurnDetectionOptions,
} from './ports/speech-to-text';
export { defaultTurnDetection } from './ports/speech-to-text';
export { createSpeechToText, type SpeechToTextConfig, type SpeechToTextExtras } from './factory';
export { createLocalSpeechToText, LocalSpeechToText, type LocalSpeechToTextOptions } from './adapters/local/local-engine';
export { createAwsSpeechToText, AwsSpeechToText, type AwsSpeechToTextOptions } from './adapters/aws/aws-transcribe-engine';
export { createDeepgramSpeechToText, DeepgramSpeechToText, type DeepgramSpeechToTextOptions } from './adapters/deepgram/deepgram-engine';
export { TurnDetector, type TurnSignal, type VadObservation, type SpeechSegment } from './domain/turn-detector';
export { soundsUnfinished } from './domain/turn-completion';
export { BoundedQueue, type BoundedQueueOptions } from './domain/event-queue';
