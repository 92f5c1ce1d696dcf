import { FrameSequence } from '@voiceagent/audio';

/** Accounting of one call's incoming audio: what arrived, what was lost, how much audio it was. */
export class CallerAudio {
  private readonly sequence = new FrameSequence();
  private audioMs = 0;

  constructor(readonly callId: string) {}

  /** Counts a frame; false for a duplicate or a frame arriving after a newer one (too late to use). */
  onFrame(frame: { sequence: number; pcm: Uint8Array; sampleRateHz: number; channels: number }): boolean {
    if (!this.sequence.accept(frame.sequence)) return false;
    const samples = frame.pcm.length / 2 / Math.max(1, frame.channels);
    this.audioMs += (samples * 1000) / Math.max(1, frame.sampleRateHz);
    return true;
  }

  summary() {
    return { callId: this.callId, audioMs: Math.round(this.audioMs), ...this.sequence.summary() };
  }
}
