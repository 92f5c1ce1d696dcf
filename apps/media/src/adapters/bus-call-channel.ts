import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { publishTo, subscribeTo, type MessageBus } from '@voiceagent/bus';
import { VadEventKind, topics, type AudioFrame, type CallEvent } from '@voiceagent/contracts';
import type { CallChannel, CallChannelHandlers } from '../ports/call-channel';
import type { CallTelemetry } from './call-telemetry';

/** One call's streams on the message bus (subjects from libs/contracts). */
export class BusCallChannel implements CallChannel {
  private readonly audioIn;
  private readonly dtmf;

  constructor(
    private readonly bus: MessageBus,
    private readonly callId: string,
    /** The call's trace and media's share of its turns; without it the call is not traced. */
    private readonly telemetry?: CallTelemetry,
  ) {
    this.audioIn = topics.call(callId, 'audioIn');
    this.dtmf = topics.call(callId, 'dtmf');
  }

  publishCallerAudio(frame: AudioFrame): void {
    publishTo(this.bus, this.audioIn, frame);
  }

  publishDtmf(digits: string, durationMs: number): void {
    publishTo(this.bus, this.dtmf, { digits, durationMs });
  }

  publishLifecycle(event: CallEvent): void {
    // Inside the call's trace: every stage that takes the call hears it, and its turns join the trace.
    context.with(this.telemetry?.trace ?? ROOT_CONTEXT, () => publishTo(this.bus, topics.lifecycle, event));
  }

  follow(handlers: CallChannelHandlers): () => void {
    const subscriptions = [
      subscribeTo(this.bus, topics.call(this.callId, 'audioOut'), (frame, message) => handlers.onAgentAudio(frame, this.telemetry?.replyFrame(message))),
      subscribeTo(this.bus, topics.call(this.callId, 'control'), (control) => handlers.onControl(control)),
      subscribeTo(this.bus, topics.call(this.callId, 'vad'), (event) => {
        if (event.kind === VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED) handlers.onCallerSpeech();
      }),
    ];
    return () => subscriptions.forEach((s) => s.unsubscribe());
  }

  followTranscript(onFinal: (text: string) => void): () => void {
    const subscription = subscribeTo(this.bus, topics.call(this.callId, 'transcript'), (transcript) => {
      if (transcript.isFinal) onFinal(transcript.text);
    });
    return () => subscription.unsubscribe();
  }
}
