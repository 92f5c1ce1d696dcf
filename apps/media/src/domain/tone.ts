import { bytesPerFrame, linear16Bytes } from '@voiceagent/audio';

/**
 * The tone after which the caller leaves a message: a 1 kHz beep at about
 * -15 dBFS, as 20 ms frames of linear16 at the call's rate.
 */
export function voicemailTone(sampleRateHz: number, durationMs = 500, frequencyHz = 1000): Uint8Array[] {
  const samples = new Int16Array(Math.round((durationMs / 1000) * sampleRateHz));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(6000 * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRateHz));
  const bytes = linear16Bytes(samples);
  const frameBytes = bytesPerFrame(sampleRateHz);
  const frames: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += frameBytes) {
    const frame = new Uint8Array(frameBytes);
    frame.set(bytes.subarray(at, at + frameBytes));
    frames.push(frame);
  }
  return frames;
}
