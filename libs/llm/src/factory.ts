import type { Config } from '@voiceagent/config';
import type { KnowledgeSearch, KnowledgeSource } from '@voiceagent/knowledge';
import { BedrockLanguageModel } from './bedrock/bedrock-model';
import { LocalLanguageModel } from './local/local-engine';
import { OpenAiCompatibleModel } from './openai/openai-model';
import type { LanguageModel } from './port';

/** The settings the engines read (a loaded `Config` fits). */
export type LanguageModelConfig = Pick<Config, 'BRAIN_ENGINE' | 'OPENAI_BASE_URL' | 'OPENAI_MODEL' | 'OPENAI_API_KEY' | 'AWS_REGION' | 'BEDROCK_MODEL_ID'>;

export interface LanguageModelDeps {
  /** The local engine reads the knowledge and searches it itself; cloud engines get it in the system prompt. */
  readonly knowledge: KnowledgeSource;
  readonly search: KnowledgeSearch;
  readonly now?: () => Date;
  /** Recoverable oddities of cloud engines (extra tool calls ignored, ...), for the log. */
  readonly onWarning?: (message: string, detail: Record<string, unknown>) => void;
}

/** The engine BRAIN_ENGINE names. The composition root calls this once at start-up and shares the engine across calls. */
export function createLanguageModel(config: LanguageModelConfig, deps: LanguageModelDeps): LanguageModel {
  switch (config.BRAIN_ENGINE) {
    case 'local':
      return new LocalLanguageModel({ knowledge: deps.knowledge, search: deps.search, now: deps.now });
    case 'openai':
      return new OpenAiCompatibleModel({ baseUrl: config.OPENAI_BASE_URL, model: config.OPENAI_MODEL, apiKey: config.OPENAI_API_KEY, onWarning: deps.onWarning });
    case 'bedrock':
      if (!config.AWS_REGION) throw new Error('BRAIN_ENGINE=bedrock needs AWS_REGION (the region of your Bedrock model access, e.g. us-east-1); credentials come from the standard AWS chain (environment, profile, IAM role).');
      // Credentials from the default AWS chain, resolved at the first turn.
      return new BedrockLanguageModel({ region: config.AWS_REGION, modelId: config.BEDROCK_MODEL_ID, onWarning: deps.onWarning });
  }
}
