import { describe, expect, it } from 'vitest';
import { AudioFeed } from './audio-feed';

/** 8 kHz mono: 160 frames (320 bytes) per 20 ms. */
const frame = (ms = 20, value = 1) => new Uint8Array((ms / 1000) * 8000 * 2).fill(value);

/** Everything the SDK would send, once the feed has ended. */
async function drain(feed: AudioFeed): Promise<Uint8Array[]> {
  feed.end();
  const chunks: Uint8Array[] = [];
  for await (const event of feed) if (event.AudioEvent?.AudioChunk) chunks.push(event.AudioEvent.AudioChunk);
  return chunks;
}

describe('AudioFeed', () => {
  it('joins waiting frames into chunks of at most 200 ms, only where they are contiguous in the call', async () => {
    const feed = new AudioFeed(8000, 2, 8000);
    for (let i = 0; i < 15; i++) feed.push(frame(), i * 160);
    feed.push(frame(), 5000);
    const chunks = await drain(feed);
    expect(chunks.map((c) => c.byteLength / 16)).toEqual([200, 100, 20]);
    expect(feed.sessionFrames).toBe(2400 + 160);
    expect(feed.toStreamFrames(0.31)).toBe(5080);
  });

  it('cuts a long frame into chunks of 200 ms (an AudioChunk holds at most 1 s)', async () => {
    const feed = new AudioFeed(8000, 2, 80_000);
    feed.push(frame(1500), 0);
    expect((await drain(feed)).map((c) => c.byteLength / 16)).toEqual([200, 200, 200, 200, 200, 200, 200, 100]);
    expect(feed.toStreamFrames(1.45)).toBe(11_600);
  });

  it('drops the oldest audio beyond its bound, and counts it', async () => {
    // Room for 100 ms.
    const feed = new AudioFeed(8000, 2, 800);
    expect(feed.push(frame(60), 0)).toBe(0);
    expect(feed.push(frame(60), 480)).toBe(480);
    // Audio is waiting: no keep-alive silence on top of it.
    feed.pushSilence(800, 960);
    expect(await drain(feed)).toHaveLength(1);
    expect(feed.sessionFrames).toBe(480);
    // Transcribe heard only the newer audio: its time 30 ms is the call's 90 ms.
    expect(feed.toStreamFrames(0.03)).toBe(720);
  });

  it('maps Transcribe times back to the call: the call stands still during keep-alive silence', async () => {
    const feed = new AudioFeed(8000, 2, 8000);
    const sending = feed[Symbol.asyncIterator]();
    feed.push(frame(20), 0);
    await sending.next();
    // Idle: 100 ms of silence at call position 20 ms, then the call goes on.
    feed.pushSilence(800, 160);
    feed.push(frame(20), 160);
    await drain(feed);
    expect(feed.toStreamFrames(0.01)).toBe(80);
    expect(feed.toStreamFrames(0.05)).toBe(160);
    expect(feed.toStreamFrames(0.125)).toBe(200);
    // Past what was sent: the end of the last stretch.
    expect(feed.toStreamFrames(5)).toBe(320);
  });

  it('keeps contiguous call audio as one stretch, however it was chunked', async () => {
    const feed = new AudioFeed(8000, 2, 80_000);
    feed.push(frame(20), 8000);
    feed.push(frame(20), 8160);
    await drain(feed);
    expect(feed.toStreamFrames(0)).toBe(8000);
    expect(feed.toStreamFrames(0.03)).toBe(8240);
  });
});
