import type { ChatChunk, ChatRequest, LanguageModel } from '@voiceagent/llm';

/**
 * The shared engine as one call sees it, timed: how long its last chat took,
 * from the request to the end of the stream. A call's turns run one at a
 * time, so that is the current turn's engine time (latency accounting).
 */
export class TimedLanguageModel implements LanguageModel {
  readonly engine: string;
  lastChatMs = 0;

  constructor(private readonly inner: LanguageModel) {
    this.engine = inner.engine;
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatChunk> {
    const started = performance.now();
    try {
      yield* this.inner.chat(request);
    } finally {
      this.lastChatMs = performance.now() - started;
    }
  }
}
