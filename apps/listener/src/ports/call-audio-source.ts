/** One frame of call audio as the listener needs it (a `media.v1.AudioFrame`). */
export interface CallAudioFrame {
  readonly sequence: number;
  readonly sampleRateHz: number;
  readonly channels: number;
  /** linear16, little-endian, channels interleaved. */
  readonly pcm: Uint8Array;
  /** Wall clock of the first sample, µs since the epoch; 0 when the producer did not say. */
  readonly capturedAtUs: number;
}

export interface CallAudioHandlers {
  /** What the caller says (`audio.in`, caller track). */
  caller(frame: CallAudioFrame): void;
  /** What the caller is about to hear from the agent (`audio.out`). */
  agent(frame: CallAudioFrame): void;
}

/** A call's audio in both directions (the bus, in production). */
export interface CallAudioSource {
  /** Delivers the call's frames until the returned function is called. */
  follow(callId: string, handlers: CallAudioHandlers): () => void;
}
