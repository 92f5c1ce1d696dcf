/** One sentence of an agent reply, as the brain streams it on `call.{id}.turn.agent`. */
export interface AgentSentence {
  readonly turnId: string;
  readonly sentenceIndex: number;
  readonly text: string;
  /** The reply's last sentence. */
  readonly final: boolean;
  /** Set on fixed phrases (greeting, closed message): served from the phrase cache. */
  readonly cacheKey: string;
}

/**
 * What the speaker listens to on one call: agent sentences and caller speech
 * starts. Handlers run inside the trace context the message carried, so a
 * span they start is a child of the sender's.
 */
export interface AgentSpeechSource {
  follow(
    callId: string,
    handlers: {
      onSentence(sentence: AgentSentence): void;
      /** The caller started speaking (already past the listener's false-barge-in guard). */
      onBargeIn(): void;
    },
  ): () => void;
}
