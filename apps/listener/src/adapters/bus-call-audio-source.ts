import { subscribeTo, type MessageBus } from '@voiceagent/bus';
import { topics } from '@voiceagent/contracts';
import type { CallAudioSource } from '../ports/call-audio-source';

/** Caller audio from `call.{id}.audio.in`. */
export class BusCallAudioSource implements CallAudioSource {
  constructor(private readonly bus: MessageBus) {}

  follow(callId: string, onFrame: Parameters<CallAudioSource['follow']>[1]): () => void {
    const subscription = subscribeTo(this.bus, topics.call(callId, 'audioIn'), (frame) => onFrame(frame));
    return () => subscription.unsubscribe();
  }
}
