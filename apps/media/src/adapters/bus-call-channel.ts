import { publishTo, subscribeTo, type MessageBus } from '@voiceagent/bus';
import { VadEventKind, topics, type AudioFrame, type CallEvent } from '@voiceagent/contracts';
import type { CallChannel, CallChannelHandlers } from '../ports/call-channel';

/** One call's streams on the message bus (subjects from libs/contracts). */
export class BusCallChannel implements CallChannel {
  private readonly audioIn;
  private readonly dtmf;

  constructor(
    private readonly bus: MessageBus,
    private readonly callId: string,
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
    publishTo(this.bus, topics.lifecycle, event);
  }

  follow(handlers: CallChannelHandlers): () => void {
    const subscriptions = [
      subscribeTo(this.bus, topics.call(this.callId, 'audioOut'), (frame) => handlers.onAgentAudio(frame)),
      subscribeTo(this.bus, topics.call(this.callId, 'control'), (control) => handlers.onControl(control)),
      subscribeTo(this.bus, topics.call(this.callId, 'vad'), (event) => {
        if (event.kind === VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED) handlers.onCallerSpeech();
      }),
    ];
    return () => subscriptions.forEach((s) => s.unsubscribe());
  }
}
