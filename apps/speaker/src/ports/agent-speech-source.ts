/** What the speaker listens to on one call: agent sentences and caller speech starts. */
export interface AgentSpeechSource {
  follow(
    callId: string,
    handlers: {
      onSentence(sentence: { turnId: string; text: string; final: boolean }): void;
      /** The caller started speaking while the agent was talking. */
      onBargeIn(): void;
    },
  ): () => void;
}
