import { BoundedQueue, type SpeechEvent, type SpeechStream } from '@voiceagent/stt';
import { describe, expect, it } from 'vitest';
import type { CallAudioFrame } from '../ports/call-audio-source';
import type { ListenerEvents, TranscriptUpdate, UserTurnUpdate, VoiceActivity } from '../ports/listener-events';
import type { OverlapReport, TurnObserver, TurnTiming } from '../ports/turn-observer';
import { BargeInGuard } from './barge-in-guard';
import { CallListener } from './call-listener';

/** A speech stream whose events the test scripts. */
class ScriptedStream implements SpeechStream {
  private readonly queue = new BoundedQueue<SpeechEvent>({ capacity: 1000 });
  samples = 0;
  closed = false;
  failNextPush = false;

  pushFrame(pcm: Int16Array | Uint8Array): void {
    if (this.closed) throw new Error('closed');
    if (this.failNextPush) throw new Error('engine crashed');
    this.samples += pcm.length;
  }
  finalize(): void {
    // The script decides when utterances end.
  }
  async close(): Promise<void> {
    this.closed = true;
    this.queue.end();
  }
  emit(...events: SpeechEvent[]): void {
    for (const event of events) this.queue.push(event);
  }
  [Symbol.asyncIterator](): AsyncIterator<SpeechEvent> {
    return this.queue;
  }
}

type Published =
  | { kind: 'started' | 'stopped'; event: VoiceActivity }
  | { kind: 'transcript'; update: TranscriptUpdate }
  | { kind: 'turn'; turn: UserTurnUpdate };

function setup() {
  let nowMs = 1_000_000;
  const stream = new ScriptedStream();
  const published: Published[] = [];
  const events: ListenerEvents = {
    speechStarted: (event) => published.push({ kind: 'started', event }),
    speechStopped: (event) => published.push({ kind: 'stopped', event }),
    transcript: (update) => published.push({ kind: 'transcript', update }),
    userTurn: (turn) => published.push({ kind: 'turn', turn }),
  };
  const seen = { turns: [] as TurnTiming[], bargeIns: [] as (OverlapReport & { late: boolean })[], ignored: [] as OverlapReport[], problems: [] as string[] };
  const observer: TurnObserver = {
    userTurn: (timing, publish) => {
      seen.turns.push(timing);
      publish();
    },
    bargeIn: (report) => seen.bargeIns.push(report),
    ignored: (report) => seen.ignored.push(report),
    problem: (message) => seen.problems.push(message),
  };
  const listener = new CallListener({
    callId: 'c1',
    stream,
    engine: 'scripted',
    sampleRateHz: 8000,
    events,
    observer,
    guard: new BargeInGuard({ minSpeechMs: 150, echoMarginDb: 25 }),
    now: () => nowMs,
  });
  let sequence = 0;
  /** Caller audio captured in real time from the test's clock, `ms` of it at `dbfs`. */
  const caller = (ms: number, dbfs = -20) => {
    for (let at = 0; at < ms; at += 20) {
      listener.callerFrame(frame(sequence++, dbfs, nowMs * 1000));
      nowMs += 20;
    }
  };
  /** `ms` of agent audio published at once (the speaker bursts; media paces). */
  const agent = (ms: number, dbfs = -12) => {
    for (let at = 0; at < ms; at += 20) listener.agentFrame(frame(0, dbfs, 0));
  };
  const kinds = () => published.map((p) => (p.kind === 'transcript' ? (p.update.isFinal ? 'final' : 'partial') : p.kind));
  return { stream, listener, published, seen, caller, agent, kinds, now: () => nowMs };
}

