import { FrameSequence } from '@voiceagent/audio';

/**
 * The listener's view of one call's incoming audio. Speech recognition and
 * turn detection build on this (they arrive with the engines); for now it
 * accounts for what arrived, so a call's audio path can be verified end to end.
 */
export class CallerAudio {
  private readonly sequence = new FrameSequence();
  private audioMs = 0;

  constructor(readonly callId: string) {}

  onFrame(frame: { sequence: number; pcm: Uint8Array; sampleRateHz: number; channels: number }): void {
    if (!this.sequence.accept(frame.sequence)) return;
    const samples = frame.pcm.length / 2 / Math.max(1, frame.channels);
    this.audioMs += (samples * 1000) / Math.max(1, frame.sampleRateHz);
  }

  summary() {
    return { callId: this.callId, audioMs: Math.round(this.audioMs), ...this.sequence.summary() };
  }
}
