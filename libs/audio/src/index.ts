export { FRAME_MS, PHONE_SAMPLE_RATE_HZ, BYTES_PER_SAMPLE, samplesPerFrame, bytesPerFrame } from './format';
export { FrameSequence } from './frame-sequence';
