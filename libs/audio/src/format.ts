/** Audio on the bus (DESIGN.md): 20 ms frames of linear16 at the call's native rate. */
export const FRAME_MS = 20;
export const PHONE_SAMPLE_RATE_HZ = 8000;
export const BYTES_PER_SAMPLE = 2;

export function samplesPerFrame(sampleRateHz: number, channels = 1): number {
  return ((sampleRateHz * FRAME_MS) / 1000) * channels;
}

export function bytesPerFrame(sampleRateHz: number, channels = 1): number {
  return samplesPerFrame(sampleRateHz, channels) * BYTES_PER_SAMPLE;
}
