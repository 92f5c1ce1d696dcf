import { SentenceSynthesisStream, type SynthesisStream, type SynthesizedFrame } from '@voiceagent/tts';
import { describe, expect, it } from 'vitest';
import type { AgentSentence } from '../ports/agent-speech-source';
import type { ReplySummary, SpeechObserver } from '../ports/speech-observer';
import { CallSpeaker, type CallSpeakerOptions } from './call-speaker';

const FRAME = 320; // 20 ms at 8 kHz

interface SynthCall {
  readonly text: string;
  readonly signal: AbortSignal;
  finish(frames: number): void;
  fail(error: Error): void;
}

/** Audio whose every byte names its sentence (its first letter), so order can be read back. */
const audioOf = (text: string, frames: number) => new Uint8Array(frames * FRAME).fill(text.charCodeAt(0));

const tick = () => new Promise((resolve) => setImmediate(resolve));

const sentence = (turnId: string, sentenceIndex: number, text: string, final = false, cacheKey = ''): AgentSentence => ({ turnId, sentenceIndex, text, final, cacheKey });

/** A call speaker over the real SentenceSynthesisStream, with an engine, phrase cache and clock the test drives. */
function setup(options: Partial<CallSpeakerOptions> = {}) {
  const calls: SynthCall[] = [];
  const streams: SentenceSynthesisStream[] = [];
  const published: { pcm: Uint8Array; endOfUtterance: boolean }[] = [];
  const phrases = new Map<string, Uint8Array>();
  const renders: { text: string; resolve(audio: Uint8Array): void }[] = [];
  const events = { started: [] as string[], firstAudio: [] as number[], ended: [] as ReplySummary[], bargeIns: [] as object[], dropped: [] as object[], problems: [] as string[] };
  const observer: SpeechObserver = {
    replyStarted: ({ turnId }) => {
      events.started.push(turnId);
      return {
        firstAudio: (ms, publish) => {
          events.firstAudio.push(ms);
          publish();
        },
        end: (summary) => events.ended.push(summary),
      };
    },
    bargeIn: (detail) => events.bargeIns.push(detail),
    sentenceDropped: (detail) => events.dropped.push(detail),
    problem: (_error, what) => events.problems.push(what),
  };
  const clock = { ms: 0 };
  const speaker = new CallSpeaker({
    sampleRateHz: 8000,
    openStream: () => {
      const stream = new SentenceSynthesisStream(
        (text, signal) =>
          new Promise<Uint8Array>((resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason));
            calls.push({ text, signal, finish: (frames) => resolve(audioOf(text, frames)), fail: reject });
          }),
        8000,
      );
      streams.push(stream);
      return stream;
    },
    phrases: {
      lookup: (text) => phrases.get(text),
      render: (text) => new Promise((resolve) => renders.push({ text, resolve })),
    },
    sink: { publish: (pcm, endOfUtterance) => published.push({ pcm: pcm.slice(), endOfUtterance }) },
    observer,
    now: () => clock.ms,
    ...options,
  });
  /** What was played, a letter per frame ("_" for silence), "!" after the end of an utterance. */
  const played = () => published.map((f) => (f.pcm[0] ? String.fromCharCode(f.pcm[0]) : '_') + (f.endOfUtterance ? '!' : '')).join('');
  return { speaker, calls, streams, published, phrases, renders, events, clock, played };
}

/** A stream the test hands frames out of by hand, to place a frame exactly before a cancel. */
class ManualStream implements SynthesisStream {
  replyIndex = 0;
  readonly pushed: string[] = [];
  cancels = 0;
  private waiting: ((result: IteratorResult<SynthesizedFrame>) => void) | undefined;

  pushText(text: string): void {
    this.pushed.push(text);
  }
  flush(): void {
    this.replyIndex++;
  }
  endInput(): void {
    this.flush();
  }
  cancel(): void {
    this.cancels++;
  }
  async close(): Promise<void> {
    this.waiting?.({ done: true, value: undefined });
  }
  hand(text: string, replyIndex: number, replyEnd: boolean): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ done: false, value: { audio: audioOf(text, 1), sampleRateHz: 8000, sentenceIndex: replyIndex, replyIndex, sentenceEnd: replyEnd, replyEnd } });
  }
  [Symbol.asyncIterator](): AsyncIterator<SynthesizedFrame> {
    return { next: () => new Promise((resolve) => (this.waiting = resolve)) };
  }
}

