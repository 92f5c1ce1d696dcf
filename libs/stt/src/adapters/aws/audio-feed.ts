import type { AudioStream } from '@aws-sdk/client-transcribe-streaming';

/**
 * Where a stretch of the audio Transcribe heard came from. Transcribe times
 * its results from the start of its own session, which also holds keep-alive
 * silence and lacks audio dropped on overflow, so its clock is mapped back to
 * the call's audio through these.
 */
interface Segment {
  /** First frame in the session's clock. */
  readonly sessionStart: number;
  /** First frame in the call's audio; for silence, the call position it was inserted at. */
  readonly streamStart: number;
  frames: number;
  readonly silent: boolean;
}

interface Chunk {
  readonly bytes: Uint8Array;
  readonly frames: number;
  readonly streamStart: number;
  readonly silent: boolean;
}

/** Transcribe wants chunks of 50–200 ms; frames waiting together are sent as one chunk up to this. */
const maxChunkMs = 200;

/**
 * The audio of one Transcribe session: a bounded buffer that `pushFrame`
 * fills and the SDK drains as an async iterable of AudioEvents. Positions are
 * in frames (one sample per channel).
 */
export class AudioFeed implements AsyncIterable<AudioStream> {
  private readonly chunks: Chunk[] = [];
  private bufferedFrames = 0;
  private waiting: (() => void) | undefined;
  private ended = false;
  private readonly segments: Segment[] = [];
  /** Frames handed to the SDK: the session's clock. */
  private sentFrames = 0;
  private readonly maxChunkFrames: number;

  constructor(
    private readonly rate: number,
    private readonly bytesPerFrame: number,
    private readonly maxBufferedFrames: number,
  ) {
    this.maxChunkFrames = Math.round((rate * maxChunkMs) / 1000);
  }

  /** Frames sent to Transcribe so far. */
  get sessionFrames(): number {
    return this.sentFrames;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Queues audio that starts at `streamStart`; returns the frames dropped (oldest first) to stay within the bound. */
  push(bytes: Uint8Array, streamStart: number): number {
    // A long frame is cut to chunk size: an AudioChunk may hold at most 1 s.
    const step = this.maxChunkFrames * this.bytesPerFrame;
    let dropped = 0;
    for (let offset = 0; offset < bytes.byteLength; offset += step) {
      const piece = bytes.subarray(offset, offset + step);
      dropped += this.enqueue({ bytes: piece, frames: piece.byteLength / this.bytesPerFrame, streamStart: streamStart + offset / this.bytesPerFrame, silent: false });
    }
    return dropped;
  }

  /** Queues `frames` of digital silence, heard at call position `atStream`, to keep an idle session alive (unless audio is waiting anyway). */
  pushSilence(frames: number, atStream: number): void {
    if (this.chunks.length > 0) return;
    this.enqueue({ bytes: new Uint8Array(frames * this.bytesPerFrame), frames, streamStart: atStream, silent: true });
  }

  /** No more audio: the SDK sends its end frame once the buffer is drained. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Call position (frames) of a moment in Transcribe's session (seconds). */
  toStreamFrames(sessionSeconds: number): number {
    const at = Math.max(0, Math.round(sessionSeconds * this.rate));
    const segment = this.segments.findLast((s) => s.sessionStart <= at) ?? this.segments[0];
    if (!segment) return at;
    // Inside keep-alive silence the call's audio stood still.
    if (segment.silent) return segment.streamStart;
    return segment.streamStart + Math.min(Math.max(at - segment.sessionStart, 0), segment.frames);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<AudioStream> {
    for (;;) {
      const chunk = this.take();
      if (chunk) {
        this.record(chunk);
        yield { AudioEvent: { AudioChunk: chunk.bytes } };
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private enqueue(chunk: Chunk): number {
    if (this.ended || chunk.frames === 0) return 0;
    let dropped = 0;
    while (this.bufferedFrames + chunk.frames > this.maxBufferedFrames) {
      const oldest = this.chunks.shift();
      if (!oldest) break;
      this.bufferedFrames -= oldest.frames;
      if (!oldest.silent) dropped += oldest.frames;
    }
    this.chunks.push(chunk);
    this.bufferedFrames += chunk.frames;
    this.wake();
    return dropped;
  }

  /** The next chunk to send: waiting frames of one kind, contiguous in the call, joined up to maxChunkMs. */
  private take(): Chunk | undefined {
    const first = this.chunks.shift();
    if (!first) return undefined;
    const parts = [first];
    let frames = first.frames;
    for (;;) {
      const next = this.chunks[0];
      if (!next || next.silent || first.silent || next.streamStart !== first.streamStart + frames || frames + next.frames > this.maxChunkFrames) break;
      this.chunks.shift();
      parts.push(next);
      frames += next.frames;
    }
    this.bufferedFrames -= frames;
    if (parts.length === 1) return first;
    const bytes = new Uint8Array(frames * this.bytesPerFrame);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part.bytes, offset);
      offset += part.bytes.byteLength;
    }
    return { bytes, frames, streamStart: first.streamStart, silent: false };
  }

  private record(chunk: Chunk): void {
    const last = this.segments.at(-1);
    const continues = last && last.silent === chunk.silent && (chunk.silent ? last.streamStart === chunk.streamStart : last.streamStart + last.frames === chunk.streamStart);
    if (continues) last.frames += chunk.frames;
    else this.segments.push({ sessionStart: this.sentFrames, streamStart: chunk.streamStart, frames: chunk.frames, silent: chunk.silent });
    this.sentFrames += chunk.frames;
  }

  private wake(): void {
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.();
  }
}
