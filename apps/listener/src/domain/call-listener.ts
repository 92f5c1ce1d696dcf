import { int16View, rmsDbfs } from '@voiceagent/audio';
import type { EndOfUtteranceEvent, FinalTranscriptEvent, SpeechEvent, SpeechStream } from '@voiceagent/stt';
import type { CallAudioFrame } from '../ports/call-audio-source';
import type { ListenerEvents } from '../ports/listener-events';
import type { OverlapReport, TurnObserver } from '../ports/turn-observer';
import { AgentPlayout } from './agent-playout';
import { BargeInGuard, type OverlapVerdict } from './barge-in-guard';
import { CallerAudio } from './caller-audio';
import { CallerTimeline } from './caller-timeline';

export interface CallListenerOptions {
  readonly callId: string;
  /** This call's speech stream, opened at the call's sample rate. */
  readonly stream: SpeechStream;
  /** Name of the engine behind the stream (`local`, `deepgram`, `aws`). */
  readonly engine: string;
  readonly sampleRateHz: number;
  readonly events: ListenerEvents;
  readonly observer: TurnObserver;
  readonly guard?: BargeInGuard;
  /** Wall clock, ms since the epoch; injectable for tests. */
  readonly now?: () => number;
}

export interface CallListenerSummary {
  readonly callId: string;
  readonly audioMs: number;
  readonly received: number;
  readonly lost: number;
  readonly late: number;
  readonly lossRatio: number;
  readonly turns: number;
  readonly bargeIns: number;
  readonly ignored: number;
}

/**
 * Agent audio this long before the caller's onset counts towards the agent's
 * level: echo comes back late, and a sentence may start softly.
 */
const echoLeadMs = 1_000;

interface Utterance {
  readonly onsetMs: number;
  /** Our wall clock at the onset, estimated from the audio that came after it. */
  readonly onsetLocalMs: number;
  /** The agent could be heard at some point since the onset: the guard decides what this is. */
  readonly overAgent: boolean;
  /** SPEECH_STARTED is out: this utterance is a turn in the making. */
  announced: boolean;
  /** It stopped the agent. */
  bargeIn: boolean;
  /** The latest partial; held back until the utterance is announced. */
  partial: { readonly text: string; readonly atMs: number } | undefined;
  readonly finals: FinalTranscriptEvent[];
  /** The guard's last word on an utterance it has not let through. */
  verdict: OverlapVerdict | undefined;
}

/**
 * Listens to one call: caller audio into the speech stream, speech events
 * out as voice activity, transcripts and finalized turns. It follows the
 * agent's audio too, because what the caller says while the agent talks is
 * judged before it may interrupt (see BargeInGuard); when the agent is
 * silent, speech starts a turn at once.
 */
export class CallListener {
  private readonly audio: CallerAudio;
  private readonly timeline = new CallerTimeline();
  private readonly playout = new AgentPlayout();
  private readonly guard: BargeInGuard;
  private readonly now: () => number;
  private readonly reading: Promise<void>;
  private utterance: Utterance | undefined;
  private turns = 0;
  private bargeIns = 0;
  private ignored = 0;
  private misfitFrames = 0;
  private closing: Promise<CallListenerSummary> | undefined;
  private failed = false;

  constructor(private readonly options: CallListenerOptions) {
    this.audio = new CallerAudio(options.callId);
    this.guard = options.guard ?? new BargeInGuard();
    this.now = options.now ?? Date.now;
    this.reading = this.read();
  }

  callerFrame(frame: CallAudioFrame): void {
    if (this.closing || this.failed || !this.audio.onFrame(frame)) return;
    const channels = Math.max(1, frame.channels);
    if (frame.sampleRateHz !== this.options.sampleRateHz || frame.pcm.length % (2 * channels) !== 0) {
      if (this.misfitFrames++ === 0) {
        this.options.observer.problem(
          `caller audio frame does not fit the call (${frame.sampleRateHz} Hz, ${frame.pcm.length} bytes, ${channels} channels; the call is ${this.options.sampleRateHz} Hz): dropped`,
        );
      }
      return;
    }
    const samples = firstChannel(int16View(frame.pcm), channels);
    if (samples.length === 0) return;
    this.timeline.add({
      durationMs: (samples.length * 1000) / this.options.sampleRateHz,
      capturedAtMs: frame.capturedAtUs > 0 ? frame.capturedAtUs / 1000 : this.now(),
      levelDbfs: rmsDbfs(samples),
    });
    try {
      this.options.stream.pushFrame(samples);
    } catch (error) {
      this.failed = true;
      this.options.observer.problem('speech stream failed: the rest of the call goes unheard', error);
      return;
    }
    // A partial with words may have been waiting only for the speech to last long enough.
    const utterance = this.utterance;
    if (utterance?.partial && !utterance.announced && utterance.overAgent) this.review(utterance, this.timeline.positionMs);
  }

