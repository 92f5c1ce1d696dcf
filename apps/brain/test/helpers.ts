import { fileURLToPath } from 'node:url';
import { LocalKnowledgeSearch, loadKnowledgeFile, type Knowledge } from '@voiceagent/knowledge';
import { LocalLanguageModel, type ChatChunk, type LanguageModel } from '@voiceagent/llm';
import { InMemoryBooking } from '../src/adapters/in-memory-booking';
import { MemoryConversationStore } from '../src/adapters/memory-conversation-store';
import { Dialogue } from '../src/domain/dialogue';
import type { AgentOutput, AgentSentence, CallCommand } from '../src/ports/agent-output';
import type { EscalationPort, HandoffRequest } from '../src/ports/escalation';

export const EXAMPLE_KNOWLEDGE = fileURLToPath(new URL('../../../examples/knowledge.yaml', import.meta.url));
/** Monday 2025-12-01, 10:00 in Austin (open). */
export const MONDAY_10AM = new Date('2025-12-01T16:00:00Z');

export class RecordingOutput implements AgentOutput {
  readonly sentences: AgentSentence[] = [];
  readonly commands: CallCommand[] = [];
  say(sentence: AgentSentence): void {
    this.sentences.push(sentence);
  }
  command(command: CallCommand): void {
    this.commands.push(command);
  }
  playedOut(): Promise<void> {
    return Promise.resolve();
  }
  spoken(turnId: string): string {
    return this.sentences.filter((s) => s.turnId === turnId).map((s) => s.text).join(' ');
  }
}

/** An engine that says and calls whatever the test scripts: the adversary of the guard. */
export function scriptedEngine(chunks: ChatChunk[]): LanguageModel {
  return {
    engine: 'scripted',
    async *chat() {
      yield* chunks;
    },
  };
}

/** Records hand-offs, or fails them all (the escalation service is down). */
export class RecordingEscalation implements EscalationPort {
  readonly handoffs: HandoffRequest[] = [];
  constructor(private readonly failWith?: Error) {}
  handoff(request: HandoffRequest): Promise<string> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.handoffs.push(request);
    return Promise.resolve(`h${this.handoffs.length}`);
  }
}

export async function dialogueWith(options: { engine?: (knowledge: Knowledge) => LanguageModel; now?: Date; escalation?: EscalationPort } = {}) {
  const knowledge = await loadKnowledgeFile(EXAMPLE_KNOWLEDGE);
  const now = () => options.now ?? MONDAY_10AM;
  const engine = options.engine?.(knowledge)
    ?? new LocalLanguageModel({ knowledge: { current: () => knowledge, onChange: () => () => undefined }, search: new LocalKnowledgeSearch(knowledge), now });
  const booking = new InMemoryBooking(() => knowledge, now);
  const store = new MemoryConversationStore();
  const output = new RecordingOutput();
  const dialogue = new Dialogue('c1', '+15125550111', output, { knowledge: () => knowledge, engine, store, booking, now, ...(options.escalation ? { escalation: options.escalation } : {}) });
  return { knowledge, booking, store, output, dialogue };
}
