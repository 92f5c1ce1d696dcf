import { subscribeTo, type MessageBus } from '@voiceagent/bus';
import { VadEventKind, topics } from '@voiceagent/contracts';
import type { AgentSpeechSource } from '../ports/agent-speech-source';

/** Agent sentences from `call.{id}.turn.agent`, barge-in from `call.{id}.vad`. */
export class BusAgentSpeechSource implements AgentSpeechSource {
  constructor(private readonly bus: MessageBus) {}

  follow(callId: string, handlers: Parameters<AgentSpeechSource['follow']>[1]): () => void {
    const sentences = subscribeTo(this.bus, topics.call(callId, 'agentTurn'), (u) => handlers.onSentence(u));
    const vad = subscribeTo(this.bus, topics.call(callId, 'vad'), (event) => {
      if (event.kind === VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED && event.duringAgentSpeech) handlers.onBargeIn();
    });
    return () => {
      sentences.unsubscribe();
      vad.unsubscribe();
    };
  }
}
