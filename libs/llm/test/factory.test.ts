import { loadConfig } from '@voiceagent/config';
import { LocalKnowledgeSearch, loadKnowledgeFile } from '@voiceagent/knowledge';
import { describe, expect, it } from 'vitest';
import { BedrockLanguageModel, collectChat, createLanguageModel, LocalLanguageModel, OpenAiCompatibleModel, type LanguageModelDeps } from '../src/index';
import { EXAMPLE_KNOWLEDGE, MONDAY_10AM } from './helpers';

async function deps(): Promise<LanguageModelDeps> {
  const knowledge = await loadKnowledgeFile(EXAMPLE_KNOWLEDGE);
  return { knowledge: { current: () => knowledge, onChange: () => () => undefined }, search: new LocalKnowledgeSearch(knowledge), now: () => MONDAY_10AM };
}

describe('createLanguageModel', () => {
  it('builds the local engine by default, on the given knowledge', async () => {
    const engine = createLanguageModel(loadConfig({}), await deps());
    expect(engine).toBeInstanceOf(LocalLanguageModel);
    const { call } = await collectChat(engine.chat({ system: '', messages: [{ role: 'user', content: 'can I talk to a person' }], tools: [], toolChoice: 'required' }));
    expect(call?.name).toBe('transfer_to_human');
  });

  it('builds the OpenAI-compatible engine', async () => {
    const engine = createLanguageModel(loadConfig({ BRAIN_ENGINE: 'openai', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }), await deps());
    expect(engine).toBeInstanceOf(OpenAiCompatibleModel);
    expect(engine.engine).toBe('openai');
  });

  it('builds the Bedrock engine for AWS_REGION and BEDROCK_MODEL_ID', async () => {
    const engine = createLanguageModel(loadConfig({ BRAIN_ENGINE: 'bedrock', AWS_REGION: 'eu-west-1', BEDROCK_MODEL_ID: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0' }), await deps());
    expect(engine).toBeInstanceOf(BedrockLanguageModel);
    expect(engine).toMatchObject({ engine: 'bedrock', modelId: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0' });
    (engine as BedrockLanguageModel).close();
  });

  it('refuses BRAIN_ENGINE=bedrock without AWS_REGION, saying what to set', async () => {
    const config = loadConfig({ BRAIN_ENGINE: 'bedrock' });
    expect(() => createLanguageModel(config, {} as LanguageModelDeps)).toThrow('BRAIN_ENGINE=bedrock needs AWS_REGION');
  });
});