  agentFrame(frame: CallAudioFrame): void {
    if (this.closing || frame.pcm.length % 2 !== 0) return;
    const samples = int16View(frame.pcm);
    const channels = Math.max(1, frame.channels);
    const rate = frame.sampleRateHz || this.options.sampleRateHz;
    this.playout.frame(this.now(), (samples.length * 1000) / channels / rate, rmsDbfs(samples));
  }

  /** Settles the stream and stops; nothing is published for speech cut off by the call's end. */
  close(): Promise<CallListenerSummary> {
    this.closing ??= (async () => {
      try {
        await this.options.stream.close();
      } catch (error) {
        this.options.observer.problem('speech stream failed to close', error);
      }
      await this.reading;
      return { ...this.audio.summary(), turns: this.turns, bargeIns: this.bargeIns, ignored: this.ignored };
    })();
    return this.closing;
  }

  private async read(): Promise<void> {
    try {
      for await (const event of this.options.stream) this.onEvent(event);
    } catch (error) {
      this.options.observer.problem('speech events failed', error);
    }
    if (!this.closing) {
      this.failed = true;
      this.options.observer.problem('speech stream ended before the call: the rest of the call goes unheard');
    }
  }

  private onEvent(event: SpeechEvent): void {
    switch (event.type) {
      case 'speech_started':
        return this.started(event.atMs);
      case 'partial':
        return this.partial(event.text, event.atMs);
      case 'final':
        return this.final(event);
      case 'end_of_utterance':
        return this.ended(event);
      case 'error':
        return this.options.observer.problem(`speech engine: ${event.message}`);
    }
  }

  private started(onsetMs: number): void {
    const onsetLocalMs = this.localTimeOf(onsetMs);
    const utterance: Utterance = {
      onsetMs,
      onsetLocalMs,
      overAgent: this.playout.audibleSince(onsetLocalMs),
      announced: false,
      bargeIn: false,
      partial: undefined,
      finals: [],
      verdict: undefined,
    };
    this.utterance = utterance;
    // Nothing to interrupt: the turn starts now.
    if (!utterance.overAgent && !this.closing) this.announce(utterance, false);
  }

  private partial(text: string, atMs: number): void {
    const utterance = this.utterance;
    if (!utterance || this.closing) return;
    utterance.partial = { text, atMs };
    if (utterance.announced) this.publishPartial(utterance);
    else if (utterance.overAgent) this.review(utterance, atMs);
  }

  private final(final: FinalTranscriptEvent): void {
    const utterance = this.utterance;
    if (!utterance) return;
    utterance.finals.push(final);
    if (!utterance.announced && !this.closing) {
      // The settled text can show words the partials had not yet.
      const overlap = this.overlap(utterance, final.endMs, textOf(utterance.finals));
      utterance.verdict = this.guard.atEnd(overlap);
      // "Yes" over the end of "shall I book it?" outlasts the agent: an answer, not a backchannel.
      const answered = utterance.verdict === 'backchannel' && !this.playout.audibleSince(this.localTimeOf(final.endMs));
      if (utterance.verdict === 'barge-in' || answered) this.interrupt(utterance, overlap, true);
    }
    // A backchannel is still what the caller said, just not a turn; echo is not the caller at all.
    if (utterance.announced || utterance.verdict === 'backchannel') this.publishTranscript(final);
  }

