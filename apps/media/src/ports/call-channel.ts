import type { AudioFrame, CallControl, CallEvent } from '@voiceagent/contracts';

export interface CallChannelHandlers {
  /** `onSent`, given with the first frame of a reply: to hear when that frame leaves for the caller (latency accounting). */
  onAgentAudio(frame: AudioFrame, onSent?: (sent: boolean) => void): void;
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
  /** Follows what the listener finally heard the caller say (for voicemail); returns the function that stops. */
  followTranscript(onFinal: (text: string) => void): () => void;
}
