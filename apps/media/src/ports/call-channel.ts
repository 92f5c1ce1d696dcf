import type { AudioFrame, CallControl, CallEvent } from '@voiceagent/contracts';

export interface CallChannelHandlers {
  onAgentAudio(frame: AudioFrame): void;
  onControl(control: CallControl): void;
  /** The caller started speaking (listener's VAD): the barge-in signal. */
  onCallerSpeech(): void;
}

/** The bus side of one call: what media publishes and what it follows. */
export interface CallChannel {
  publishCallerAudio(frame: AudioFrame): void;
  publishDtmf(digits: string, durationMs: number): void;
  publishLifecycle(event: CallEvent): void;
  /** Starts following the call's streams; returns the function that stops. */
  follow(handlers: CallChannelHandlers): () => void;
}
