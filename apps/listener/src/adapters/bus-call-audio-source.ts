import { subscribeTo, type MessageBus } from '@voiceagent/bus';
import { Track, topics } from '@voiceagent/contracts';
import type { CallAudioHandlers, CallAudioSource } from '../ports/call-audio-source';

/** Caller audio from `call.{id}.audio.in`, agent audio from `call.{id}.audio.out`. */
export class BusCallAudioSource implements CallAudioSource {
  constructor(private readonly bus: MessageBus) {}

  follow(callId: string, handlers: CallAudioHandlers): () => void {
    const subscriptions = [
      subscribeTo(this.bus, topics.call(callId, 'audioIn'), (frame) => {
        // Multi-track sources (Connect KVS) also carry what the caller hears; that is not the caller speaking.
        if (frame.track !== Track.TRACK_AGENT) handlers.caller(frame);
      }),
      subscribeTo(this.bus, topics.call(callId, 'audioOut'), (frame) => handlers.agent(frame)),
    ];
    return () => subscriptions.forEach((s) => s.unsubscribe());
  }
}
