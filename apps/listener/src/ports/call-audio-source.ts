/** Where a call's caller audio comes from (the bus, in production). */
export interface CallAudioSource {
  /** Delivers each frame of the call's caller audio until the returned function is called. */
  follow(
    callId: string,
    onFrame: (frame: { sequence: number; pcm: Uint8Array; sampleRateHz: number; channels: number }) => void,
  ): () => void;
}
