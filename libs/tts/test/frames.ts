import { concatBytes } from '../src/domain/pcm';
import type { SynthesisStream, SynthesizedFrame } from '../src/index';

/** Reads frames until `replies` reply ends have been seen. */
export async function readReplies(stream: SynthesisStream, replies = 1): Promise<SynthesizedFrame[]> {
  const frames: SynthesizedFrame[] = [];
  const reader = stream[Symbol.asyncIterator]();
  while (frames.filter((f) => f.replyEnd).length < replies) {
    const next = await reader.next();
    if (next.done) throw new Error(`the stream ended after ${frames.length} frames`);
    frames.push(next.value);
  }
  return frames;
}

/** The frames' audio, joined. */
export const audioOf = (frames: readonly SynthesizedFrame[]): Uint8Array => concatBytes(frames.map((f) => f.audio));