  private ended(end: EndOfUtteranceEvent): void {
    const utterance = this.utterance;
    this.utterance = undefined;
    if (!utterance || this.closing) return;
    if (!utterance.announced) {
      // Without a settled transcript only echo is known for sure; otherwise nothing came of it.
      const verdict = utterance.finals.length > 0 || utterance.verdict === 'echo' ? (utterance.verdict ?? 'no-words') : 'no-words';
      this.ignored++;
      this.options.observer.ignored({ ...this.overlap(utterance, end.lastSpeechAtMs, textOf(utterance.finals)), verdict });
      return;
    }
    const nowMs = this.now();
    const speechEndedAtMs = this.wallClockAt(end.lastSpeechAtMs);
    this.options.events.speechStopped({ atMs: end.lastSpeechAtMs, at: new Date(speechEndedAtMs), duringAgentSpeech: this.playout.isAudible(nowMs) });
    const text = textOf(utterance.finals);
    if (text === '') return;

    const words = utterance.finals.flatMap((f) => f.words);
    const turnId = `u${++this.turns}`;
    const timing = {
      turnId,
      chars: text.length,
      speechEndedAtMs,
      endpointingMs: end.atMs - end.lastSpeechAtMs,
      asrLagMs: nowMs - this.wallClockAt(end.atMs),
      totalMs: nowMs - speechEndedAtMs,
      interruptedAgent: utterance.bargeIn,
    };
    this.options.observer.userTurn(timing, () =>
      this.options.events.userTurn({
        turnId,
        text,
        confidence: confidenceOf(utterance.finals),
        words,
        speechEndedAt: new Date(speechEndedAtMs),
        finalizedAt: new Date(this.now()),
        interruptedAgent: utterance.bargeIn,
      }),
    );
  }

  /** Speech over the agent, still unannounced: interrupt once the guard is convinced. */
  private review(utterance: Utterance, positionMs: number): void {
    if (this.closing) return;
    const overlap = this.overlap(utterance, positionMs, utterance.partial?.text ?? '');
    utterance.verdict = this.guard.whileSpeaking(overlap);
    if (utterance.verdict === 'barge-in') this.interrupt(utterance, overlap, false);
  }

  private interrupt(utterance: Utterance, overlap: OverlapReport, late: boolean): void {
    const nowMs = this.now();
    // The agent may have finished meanwhile: then this is an ordinary turn start, nothing to stop.
    const during = this.playout.isAudible(nowMs);
    if (during) {
      utterance.bargeIn = true;
      this.bargeIns++;
      // Media flushes playback on this SPEECH_STARTED: what was queued will not be heard.
      this.playout.flushed(nowMs);
      this.options.observer.bargeIn({ ...overlap, verdict: 'barge-in', late });
    }
    this.announce(utterance, during);
  }

  private announce(utterance: Utterance, duringAgentSpeech: boolean): void {
    utterance.announced = true;
    this.options.events.speechStarted({ atMs: utterance.onsetMs, at: new Date(this.wallClockAt(utterance.onsetMs)), duringAgentSpeech });
    if (utterance.partial) this.publishPartial(utterance);
  }

  private overlap(utterance: Utterance, toMs: number, text: string): OverlapReport {
    return {
      verdict: utterance.verdict ?? 'wait',
      text,
      speechMs: Math.max(0, toMs - utterance.onsetMs),
      callerPeakDbfs: this.timeline.peakDbfs(utterance.onsetMs, Math.max(toMs, utterance.onsetMs + 1)),
      agentPeakDbfs: this.playout.peakDbfs(utterance.onsetLocalMs - echoLeadMs, this.now()),
    };
  }

  private publishPartial(utterance: Utterance): void {
    const { partial } = utterance;
    if (!partial) return;
    this.options.events.transcript({
      isFinal: false,
      text: partial.text,
      confidence: 0,
      words: [],
      startMs: utterance.onsetMs,
      endMs: partial.atMs,
      engine: this.options.engine,
    });
  }

  private publishTranscript(final: FinalTranscriptEvent): void {
    const { text, confidence, words, startMs, endMs } = final;
    this.options.events.transcript({ isFinal: true, text, confidence, words, startMs, endMs, engine: this.options.engine });
  }

  /**
   * Our clock's time for a position in the caller's audio: audio arrives in
   * real time, so it is as long ago as the audio received since. (Capture
   * times are another host's clock; agent playout is estimated on ours.)
   */
  private localTimeOf(positionMs: number): number {
    return this.now() - Math.max(0, this.timeline.positionMs - positionMs);
  }

  private wallClockAt(positionMs: number): number {
    return this.timeline.wallClockAt(positionMs) ?? this.now();
  }
}

function firstChannel(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const mono = new Int16Array(Math.floor(samples.length / channels));
  for (let i = 0; i < mono.length; i++) mono[i] = samples[i * channels] ?? 0;
  return mono;
}

const textOf = (finals: readonly FinalTranscriptEvent[]) =>
  finals
    .map((f) => f.text.trim())
    .filter(Boolean)
    .join(' ');

/** Word-weighted mean of the finals' confidences. */
function confidenceOf(finals: readonly FinalTranscriptEvent[]): number {
  const words = finals.reduce((n, f) => n + f.words.length, 0);
  if (words === 0) return 0;
  return finals.reduce((sum, f) => sum + f.confidence * f.words.length, 0) / words;
}
