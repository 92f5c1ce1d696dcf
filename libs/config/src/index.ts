export { configSchema, configVariables, type Config } from './schema';
export { loadConfig, ConfigError, secretVariablePattern } from './load';
export { deepgramUrls, type DeepgramUrls } from './deepgram-url';
