export { configSchema, configVariables, type Config } from './schema';
export { loadConfig, ConfigError } from './load';
