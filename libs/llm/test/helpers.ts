import { fileURLToPath } from 'node:url';
import { LocalKnowledgeSearch, loadKnowledgeFile, type Knowledge } from '@voiceagent/knowledge';
import { LocalLanguageModel } from '../src/local/local-engine';

export const EXAMPLE_KNOWLEDGE = fileURLToPath(new URL('../../../examples/knowledge.yaml', import.meta.url));
/** Monday 2025-12-01, 10:00 in Austin. */
export const MONDAY_10AM = new Date('2025-12-01T16:00:00Z');

export async function localEngine(now = MONDAY_10AM): Promise<{ engine: LocalLanguageModel; knowledge: Knowledge }> {
  const knowledge = await loadKnowledgeFile(EXAMPLE_KNOWLEDGE);
  const engine = new LocalLanguageModel({ knowledge: { current: () => knowledge, onChange: () => () => undefined }, search: new LocalKnowledgeSearch(knowledge), now: () => now });
  return { engine, knowledge };
}