/** 20 ms at 8 kHz of a constant level. */
function frame(sequence: number, dbfs: number, capturedAtUs: number): CallAudioFrame {
  const samples = new Int16Array(160).fill(Math.round(32768 * 10 ** (dbfs / 20)));
  return { sequence, sampleRateHz: 8000, channels: 1, pcm: new Uint8Array(samples.buffer), capturedAtUs };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const word = (w: string, startMs: number, endMs: number) => ({ word: w, startMs, endMs, confidence: 0.8 });

describe('CallListener with the agent silent', () => {
  it('starts the turn at once and publishes partial, final, speech stopped and the user turn', async () => {
    const t = setup();
    const t0 = t.now();
    t.caller(1000);
    t.stream.emit({ type: 'speech_started', atMs: 300 });
    await settle();
    expect(t.published).toEqual([{ kind: 'started', event: { atMs: 300, at: new Date(t0 + 300), duringAgentSpeech: false } }]);

    t.stream.emit({ type: 'partial', text: 'what time', atMs: 960 });
    t.caller(600);
    t.stream.emit(
      { type: 'final', text: 'what time do you open', words: [word('what', 300, 420), word('time', 420, 700), word('open', 900, 1180)], confidence: 0.9, startMs: 300, endMs: 1180 },
      { type: 'end_of_utterance', atMs: 1580, lastSpeechAtMs: 1180 },
    );
    await settle();
    expect(t.kinds()).toEqual(['started', 'partial', 'final', 'stopped', 'turn']);
    const turn = t.published.find((p) => p.kind === 'turn')!.turn;
    expect(turn).toMatchObject({ turnId: 'u1', text: 'what time do you open', interruptedAgent: false, speechEndedAt: new Date(t0 + 1180), finalizedAt: new Date(t.now()) });
    expect(turn.confidence).toBeCloseTo(0.9);
    expect(turn.words.map((w) => w.word)).toEqual(['what', 'time', 'open']);
    expect(t.seen.turns).toEqual([
      // The last frame came in at 1600 ms of audio: the engine settled 20 ms of audio behind it.
      expect.objectContaining({ turnId: 'u1', chars: 21, endpointingMs: 400, speechEndedAtMs: t0 + 1180, asrLagMs: 20, totalMs: 420, interruptedAgent: false }),
    ]);
    const stopped = t.published.find((p) => p.kind === 'stopped')!;
    expect(stopped).toEqual({ kind: 'stopped', event: { atMs: 1180, at: new Date(t0 + 1180), duringAgentSpeech: false } });
  });

  it('numbers turns and publishes no turn for speech without words', async () => {
    const t = setup();
    t.caller(2000);
    t.stream.emit({ type: 'speech_started', atMs: 100 }, { type: 'end_of_utterance', atMs: 700, lastSpeechAtMs: 300 });
    t.stream.emit({ type: 'speech_started', atMs: 800 }, { type: 'final', text: 'hello', words: [word('hello', 800, 1000)], confidence: 1, startMs: 800, endMs: 1000 });
    t.stream.emit({ type: 'end_of_utterance', atMs: 1400, lastSpeechAtMs: 1000 });
    await settle();
    expect(t.kinds()).toEqual(['started', 'stopped', 'started', 'final', 'stopped', 'turn']);
    expect(t.seen.turns.map((x) => x.turnId)).toEqual(['u1']);
  });
});

describe('CallListener while the agent talks', () => {
  it('lets a backchannel pass: no barge-in, no turn, but its transcript', async () => {
    const t = setup();
    t.agent(3000);
    t.caller(800);
    t.stream.emit({ type: 'speech_started', atMs: 200 }, { type: 'partial', text: 'yeah', atMs: 640 });
    await settle();
    t.stream.emit({ type: 'final', text: 'yeah', words: [word('yeah', 200, 500)], confidence: 0.8, startMs: 200, endMs: 500 });
    t.stream.emit({ type: 'end_of_utterance', atMs: 900, lastSpeechAtMs: 500 });
    await settle();
    expect(t.kinds()).toEqual(['final']);
    expect(t.seen.ignored).toEqual([expect.objectContaining({ verdict: 'backchannel', text: 'yeah' })]);
    expect(t.seen.bargeIns).toEqual([]);
  });

  it('barges in on the first partial with real words, then reports the turn as an interruption', async () => {
    const t = setup();
    t.agent(5000);
    t.caller(800);
    t.stream.emit({ type: 'speech_started', atMs: 200 }, { type: 'partial', text: 'yeah', atMs: 640 });
    await settle();
    expect(t.published).toEqual([]);
    t.stream.emit({ type: 'partial', text: 'yeah but what', atMs: 960 });
    await settle();
    expect(t.kinds()).toEqual(['started', 'partial']);
    expect(t.published[0]).toMatchObject({ kind: 'started', event: { atMs: 200, duringAgentSpeech: true } });
    expect(t.seen.bargeIns).toEqual([expect.objectContaining({ verdict: 'barge-in', text: 'yeah but what', late: false })]);

    t.caller(800);
    t.stream.emit({ type: 'final', text: 'yeah but what about sunday', words: [word('sunday', 900, 1300)], confidence: 0.7, startMs: 200, endMs: 1300 });
    t.stream.emit({ type: 'end_of_utterance', atMs: 1700, lastSpeechAtMs: 1300 });
    await settle();
    expect(t.kinds()).toEqual(['started', 'partial', 'final', 'stopped', 'turn']);
    // The flush stopped the agent: it is no longer heard when the caller stops.
    expect(t.published[3]).toMatchObject({ kind: 'stopped', event: { duringAgentSpeech: false } });
    expect(t.published[4]).toMatchObject({ kind: 'turn', turn: { interruptedAgent: true, text: 'yeah but what about sunday' } });
  });

  it('barges in late when only the settled transcript shows words', async () => {
    const t = setup();
    t.agent(5000);
    t.caller(700);
    t.stream.emit({ type: 'speech_started', atMs: 200 });
    t.stream.emit({ type: 'final', text: 'stop', words: [word('stop', 250, 500)], confidence: 0.9, startMs: 200, endMs: 500 });
    t.stream.emit({ type: 'end_of_utterance', atMs: 900, lastSpeechAtMs: 500 });
    await settle();
    expect(t.kinds()).toEqual(['started', 'final', 'stopped', 'turn']);
    expect(t.published[0]).toMatchObject({ event: { duringAgentSpeech: true } });
    expect(t.seen.bargeIns).toEqual([expect.objectContaining({ late: true })]);
  });

  it('waits for TURN_MIN_SPEECH_MS of speech before a barge-in', async () => {
    const t = setup();
    t.agent(5000);
    t.caller(300);
    t.stream.emit({ type: 'speech_started', atMs: 200 }, { type: 'partial', text: 'no', atMs: 300 });
    await settle();
    expect(t.published).toEqual([]);
    // More audio: the words were already there, now the speech has lasted long enough.
    t.caller(100);
    expect(t.kinds()).toEqual(['started', 'partial']);
  });

  it('takes quiet speech under loud agent audio for echo: no barge-in, no transcript, no turn', async () => {
    const t = setup();
    t.agent(5000, -10);
    t.caller(1500, -50);
    t.stream.emit({ type: 'speech_started', atMs: 200 }, { type: 'partial', text: 'we open at nine', atMs: 960 });
    t.stream.emit({ type: 'final', text: 'we open at nine', words: [word('nine', 700, 1000)], confidence: 0.6, startMs: 200, endMs: 1000 });
    t.stream.emit({ type: 'end_of_utterance', atMs: 1400, lastSpeechAtMs: 1000 });
    await settle();
    expect(t.published).toEqual([]);
    expect(t.seen.ignored).toEqual([expect.objectContaining({ verdict: 'echo', text: 'we open at nine' })]);
  });

  it('starts an ordinary turn when the agent has finished by the time words show', async () => {
    const t = setup();
    t.agent(200);
    t.caller(100);
    t.stream.emit({ type: 'speech_started', atMs: 0 });
    await settle();
    t.caller(600);
    t.stream.emit({ type: 'partial', text: 'i would like', atMs: 640 });
    await settle();
    expect(t.published[0]).toMatchObject({ kind: 'started', event: { duringAgentSpeech: false } });
    t.stream.emit({ type: 'final', text: 'i would like', words: [word('like', 300, 600)], confidence: 1, startMs: 0, endMs: 600 });
    t.stream.emit({ type: 'end_of_utterance', atMs: 1000, lastSpeechAtMs: 600 });
    await settle();
    expect(t.published.at(-1)).toMatchObject({ kind: 'turn', turn: { interruptedAgent: false } });
    expect(t.seen.bargeIns).toEqual([]);
  });

  it('takes a backchannel word that outlasts the agent for an answer', async () => {
    const t = setup();
    t.agent(300); // "...shall I book it?"
    t.caller(200);
    t.stream.emit({ type: 'speech_started', atMs: 100 });
    await settle();
    expect(t.published).toEqual([]);
    t.caller(800);
    t.stream.emit({ type: 'final', text: 'yes', words: [word('yes', 100, 500)], confidence: 0.9, startMs: 100, endMs: 500 });
    t.stream.emit({ type: 'end_of_utterance', atMs: 900, lastSpeechAtMs: 500 });
    await settle();
    expect(t.kinds()).toEqual(['started', 'final', 'stopped', 'turn']);
    expect(t.published[0]).toMatchObject({ event: { duringAgentSpeech: false } });
    expect(t.published.at(-1)).toMatchObject({ turn: { text: 'yes', interruptedAgent: false } });
  });

  it('knows the agent is heard only while its queued audio plays', async () => {
    const t = setup();
    t.agent(400);
    t.caller(1000); // the agent's 400 ms played out long ago
    t.stream.emit({ type: 'speech_started', atMs: 900 });
    await settle();
    expect(t.published).toEqual([{ kind: 'started', event: expect.objectContaining({ duringAgentSpeech: false }) }]);
  });
});

describe('CallListener lifecycle', () => {
  it('publishes no turn for speech cut off by the end of the call, and summarises', async () => {
    const t = setup();
    t.caller(600);
    t.stream.emit({ type: 'speech_started', atMs: 100 });
    await settle();
    t.stream.emit({ type: 'final', text: 'good bye', words: [word('bye', 200, 400)], confidence: 1, startMs: 100, endMs: 400 });
    const summary = await t.listener.close();
    t.stream.emit({ type: 'end_of_utterance', atMs: 600, lastSpeechAtMs: 400 });
    expect(t.kinds()).toEqual(['started', 'final']);
    expect(summary).toMatchObject({ callId: 'c1', audioMs: 600, received: 30, lost: 0, turns: 0, bargeIns: 0, ignored: 0 });
    expect(t.stream.closed).toBe(true);
    // Frames after close go nowhere.
    t.caller(100);
    expect(t.stream.samples).toBe(600 * 8);
    expect(await t.listener.close()).toBe(summary);
  });

  it('drops frames that do not fit the call, and stops feeding a failed stream', async () => {
    const t = setup();
    t.listener.callerFrame({ ...frame(0, -20, 0), sampleRateHz: 16000 });
    t.listener.callerFrame({ ...frame(1, -20, 0), sampleRateHz: 16000 });
    expect(t.seen.problems).toEqual([expect.stringMatching(/does not fit the call \(16000 Hz/)]);
    t.stream.failNextPush = true;
    t.listener.callerFrame(frame(2, -20, 0));
    t.stream.failNextPush = false;
    t.listener.callerFrame(frame(3, -20, 0));
    expect(t.stream.samples).toBe(0);
    expect(t.seen.problems).toHaveLength(2);
    await t.listener.close();
  });

  it('takes the first channel of multi-channel audio and skips late frames', () => {
    const t = setup();
    const stereo = new Int16Array(320);
    t.listener.callerFrame({ sequence: 5, sampleRateHz: 8000, channels: 2, pcm: new Uint8Array(stereo.buffer), capturedAtUs: 0 });
    t.listener.callerFrame({ sequence: 4, sampleRateHz: 8000, channels: 2, pcm: new Uint8Array(stereo.buffer), capturedAtUs: 0 });
    expect(t.stream.samples).toBe(160);
  });
});