describe('CallSpeaker', () => {
  it('synthesizes each sentence the moment it arrives and marks the reply’s last frame', async () => {
    const { speaker, calls, events, clock, played } = setup();
    speaker.sentence(sentence('t1', 0, 'Alpha one.'));
    expect(calls.map((c) => c.text)).toEqual(['Alpha one.']); // no waiting for the rest of the reply
    clock.ms = 40;
    calls[0]!.finish(2);
    await tick();
    expect(played()).toBe('AA');
    expect(events.firstAudio).toEqual([40]);
    speaker.sentence(sentence('t1', 1, 'Bravo two.', true));
    calls[1]!.finish(3);
    await tick();
    expect(played()).toBe('AABBB!');
    expect(events.ended).toEqual([expect.objectContaining({ turnId: 't1', outcome: 'spoken', firstAudioMs: 40, frames: 5, sentences: 2 })]);
    expect(await speaker.close()).toMatchObject({ replies: 1, frames: 5, interrupted: 0 });
  });

  it('plays a cached phrase at once, and a phrase still being rendered keeps its place in line', async () => {
    const { speaker, calls, streams, phrases, renders, events, played } = setup();
    phrases.set('Greeting here.', audioOf('Greeting here.', 2));
    speaker.sentence(sentence('', 0, 'Greeting here.', true, 'greeting'));
    expect(played()).toBe('GG!'); // synchronously: no synthesis at all
    expect(calls).toHaveLength(0);
    expect(events.ended[0]).toMatchObject({ outcome: 'spoken', cacheHits: 1, cacheMisses: 0, firstAudioMs: 0 });

    speaker.sentence(sentence('t1', 0, 'Alpha.'));
    speaker.sentence(sentence('t1', 1, 'Kindly hold.', false, 'hold'));
    speaker.sentence(sentence('t1', 2, 'Charlie.', true));
    expect(renders.map((r) => r.text)).toEqual(['Kindly hold.']);
    calls[0]!.finish(1);
    await tick();
    calls[1]!.finish(3);
    await tick();
    expect(played()).toBe('GG!A'); // Charlie is ready but must wait behind the phrase
    expect(streams[0]!.bufferedFrames).toBe(2); // one frame parked, the rest left in the stream: nothing read ahead
    renders[0]!.resolve(audioOf('Kindly hold.', 2));
    await tick();
    expect(played()).toBe('GG!AKKCCC!');
    expect(events.ended[1]).toMatchObject({ turnId: 't1', outcome: 'spoken', frames: 6, cacheMisses: 1 });
    await speaker.close();
  });

  it('barge-in cancels synthesis at once, drops the rest of that reply, and the next turn speaks', async () => {
    const { speaker, calls, events, played } = setup();
    speaker.sentence(sentence('t1', 0, 'Alpha.'));
    speaker.sentence(sentence('t1', 1, 'Bravo.'));
    calls[0]!.finish(2);
    await tick();
    expect(calls[1]!.text).toBe('Bravo.');
    speaker.bargeIn();
    expect(calls[1]!.signal.aborted).toBe(true);
    expect(events.bargeIns).toEqual([{ droppedSentences: 1, interruptedReplies: 1 }]);
    expect(events.ended).toEqual([expect.objectContaining({ turnId: 't1', outcome: 'interrupted', frames: 2 })]);

    speaker.sentence(sentence('t1', 2, 'Charlie.', true)); // written before the brain heard the caller
    expect(events.dropped).toEqual([{ turnId: 't1', sentenceIndex: 2, reason: 'interrupted' }]);
    speaker.sentence(sentence('t2', 0, 'Delta.', true));
    expect(calls.map((c) => c.text)).toEqual(['Alpha.', 'Bravo.', 'Delta.']);
    calls[2]!.finish(1);
    await tick();
    expect(played()).toBe('AAD!');
    expect(await speaker.close()).toMatchObject({ replies: 1, interrupted: 1, droppedSentences: 1 });
  });

  it('a frame handed out just before the cancel is not played after it', async () => {
    const stream = new ManualStream();
    const { speaker, played } = setup({ openStream: () => stream });
    speaker.sentence(sentence('t1', 0, 'Alpha.'));
    await tick();
    stream.hand('Alpha.', 0, false); // resolved to the reader, which runs only after the barge-in below
    speaker.bargeIn();
    speaker.sentence(sentence('t2', 0, 'Delta.', true));
    await tick();
    expect(stream.cancels).toBe(1);
    expect(played()).toBe('');
    stream.hand('Delta.', 1, true);
    await tick();
    expect(played()).toBe('D!');
    await speaker.close();
  });

  it('a final sentence after all the audio went out ends the utterance with one silent frame', async () => {
    const { speaker, calls, played, events } = setup();
    speaker.sentence(sentence('t1', 0, 'Alpha.'));
    calls[0]!.finish(1);
    await tick();
    speaker.sentence(sentence('t1', 1, '', true));
    expect(played()).toBe('A_!');
    expect(events.ended[0]).toMatchObject({ outcome: 'spoken', frames: 2 });
    // A reply that was never finished ends where the next one begins.
    speaker.sentence(sentence('t2', 0, 'Bravo.'));
    calls[1]!.finish(1);
    await tick();
    speaker.sentence(sentence('t3', 0, 'Charlie.', true));
    calls[2]!.finish(1);
    await tick();
    expect(played()).toBe('A_!B_!C!');
    await speaker.close();
  });

  it('after an engine failure the reply fails and later sentences get a fresh stream', async () => {
    const { speaker, calls, streams, events, played } = setup();
    speaker.sentence(sentence('t1', 0, 'Alpha.'));
    calls[0]!.fail(new Error('flite crashed'));
    await tick();
    expect(events.problems).toEqual(['synthesis stream failed']);
    expect(events.ended).toEqual([expect.objectContaining({ outcome: 'failed', frames: 0 })]);
    expect(streams).toHaveLength(2);
    speaker.sentence(sentence('t2', 0, 'Delta.', true));
    calls[1]!.finish(1);
    await tick();
    expect(played()).toBe('D!');
    expect(await speaker.close()).toMatchObject({ failed: 1, replies: 1 });
  });

  it('the restart budget counts failures in a row: a sentence spoken in between gives it back, so a long call keeps its voice', async () => {
    const { speaker, calls, streams, events, played } = setup({ maxStreamRestarts: 1 });
    for (let turn = 0; turn < 4; turn++) {
      speaker.sentence(sentence(`fail${turn}`, 0, 'Broken.', true));
      calls.at(-1)!.fail(new Error('flush limit'));
      await tick();
      speaker.sentence(sentence(`ok${turn}`, 0, 'Working.', true));
      calls.at(-1)!.finish(1);
      await tick();
    }
    expect(streams).toHaveLength(5);
    expect(played()).toBe('W!W!W!W!');
    expect(events.dropped).toEqual([]);

    // Failures in a row still stop at the budget: no stream is opened for ever.
    speaker.sentence(sentence('f1', 0, 'Broken.', true));
    calls.at(-1)!.fail(new Error('down'));
    await tick();
    speaker.sentence(sentence('f2', 0, 'Broken.', true));
    calls.at(-1)!.fail(new Error('down'));
    await tick();
    expect(streams).toHaveLength(6);
    speaker.sentence(sentence('f3', 0, 'Nobody hears this.', true));
    expect(events.dropped).toEqual([{ turnId: 'f3', sentenceIndex: 0, reason: 'no synthesis stream' }]);
    expect(await speaker.close()).toMatchObject({ failed: 6 });
  });

  it('bounds the sentences waiting for audio', () => {
    const { speaker, events } = setup({ maxQueuedSentences: 2 });
    for (let i = 0; i < 3; i++) speaker.sentence(sentence('t1', i, `Sentence ${i}.`));
    expect(events.dropped).toEqual([{ turnId: 't1', sentenceIndex: 2, reason: 'too many sentences waiting' }]);
    return speaker.close();
  });

  it('close ends open replies, aborts synthesis and waits for phrase renders', async () => {
    const { speaker, calls, renders, events } = setup();
    speaker.sentence(sentence('', 0, 'Greeting.', true, 'greeting'));
    speaker.sentence(sentence('t1', 0, 'Alpha.'));
    let closed = false;
    const closing = speaker.close().then((summary) => ((closed = true), summary));
    await tick();
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(events.ended.map((e) => e.outcome)).toEqual(['closed', 'closed']);
    expect(closed).toBe(false); // the phrase render still runs
    renders[0]!.resolve(audioOf('Greeting.', 1));
    expect(await closing).toMatchObject({ replies: 0, frames: 0, cacheMisses: 1 });
    speaker.sentence(sentence('t2', 0, 'Too late.', true));
    expect(calls).toHaveLength(1);
  });
});
