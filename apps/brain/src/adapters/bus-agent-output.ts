import { publishTo, subscribeTo, type MessageBus } from '@voiceagent/bus';
import { topics, type AudioFrame } from '@voiceagent/contracts';
import { injectTraceContext } from '@voiceagent/telemetry';
import type { AgentOutput, AgentSentence, CallCommand } from '../ports/agent-output';

export interface PlayoutOptions {
  /** Speaking-rate estimate used when no audio is seen: about 13 characters a second, plus synthesis. */
  readonly msPerChar?: number;
  readonly baseMs?: number;
  /** Extra wait after the last frame should have played (jitter and playout buffers). */
  readonly marginMs?: number;
}

const frameMs = (frame: AudioFrame): number => (frame.sampleRateHz > 0 ? (frame.pcm.length / 2 / Math.max(frame.channels, 1) / frame.sampleRateHz) * 1000 : 20);

/**
 * Replies and call commands on the bus. Playout is known by watching the
 * call's outgoing audio for the reply's end-of-utterance frame and waiting
 * until that much audio has played; a timer estimated from the text's
 * length covers a speaker that never sends audio or never marks the end.
 */
export class BusAgentOutput implements AgentOutput {
  private readonly pending = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly bus: MessageBus,
    private readonly callId: string,
    private readonly playout: PlayoutOptions = {},
  ) {}

  say(sentence: AgentSentence): void {
    if (this.closed) return;
    publishTo(
      this.bus,
      topics.call(this.callId, 'agentTurn'),
      {
        callId: this.callId, turnId: sentence.turnId, sentenceIndex: sentence.sentenceIndex, text: sentence.text, final: sentence.final,
        decision: sentence.decision, createdAt: new Date(), cacheKey: sentence.cacheKey ?? '',
      },
      injectTraceContext(undefined),
    );
  }

  command(command: CallCommand): void {
    // A hangup whose goodbye outlived the call has nothing left to hang up.
    if (this.closed) return;
    const action = command.kind === 'hangup'
      ? { $case: 'hangup' as const, hangup: { reason: command.reason } }
      : { $case: 'transfer' as const, transfer: { target: command.target, reason: command.reason } };
    publishTo(this.bus, topics.call(this.callId, 'control'), { callId: this.callId, action }, injectTraceContext(undefined));
  }

  playedOut(text: string): Promise<void> {
    const { msPerChar = 75, baseMs = 1500, marginMs = 250 } = this.playout;
    return new Promise((resolve) => {
      let firstFrameAt: number | undefined;
      let audioMs = 0;
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        subscription.unsubscribe();
        this.pending.delete(finish);
        resolve();
      };
      const arm = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(finish, ms);
        timer.unref();
      };
      const subscription = subscribeTo(this.bus, topics.call(this.callId, 'audioOut'), (frame) => {
        const now = Date.now();
        firstFrameAt ??= now;
        audioMs += frameMs(frame);
        // Speakers send faster than real time: what is left is the audio not yet played.
        const left = Math.max(0, audioMs - (now - firstFrameAt)) + marginMs;
        arm(frame.endOfUtterance ? left : Math.max(left, 1000));
      });
      this.pending.add(finish);
      arm(baseMs + text.length * msPerChar);
    });
  }

  /** Releases the audio watch of a reply still playing (the call ended first). */
  close(): void {
    this.closed = true;
    for (const finish of [...this.pending]) finish();
  }
}
