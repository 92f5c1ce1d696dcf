import { publishTo, type MessageBus, type Topic } from '@voiceagent/bus';
import { VadEventKind, topics, type Word } from '@voiceagent/contracts';
import type { WordTiming } from '@voiceagent/stt';
import { injectTraceContext } from '@voiceagent/telemetry';
import type { ListenerEvents, TranscriptUpdate, UserTurnUpdate, VoiceActivity } from '../ports/listener-events';

/** proto uint32 fields: whole, non-negative. */
const uint = (ms: number) => Math.max(0, Math.round(ms));

const toWords = (words: readonly WordTiming[]): Word[] =>
  words.map(({ word, startMs, endMs, confidence }) => ({ word, startMs: uint(startMs), endMs: uint(endMs), confidence }));

/** One call's listening results on the bus: `vad`, `transcript`, `turn.user`. */
export class BusListenerEvents implements ListenerEvents {
  constructor(
    private readonly bus: MessageBus,
    private readonly callId: string,
  ) {}

  speechStarted(event: VoiceActivity): void {
    this.vad(VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED, event);
  }

  speechStopped(event: VoiceActivity): void {
    this.vad(VadEventKind.VAD_EVENT_KIND_SPEECH_STOPPED, event);
  }

  transcript(update: TranscriptUpdate): void {
    const { isFinal, text, confidence, words, startMs, endMs, engine } = update;
    this.publish(topics.call(this.callId, 'transcript'), {
      callId: this.callId,
      isFinal,
      text,
      confidence,
      words: toWords(words),
      channel: 0,
      startMs: uint(startMs),
      endMs: uint(endMs),
      engine,
    });
  }

  userTurn(turn: UserTurnUpdate): void {
    this.publish(topics.call(this.callId, 'userTurn'), { callId: this.callId, ...turn, words: toWords(turn.words) });
  }

  private vad(kind: VadEventKind, { atMs, at, duringAgentSpeech }: VoiceActivity): void {
    this.publish(topics.call(this.callId, 'vad'), { callId: this.callId, kind, audioOffsetMs: uint(atMs), time: at, duringAgentSpeech });
  }

  /** With the active trace context in the headers, whatever the bus: a consumer's span becomes a child of ours. */
  private publish<T>(topic: Topic<T>, value: T): void {
    publishTo(this.bus, topic, value, injectTraceContext(undefined));
  }
}
