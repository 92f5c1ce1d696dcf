/** A message a caller left after the tone. */
export interface VoicemailMessage {
  readonly callId: string;
  readonly callerNumber: string;
  /** linear16 mono at `sampleRateHz`. */
  readonly pcm: Uint8Array;
  readonly sampleRateHz: number;
  /** What the listener heard of it; empty when nothing was transcribed. */
  readonly transcript: string;
}

/** Where voicemail is kept (EscalationService): stored with the caller's number, and notified. */
export interface VoicemailBox {
  /** Resolves with the stored voicemail's id. */
  store(message: VoicemailMessage): Promise<string>;
}
