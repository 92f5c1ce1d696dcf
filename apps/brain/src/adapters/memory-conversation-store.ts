import type { ConversationState, ConversationStore } from '../ports/conversation-store';

/** Conversation state in this process: right for one instance and for tests. */
export class MemoryConversationStore implements ConversationStore {
  private readonly states = new Map<string, ConversationState>();

  async get(callId: string): Promise<ConversationState | undefined> {
    return this.states.get(callId);
  }

  async put(state: ConversationState): Promise<void> {
    this.states.set(state.callId, state);
  }

  async delete(callId: string): Promise<void> {
    this.states.delete(callId);
  }

  size(): number {
    return this.states.size;
  }
}
