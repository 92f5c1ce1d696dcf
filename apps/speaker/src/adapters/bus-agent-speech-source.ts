import { context } from '@opentelemetry/api';
import { subscribeTo, type MessageBus } from '@voiceagent/bus';
import { VadEventKind, topics } from '@voiceagent/contracts';
import { extractTraceContext } from '@voiceagent/telemetry';
import type { AgentSpeechSource } from '../ports/agent-speech-source';

/** Agent sentences from `call.{id}.turn.agent`, barge-in from `call.{id}.vad`. */
export class BusAgentSpeechSource implements AgentSpeechSource {
  constructor(private readonly bus: MessageBus) {}

  follow(callId: string, handlers: Parameters<AgentSpeechSource['follow']>[1]): () => void {
    const sentences = subscribeTo(this.bus, topics.call(callId, 'agentTurn'), ({ turnId, sentenceIndex, text, final, cacheKey }, message) =>
      // Entered here too, not only by withTracePropagation, so that on any bus the reply's span is a child of the brain's.
      context.with(extractTraceContext(message), () => handlers.onSentence({ turnId, sentenceIndex, text, final, cacheKey })),
    );
    // Whether or not the agent was heard speaking: the listener publishes speech starts only past its false-barge-in guard.
    const vad = subscribeTo(this.bus, topics.call(callId, 'vad'), (event) => {
      if (event.kind === VadEventKind.VAD_EVENT_KIND_SPEECH_STARTED) handlers.onBargeIn();
    });
    return () => {
      sentences.unsubscribe();
      vad.unsubscribe();
    };
  }
}
