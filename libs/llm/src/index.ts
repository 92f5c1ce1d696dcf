export {
  TOOLS, TOOL_NAMES, toolArgs, parseToolCall, ToolCallError,
  answerFromKnowledgeArgs, bookAppointmentArgs, transferToHumanArgs, endCallArgs,
  type ToolName, type ToolCall, type ToolArgs, type ToolDefinition,
  type AnswerFromKnowledgeArgs, type BookAppointmentArgs, type TransferToHumanArgs, type EndCallArgs,
} from './tools';
export { collectChat, type LanguageModel, type ChatRequest, type ChatMessage, type ChatChunk, type BookingToolResult, type LocalSlot } from './port';
export { LocalLanguageModel, DEFAULT_ANSWER_THRESHOLD, findService, type LocalEngineOptions } from './local/local-engine';
export { normalize } from './local/text';
export { parseWhen, digitizeTimes, type SpokenWhen } from './local/when';
export { OpenAiCompatibleModel, OpenAiError, toRequestBody, toWireMessages, strictParameters, type OpenAiCompatibleOptions, type OpenAiErrorKind } from './openai/openai-model';
export { BedrockLanguageModel, BedrockError, DEFAULT_BEDROCK_MODEL_ID, toConverseInput, toBedrockMessages, type BedrockOptions, type BedrockErrorKind } from './bedrock/bedrock-model';
export { createLanguageModel, type LanguageModelConfig, type LanguageModelDeps } from './factory';
