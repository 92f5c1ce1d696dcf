export { FRAME_MS, PHONE_SAMPLE_RATE_HZ, BYTES_PER_SAMPLE, samplesPerFrame, bytesPerFrame } from './format';
export { FrameSequence } from './frame-sequence';
export { mulaw, alaw, type G711Codec } from './g711';
export { int16View, linear16Bytes, meanSquare, rms, rmsDbfs, SILENCE_DBFS } from './linear16';
export { Resampler, resample, type ResamplerOptions } from './resample';
export { parseWav, wavSamples, wavHeader, encodeWav, WavFileWriter, WavFormatError, type WavAudio, type WavEncoding, type WavFormat } from './wav';
export {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferStats,
  type JitterFrame,
  type JitterFrameKind,
  type JitterPacket,
  type PushOutcome,
} from './jitter-buffer';
